"""What rivals offered: recorded on a customer or partner through the one action (with its
history line), on the customer page, beside the deal in the Fails queue, and in the
managers' report by rival store and make (CSV, formula-safe)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.conftest import make_customer
from goodwill.customers.models import CustomerEvent
from goodwill.rivals import actions, reports
from goodwill.rivals.models import RivalOffer

pytestmark = pytest.mark.django_db


def _offer(customer, by, **extra):
    fields = {
        "rival_store": "Round Rock Toyota",
        "make": "toyota",
        "vehicle": "2025 RAV4 XLE",
        "monthly_payment": "489",
        "term_months": 72,
        "apr": "4.9",
        "offered_on": timezone.localdate() - timedelta(days=2),
        "source": "paper",
    }
    return actions.record_offer(customer, by=by, **(fields | extra))


def test_recording_an_offer_writes_it_with_its_history_line(customer, alice):
    offer = _offer(customer, alice, source_detail="Buyer's order", notes="Includes mats")
    assert offer.make == "Toyota"  # the canonical make, whoever typed it
    assert offer.terms == "$489/mo × 72 · 4.9 % APR"
    ten = _offer(customer, alice, apr="10.00", price="36000")
    assert ten.terms == "$36,000 · $489/mo × 72 · 10 % APR" and ten.apr_text == "10"
    event = CustomerEvent.objects.filter(customer=customer, verb="rival_offer").last()
    assert event.actor == alice and event.subject == "Round Rock Toyota · Toyota 2025 RAV4 XLE"
    assert event.changes == {"rival_offer": ["", offer.terms]}


def test_a_rival_keeps_the_spelling_the_store_first_used(customer, alice):
    _offer(customer, alice)
    again = _offer(customer, alice, rival_store="  round rock   TOYOTA ", price="36500")
    assert again.rival_store == "Round Rock Toyota"
    [row] = reports.by_store_and_make(customer.dealership)
    assert row["offers"] == 2 and row["customers"] == 1


def test_bad_input_is_a_message_per_field_and_nothing_is_written(customer, alice):
    with pytest.raises(ValidationError) as caught:
        actions.record_offer(
            customer,
            by=alice,
            rival_store=" ",
            make="",
            price=None,
            monthly_payment=None,
            term_months=400,
            apr="55",
            offered_on=timezone.localdate() + timedelta(days=3),
            source="rumour",
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "rival_store", "make", "price", "term_months", "apr", "offered_on", "source",
    }  # fmt: skip
    assert not RivalOffer.objects.exists()
    assert not CustomerEvent.objects.filter(verb="rival_offer").exists()


def test_the_form_keeps_what_was_typed_and_says_what_is_wrong(client_for, customer, alice):
    client = client_for(alice)
    url = f"/rivals/customers/{customer.public_id}/new/"
    page = client.get(url)
    assert page.status_code == 200 and 'inputmode="decimal"' in page.text
    answer = client.post(
        url,
        {"rival_store": "Round Rock Toyota", "make": "Toyota", "price": "thirty grand",
         "apr": "4.9", "offered_on": "", "source": "told"},
    )  # fmt: skip
    assert answer.status_code == 422
    form = answer.context["form"]
    assert set(form.errors) == {"price", "offered_on"}
    assert 'value="Round Rock Toyota"' in answer.text and 'value="4.9"' in answer.text
    neither = client.post(
        url,
        {"rival_store": "Round Rock Toyota", "make": "Toyota", "offered_on": "2026-01-05",
         "source": "told"},
    )  # fmt: skip
    assert "Give the rival" in neither.context["form"].errors["price"][0]
    assert not RivalOffer.objects.exists()


def test_staff_record_an_offer_on_a_partner_and_see_it_on_their_page(client_for, store_a, alice):
    partner = make_customer(
        store_a, alice, first_name="Pat", last_name="Bodyshop", relationship="partner",
        phones={"mobile": "(512) 555-0191"},
    )  # fmt: skip
    client = client_for(alice)
    answer = client.post(
        f"/rivals/customers/{partner.public_id}/new/",
        {"rival_store": "Hill Country Chevrolet", "make": "chevy", "vehicle": "Silverado 2500",
         "price": "$52,400", "offered_on": timezone.localdate().isoformat(),
         "source": "partner", "source_detail": "Pat heard it at the shop"},
    )  # fmt: skip
    assert answer.status_code == 302
    assert answer["Location"] == f"/customers/{partner.public_id}/"
    offer = RivalOffer.objects.get()
    assert (offer.make, offer.price, offer.recorded_by) == ("Chevrolet", Decimal("52400"), alice)
    page = client.get(f"/customers/{partner.public_id}/")
    assert "What rivals offered" in page.text and "Hill Country Chevrolet" in page.text
    assert "$52,400" in page.text
    assert client.get(f"/rivals/offers/{offer.public_id}/").status_code == 200


def test_another_stores_customer_or_offer_is_a_404(client_for, outsider_customer, bob, alice):
    offer = _offer(outsider_customer, bob)
    client = client_for(alice)
    assert client.get(f"/rivals/customers/{outsider_customer.public_id}/new/").status_code == 404
    assert client.get(f"/rivals/offers/{offer.public_id}/").status_code == 404


def test_the_fails_queue_shows_the_rival_offer_beside_the_deal(client_for, lost_deal, alice, fiona):
    customer = lost_deal.customer
    _offer(customer, alice, rival_store="Old Offer Motors", offered_on=timezone.localdate()
           - timedelta(days=1))  # fmt: skip
    _offer(customer, alice, deal=lost_deal, offered_on=timezone.localdate() - timedelta(days=20))
    client = client_for(fiona)
    queue = client.get("/fails/")
    assert queue.status_code == 200
    # The offer made against this deal comes first, even when an older one.
    assert "Rival: <strong>Round Rock Toyota</strong>" in queue.text
    assert "$489/mo × 72 · 4.9 % APR" in queue.text
    case = lost_deal.fails_case
    page = client.get(f"/fails/{case.public_id}/")
    assert "What rivals offered" in page.text and "Old Offer Motors" in page.text
    record = f"/rivals/customers/{customer.public_id}/new/?deal={lost_deal.public_id}"
    assert record.replace("?", "?") in page.text.replace("&amp;", "&")


def test_an_offer_recorded_from_the_fails_case_goes_back_there(client_for, lost_deal, fiona):
    case = lost_deal.fails_case
    client = client_for(fiona)
    form = client.get(
        f"/rivals/customers/{lost_deal.customer.public_id}/new/?deal={lost_deal.public_id}"
    ).context["form"]
    assert form.initial["deal"] == str(lost_deal.public_id)
    answer = client.post(
        f"/rivals/customers/{lost_deal.customer.public_id}/new/",
        {"rival_store": "Round Rock Toyota", "make": "Toyota", "monthly_payment": "489",
         "offered_on": timezone.localdate().isoformat(), "source": "told",
         "deal": str(lost_deal.public_id), "next": f"/fails/{case.public_id}/"},
    )  # fmt: skip
    assert answer.status_code == 302 and answer["Location"] == f"/fails/{case.public_id}/"
    assert RivalOffer.objects.get().deal == lost_deal
    evil = client.post(
        f"/rivals/customers/{lost_deal.customer.public_id}/new/",
        {"rival_store": "X", "make": "Kia", "price": "1", "offered_on": "2026-01-02",
         "source": "told", "next": "https://evil.example/"},
    )  # fmt: skip
    assert evil["Location"] == f"/customers/{lost_deal.customer.public_id}/"


def test_the_report_lists_recent_offers_by_rival_store_and_make(client_for, store_a, customer,
                                                                alice, mike):  # fmt: skip
    other = make_customer(store_a, alice, first_name="Ann", phones={"mobile": "(512) 555-0140"})
    _offer(customer, alice)
    _offer(other, alice, monthly_payment="459", apr="3.9")
    _offer(other, alice, rival_store="Cedar Park Honda", make="Honda", monthly_payment=None,
           term_months=None, price="33900")  # fmt: skip
    _offer(customer, alice, rival_store="Long Ago Kia", make="Kia",
           offered_on=timezone.localdate() - timedelta(days=200))  # fmt: skip
    client = client_for(mike)
    page = client.get("/rivals/")
    assert page.status_code == 200
    rows = [(r["rival_store"], r["make"], r["offers"]) for r in page.context["rows"]]
    assert rows == [("Round Rock Toyota", "Toyota", 2), ("Cedar Park Honda", "Honda", 1)]
    toyota = page.context["rows"][0]
    assert toyota["low_payment"] == Decimal("459") and toyota["best_apr"] == Decimal("3.9")
    assert "Long Ago Kia" not in page.text
    assert "Long Ago Kia" in client.get("/rivals/?days=365").text
    drill = client.get("/rivals/offers/?days=90&store=Round+Rock+Toyota&make=Toyota")
    assert [o.customer for o in drill.context["offers"]] == [other, customer]


def test_the_report_downloads_as_csv_that_no_spreadsheet_runs(client_for, customer, alice, mike):
    _offer(customer, alice, rival_store='=HYPERLINK("http://x")', notes="@SUM(1)")
    client = client_for(mike)
    groups = list(csv.reader(io.StringIO(client.get("/rivals/?csv=groups").content.decode())))
    assert groups[0][:3] == ["rival store", "make", "offers"]
    assert groups[1][0] == '\'=HYPERLINK("http://x")' and groups[1][2] == "1"
    offers = client.get("/rivals/offers/?csv=offers")
    assert offers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(offers.content.decode())))
    assert rows[1][1].startswith("'=") and "'@SUM(1)" in rows[1]
    assert rows[1][5] == "489.00" and rows[1][7] == "4.90"


def test_only_managers_open_the_report(client_for, alice):
    client = client_for(alice)
    assert client.get("/rivals/").status_code == 403
    assert client.get("/rivals/offers/").status_code == 403
