"""A referral from a pro or a person who is not on Goodwill is logged as theirs (who sent
it, how to reach them), becomes an up credited to them, and is thanked when it is won."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from goodwill.api.testing import ApiClient, openapi
from goodwill.conftest import make_staff
from goodwill.customers.models import Consent, Customer
from goodwill.floor import actions as floor
from goodwill.floor.models import CreditLine, Up
from goodwill.network import actions as network_actions
from goodwill.outside import actions
from goodwill.referrals.models import Referral, ThankYou

pytestmark = pytest.mark.django_db


@pytest.fixture
def ben(store_a):
    return make_staff(store_a, "ben", "sales")


def test_the_page_logs_a_pros_referral_as_an_up_credited_to_the_pro(
    client_for, store_a, alice, ben, mike, kim
):
    floor.clock_in(ben)
    form = client_for(mike).get(f"/outside/new/?pro={kim.public_id}")
    assert form.status_code == 200 and "Kim Nguyen" in form.text
    response = client_for(mike).post(
        "/outside/new/",
        {
            "pro": str(kim.public_id),
            "how": "phone",
            "first_name": "Walt",
            "last_name": "Ramos",
            "phone": "512-555-0170",
            "interest": "A Maverick for his shop",
            "to_user": str(ben.public_id),
            "note": "Kim says he wants a hybrid",
            "arrived": "on",
        },
    )
    referral = Referral.objects.get(from_outside=True)
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.public_id}/"
    assert referral.referrer_pro == kim and referral.referrer_kind == "partner"
    assert referral.kind == "internal" and referral.to_user == ben and referral.earned
    assert referral.events.get(verb="sent").note == "They called: Kim says he wants a hybrid"
    up = Up.objects.get(referral=referral)
    assert up.source == "referral" and up.designated_to == ben
    assert up.customer.first_name == "Walt" and up.customer.primary_phone == "+15125550170"
    deal = floor.take_up(up, user=ben)
    floor.mark_sold(deal, acting_user=ben, vehicle="2026 Maverick", gross=Decimal("1800"))
    credit = {(x.role, x.who) for x in CreditLine.objects.filter(deal=deal)}
    assert credit == {("referrer", "Kim Nguyen (Round Rock Kia)"), ("upper", "Ben Test")}
    thanks = ThankYou.objects.get(referral=referral)
    assert thanks.thank_whom == "Kim Nguyen (Round Rock Kia)" and thanks.assigned_to == mike
    page = client_for(mike).get(f"/referrals/{referral.public_id}/").text
    assert "Kim Nguyen · Round Rock Kia (not on Goodwill), logged by Mike Test" in page
    assert "Thank-you to Kim Nguyen (Round Rock Kia)" in page
    listing = client_for(alice).get("/outside/").text
    assert "Walt Ramos" in listing and "from Kim Nguyen" in listing
    entry = client_for(alice).get(f"/network/{kim.public_id}/").text
    assert "Kim sent us" in entry and "Walt Ramos" in entry


def test_a_person_not_on_goodwill_is_added_with_how_to_reach_them_and_their_consent(store_a, alice):
    referral = actions.log_outside_referral(
        store_a,
        acting_user=alice,
        interest="A Bronco",
        sender={
            "first_name": "Gus",
            "last_name": "Body",
            "company": "Gus's Body Shop",
            "phone": "512-555-0140",
            "email": "gus@bodyshop.example",
            "relationship": "partner",
            "email_consent": True,
        },
        new_customer={"first_name": "Pia", "phone": "512-555-0141"},
        how="text",
    )
    gus = referral.referrer_customer
    assert gus.relationship == Customer.Relationship.PARTNER
    assert gus.primary_phone == "+15125550140" and gus.primary_email == "gus@bodyshop.example"
    consent = Consent.objects.get(customer=gus, channel="email")
    assert consent.granted and "may email me" in consent.wording
    assert referral.from_outside and referral.to_department == "sales"
    assert referral.referrer_kind == "partner" and not referral.ups.exists()
    # Gus again (same phone) is found, not added twice.
    again = actions.log_outside_referral(
        store_a,
        acting_user=alice,
        interest="An Escape",
        sender={"first_name": "Gus", "phone": "(512) 555-0140"},
        new_customer={"first_name": "Lou", "phone": "512-555-0142"},
    )
    assert again.referrer_customer == gus
    # The customer, when they walk in, is that referral's up (never a walk-in).
    with pytest.raises(ValidationError, match="log this up as that referral"):
        floor.log_up(store_a, acting_user=alice, source="walk_in",
                     new_customer={"first_name": "Pia", "phone": "512-555-0141"})  # fmt: skip
    up = floor.log_up(store_a, acting_user=alice, source="referral", referral=referral)
    assert up.referral == referral


def test_bad_input_is_a_message_per_field_and_nothing_is_saved(client_for, store_a, alice, kim):
    response = client_for(alice).post(
        "/outside/new/",
        {"pro": str(kim.public_id), "sender_first_name": "Gus", "how": "phone", "interest": ""},
    )
    assert response.status_code == 422
    assert "not both" in response.text and "Give the customer" in response.text
    response = client_for(alice).post(
        "/outside/new/",
        {"sender_first_name": "Gus", "how": "phone", "first_name": "Pia", "interest": "x"},
    )
    assert response.status_code == 422 and "Give a phone or an email" in response.text
    assert 'value="Gus"' in response.text  # nothing typed is lost
    assert not Referral.objects.exists() and not Customer.objects.exists()


def test_a_pro_on_goodwill_or_of_another_store_is_refused(
    client_for, store_a, alice, carol_pro, bob
):
    with pytest.raises(ValidationError):
        actions.log_outside_referral(
            store_a, acting_user=alice, interest="x", pro=carol_pro,
            new_customer={"first_name": "Pia"},
        )  # fmt: skip
    assert client_for(bob).get("/outside/").status_code == 200
    assert not Referral.objects.exists()


def test_the_api_logs_an_outside_referral_and_reads_it_back(store_a, alice, kim):
    paths = openapi()["paths"]
    for path in ("/api/v1/outside-referrals", "/api/v1/outside-referrals/{referral_id}",
                 "/api/v1/pro-links", "/api/v1/pro-invitations"):  # fmt: skip
        assert path in paths, path
    api = ApiClient(alice)
    created = api.post(
        "/outside-referrals",
        {
            "pro_id": str(kim.public_id),
            "new_customer": {"first_name": "Walt", "phone": "512-555-0170"},
            "interest": "A Ranger",
            "how": "email",
            "arrived": True,
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["sender"] == {
        "kind": "pro", "pro_id": str(kim.public_id), "customer_id": None,
        "name": "Kim Nguyen · Round Rock Kia", "phone": "+15125550150",
        "email": "kim@roundrockkia.example",
    }  # fmt: skip
    assert body["up_id"] is not None and body["note"] == "They emailed"
    assert body["logged_by"]["name"] == "Alice Test" and body["to"] == "Sales"
    read = api.get(f"/outside-referrals/{body['id']}")
    assert read.status_code == 200 and read.json() == body
    listed = api.get(f"/outside-referrals?pro_id={kim.public_id}")
    assert [r["id"] for r in listed.json()["items"]] == [body["id"]]
    refused = api.post("/outside-referrals", {"interest": "x", "new_customer": {"first_name": "A"}})
    assert refused.status_code == 422
    person = api.post(
        "/outside-referrals",
        {"sender": {"first_name": "Gus"}, "new_customer": {"first_name": "Pia"}, "interest": "x"},
    )
    assert person.status_code == 422 and "sender_phone" in str(person.json())
    assert Referral.objects.count() == 1


def test_another_stores_outside_referral_is_not_found(store_a, alice, bob, store_b):
    hank = network_actions.record_pro(
        store_b, acting_user=bob, store_name="Hill Body", first_name="Hank", makes=["Toyota"]
    )
    theirs = actions.log_outside_referral(
        store_b, acting_user=bob, interest="x", pro=hank, new_customer={"first_name": "Olivia"}
    )
    assert ApiClient(alice).get(f"/outside-referrals/{theirs.public_id}").status_code == 404
    assert ApiClient(alice).get("/outside-referrals").json()["items"] == []
