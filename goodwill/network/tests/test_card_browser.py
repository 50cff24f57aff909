"""In a real browser: the printable card fits a phone, prints on one page and its QR code
scans back to the pro's vCard (decoded by zxing-cpp from a screenshot)."""

import io

import pytest
import vobject
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from goodwill.conftest import ARTIFACTS, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def decode_qr(png: bytes) -> str:
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    qr = [c for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(qr) == 1, f"expected one QR code, found {[c.format for c in codes]}"
    return qr[0].text


def assert_is_kims_card(text: str) -> None:
    card = vobject.readOne(text)
    assert card.fn.value == "Kim Nguyen"
    assert card.tel.value == "+15125550150"
    assert card.email.value == "kim@roundrockkia.example"
    assert card.org.value == ["Round Rock Kia"]


def box_inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"]
        and inner["y"] >= outer["y"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


@pytest.mark.parametrize(("width", "dpr"), [(390, 3), (1280, 1)])
def test_the_printed_card_fits_the_screen_and_its_qr_code_scans(page_at, alice, kim, width, dpr):
    page = page_at(width, device_scale_factor=dpr)
    login(page, "alice")
    page.goto(f"/network/{kim.public_id}/print/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    card = page.locator("#card").bounding_box()
    qr = page.locator("#card .qr svg").bounding_box()
    assert box_inside(qr, card), (qr, card)
    assert qr["width"] >= 100 and abs(qr["width"] - qr["height"]) < 1
    screenshot(page, f"card-print-{width}")
    assert_is_kims_card(decode_qr((ARTIFACTS / f"card-print-{width}.png").read_bytes()))

    # Printed: a 3.5 × 2 in business card (336 × 192 CSS px) with the code inside it, and the
    # code still scans at a printer's resolution (3 device pixels per CSS pixel ≈ 288 dpi).
    page.emulate_media(media="print")
    card = page.locator("#card").bounding_box()
    assert (round(card["width"]), round(card["height"])) == (336, 192)
    assert box_inside(page.locator("#card .qr svg").bounding_box(), card)
    assert not page.locator(".hint").is_visible()
    if dpr == 3:
        assert_is_kims_card(decode_qr(page.locator("#card").screenshot()))
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert len(pdf.pages) == 1
    assert "Kim Nguyen" in pdf.pages[0].extract_text()
