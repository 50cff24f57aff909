"""Referral partners: anyone credited with a referral becomes one, a partner who buys is a
customer and still a partner, and their page shows the people they referred, the outcomes,
the thank-yous and rewards, and when they became a customer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.customers.models import CustomerEvent
from goodwill.feedback.tests.helpers import sell
from goodwill.network import actions as network
from goodwill.partners import actions
from goodwill.partners.models import Partner
from goodwill.referrals import actions as referrals
from goodwill.referrals import thanks
from goodwill.referrals.models import ThankYou

pytestmark = pytest.mark.django_db


def _referred(referrer, customer, alice, carol_pro, carol, *, win=True, to_user=None):
    """`referrer` brought `customer`; Alice sends them to Carol's store (or to `to_user` of
    her own store, who then wins it and whose store pays the reward)."""
    referral = referrals.send_referral(
        customer,
        acting_user=alice,
        **({"to_user": to_user} if to_user else {"pro": carol_pro}),
        interest="a Honda Pilot",
        referrer_kind="partner",
        referrer_customer=referrer,
        at=timezone.now() - timedelta(days=3),
    )
    if win:
        referrals.transition(
            referral,
            "win",
            acting_user=to_user or carol,
            value=Decimal("41000"),
            reward_amount=Decimal("100"),
        )
    return referral


def test_a_body_shop_credited_with_a_referral_becomes_a_partner_then_a_customer_and_stays_one(
    store_a, shop, customer, alice, mike, carol_pro, carol, client_for
):
    referral = _referred(shop, customer, alice, carol_pro, carol, to_user=mike)
    partner = Partner.objects.get(customer=shop)
    assert (partner.kind, partner.is_active, partner.became_customer_at) == ("business", True, None)
    assert shop.events.filter(verb="partner_added").exists()
    actions.update_partner(partner, acting_user=mike, kind="body_shop")
    [task] = ThankYou.objects.filter(referral=referral, to_customer=shop)
    thanks.send_thank_you(task, method="letter", acting_user=alice, message="Thank you, team!")

    sell(shop, alice, vehicle="2026 Ford Transit")  # the shop buys a van
    shop.refresh_from_db()
    partner.refresh_from_db()
    assert shop.relationship == "customer"
    assert partner.is_active and partner.became_customer_at is not None and partner.is_customer
    assert shop.events.filter(verb=CustomerEvent.Verb.PARTNER_BOUGHT).count() == 1
    assert [e.verb for e in partner.events.order_by("at", "id")] == ["added", "updated", "bought"]

    client = client_for(alice)
    page = client.get(f"/partners/{partner.public_id}/")
    assert page.status_code == 200
    text = page.text
    assert "Eastside Collision" in text and "Body shop" in text
    assert 'id="is-customer">Customer<' in text
    assert f"Since {timezone.localtime(partner.became_customer_at):%b} " in text
    assert "Robert Kowalski" in text and "$41,000" in text and ">Won<" in text
    assert "Printed letter" in text and f"/referrals/thanks/{task.public_id}/letter/" in text
    assert "$100" in text and "Waiting for approval" in text  # the reward of the referral
    listing = client.get("/partners/?show=customers").text
    assert "Eastside Collision" in listing and "Became a customer" in listing
    # Another store's staff never see it.
    assert client_for(carol).get(f"/partners/{partner.public_id}/").status_code == 404


def test_a_partner_who_was_already_a_customer_shows_since_when(
    store_a, customer, alice, carol_pro, carol
):
    buyer = make_customer(
        store_a, alice, first_name="Greta", last_name="Buyer", phones={"mobile": "(512) 555-0111"}
    )
    sell(buyer, alice)
    _referred(buyer, customer, alice, carol_pro, carol, win=False)
    partner = Partner.objects.get(customer=buyer)
    sold_at = buyer.events.get(verb="sold").at
    assert partner.became_customer_at == sold_at and partner.is_customer


def test_a_pro_who_sends_us_a_referral_becomes_our_partner_when_we_have_their_card(
    store_a, store_c, alice, carol, carol_pro, client_for
):
    alices_card = network.publish_card(alice)
    alice_at_c = network.record_pro(store_c, acting_user=carol, linked_to=alices_card)
    walk_in = make_customer(store_c, carol, first_name="Hank", last_name="Hauler")
    referrals.send_referral(walk_in, acting_user=carol, pro=alice_at_c, interest="an F-250")
    partner = Partner.objects.get(dealership=store_a)
    assert partner.pro == carol_pro and partner.kind == "pro" and partner.customer is None
    page = client_for(alice).get(f"/partners/{partner.public_id}/").text
    assert "Carol Test" in page and "Hank" in page and "an F-250" in page
    assert "Hauler" not in page  # no share consent: the snapshot has the first name only
    assert not Partner.objects.filter(dealership=store_c).exists()


def test_partners_through_the_api_match_the_openapi_document(
    store_a, shop, customer, alice, carol_pro, carol, kim, bob
):
    _referred(shop, customer, alice, carol_pro, carol)
    api = ApiClient(alice)
    listing = api.get("/partners")
    assert listing.status_code == 200
    [row] = listing.json()["items"]
    assert (row["name"], row["referred"], row["won"], row["is_customer"]) == (
        "Eastside Collision",
        1,
        1,
        False,
    )
    detail = api.get(f"/partners/{row['id']}").json()
    assert detail["referrals"][0]["status"] == "won" and detail["customer_id"] == str(
        shop.public_id
    )
    assert len(detail["thank_yous"]) == 1 and detail["thank_yous"][0]["method"] == ""
    made = api.post("/partners", {"pro_id": str(kim.public_id), "note": "Sends us trucks"})
    assert made.status_code == 201 and made.json()["kind"] == "pro"
    again = api.post("/partners", {"pro_id": str(kim.public_id)})
    assert again.status_code == 422 and "already a partner" in str(again.json())
    assert api.post("/partners", {}).status_code == 422
    assert (
        api.post("/partners", {"customer_id": str(customer.public_id), "kind": "x"}).status_code
        == 422
    )
    changed = api.patch(f"/partners/{row['id']}", {"kind": "body_shop", "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["kind"], changed.json()["is_active"]) == ("body_shop", False)
    assert api.patch(f"/partners/{row['id']}", {"kind": None}).status_code == 422
    assert [p["name"] for p in api.get("/partners?active=false").json()["items"]] == [
        "Eastside Collision"
    ]
    assert ApiClient(bob).get(f"/partners/{row['id']}").status_code == 404


def test_the_add_form_says_what_is_missing_and_keeps_what_was_typed(alice, client_for, shop):
    client = client_for(alice)
    empty = client.post("/partners/new/", {"note": "Met at the chamber lunch"})
    assert empty.status_code == 200
    assert "Pick a customer or a pro." in empty.text and "Met at the chamber lunch" in empty.text
    made = client.post("/partners/new/", {"customer": str(shop.public_id), "kind": "body_shop"})
    partner = Partner.objects.get(customer=shop)
    assert made["Location"] == f"/partners/{partner.public_id}/"
    twice = client.post("/partners/new/", {"customer": str(shop.public_id)})
    assert "Eastside Collision is already a partner." in twice.text
