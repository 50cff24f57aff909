"""A member edits their own card ("My card"): what it says, its photo and the line at its
foot, each save one history row; the card as a PDF whose QR code scans."""

import io

import pypdfium2
import pytest
import vobject
import zxingcpp
from django.core.exceptions import PermissionDenied
from PIL import Image
from pypdf import PdfReader

from goodwill.network import actions
from goodwill.network.models import CardPhoto, NetworkEvent

pytestmark = pytest.mark.django_db


def png(width=900, height=600, color=(200, 30, 30)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    out.seek(0)
    out.name = "me.png"
    return out


def test_a_pro_edits_their_own_card_with_a_photo_and_history(client_for, carol, carol_card):
    client = client_for(carol)
    answer = client.post(
        "/network/me/",
        {
            "title": "Fleet manager",
            "phone": "(512) 555-0199",
            "email": "carol@lonestarhonda.example",
            "specialties": "fleet, EV",
            "card_line": "Send me your Honda shoppers, I'll look after them.",
            "photo": png(),
        },
    )
    assert answer.status_code == 302
    carol_card.refresh_from_db()
    assert carol_card.title == "Fleet manager"
    assert carol_card.phone == "+15125550199"
    assert carol_card.specialties == ["fleet", "EV"]
    assert carol_card.card_line == "Send me your Honda shoppers, I'll look after them."
    assert carol_card.photo_version == 1
    event = NetworkEvent.objects.get(pro=carol_card, verb="card_edited")
    assert event.actor == carol
    assert event.changes["specialties"] == ["", "fleet, EV"]
    assert event.changes["photo"] == ["", "a new photo"]

    photo = client.get(f"/network/{carol_card.public_id}/photo.jpg")
    assert photo["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(photo.content))
    assert image.format == "JPEG" and image.size == (400, 400)  # cropped square, re-encoded

    page = client.get("/network/me/").text
    assert "Send me your Honda shoppers" in page and "Fleet manager" in page
    printed = client.get(f"/network/{carol_card.public_id}/print/").text
    assert "Send me your Honda shoppers" in printed and "photo.jpg?v=1" in printed
    pdf = client.get(f"/network/{carol_card.public_id}/card.pdf").content
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=300 / 72).to_pil()
    assert vobject.readOne(zxingcpp.read_barcodes(image)[0].text).fn.value == "Carol Test"
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Send me your Honda shoppers, I'll look after them." in text

    client.post("/network/me/", {**_same(carol_card), "remove_photo": "on"})
    carol_card.refresh_from_db()
    assert carol_card.photo_version == 0 and not CardPhoto.objects.exists()
    assert NetworkEvent.objects.filter(pro=carol_card, verb="card_edited").count() == 2


def _same(card) -> dict:
    return {
        "title": card.title,
        "phone": card.phone,
        "email": card.email,
        "specialties": ", ".join(card.specialties),
        "card_line": card.card_line,
    }


def test_a_file_that_is_not_a_photo_is_a_field_error_not_a_500(client_for, carol, carol_card):
    bad = io.BytesIO(b"%PDF-1.4 not a photo at all")
    bad.name = "me.jpg"
    answer = client_for(carol).post("/network/me/", {**_same(carol_card), "photo": bad})
    assert answer.status_code == 422
    assert "That file is not a photo" in answer.text
    assert not NetworkEvent.objects.filter(verb="card_edited").exists()


def test_a_card_too_long_at_its_foot_is_refused_per_field(client_for, carol, carol_card):
    answer = client_for(carol).post("/network/me/", {**_same(carol_card), "card_line": "x" * 91})
    assert answer.status_code == 422
    assert "at most 90 characters" in answer.text


def test_only_its_owner_edits_a_card(alice, carol_card, carol_pro):
    with pytest.raises(PermissionDenied):
        actions.edit_card(carol_card, acting_user=alice, title="Not hers to change")
    with pytest.raises(PermissionDenied):  # store A's copy of carol is not a card of its own
        actions.edit_card(carol_pro, acting_user=alice, title="Nope")


def test_the_card_as_a_pdf_is_one_business_card_page_whose_code_scans(client_for, alice, kim):
    answer = client_for(alice).get(f"/network/{kim.public_id}/card.pdf")
    assert answer["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (252, 144)  # 3.5 × 2 in
    assert "Kim Nguyen" in reader.pages[0].extract_text()
    image = pypdfium2.PdfDocument(answer.content)[0].render(scale=300 / 72).to_pil()
    [code] = zxingcpp.read_barcodes(image)
    card = vobject.readOne(code.text)
    assert card.fn.value == "Kim Nguyen" and card.tel.value == "+15125550150"


def test_another_stores_card_pdf_and_photo_are_a_404(client_for, bob, kim):
    client = client_for(bob)
    assert client.get(f"/network/{kim.public_id}/card.pdf").status_code == 404
    assert client.get(f"/network/{kim.public_id}/photo.jpg").status_code == 404
