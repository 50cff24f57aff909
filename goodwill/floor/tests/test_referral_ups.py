"""Ups and the referrals app: a referral up points at its Referral, goes to its recipient,
is never re-logged as a walk-in, credits the referrer, and a sale marks the referral won.
A fails specialist refers a customer out to a competitor's pro through the same app."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer, make_staff
from goodwill.fails import actions as fails_actions
from goodwill.fails.models import FailsCase
from goodwill.floor import actions
from goodwill.floor.models import CreditLine, Up
from goodwill.floor.tests.conftest import failed_deal
from goodwill.network import actions as network
from goodwill.referrals.actions import send_referral
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_referral(store_a, store_b, alice, bob, outsider_customer):
    """Bob at the Toyota store sends Olivia to Alice at the Ford store, with consent."""
    card = network.publish_card(alice)
    pro = network.record_pro(store_b, acting_user=bob, linked_to=card)
    return send_referral(
        outsider_customer,
        acting_user=bob,
        interest="An F-150 for her landscaping business",
        pro=pro,
        direction_method="in_person",
    )


def test_a_partner_referral_becomes_an_up_for_its_recipient(store_a, on_floor, partner_referral):
    alice, ben = on_floor
    actions.pass_turn(store_a, user=alice, acting_user=alice)  # Ben is next in line
    up = actions.log_up(store_a, acting_user=ben, source="walk_in", referral=partner_referral)
    assert up.source == Up.Source.REFERRAL and up.referral == partner_referral
    assert up.designated_to == alice
    assert up.customer.dealership == store_a  # made from the shared snapshot, not bob's row
    assert up.customer.primary_phone == "+17375550177"
    partner_referral.refresh_from_db()
    assert partner_referral.status == Referral.Status.CONTACTED
    with pytest.raises(ValidationError, match="already logged"):
        actions.log_up(store_a, acting_user=ben, source="referral", referral=partner_referral)
    deal = actions.take_up(up, user=alice)
    actions.mark_sold(deal, acting_user=alice, vehicle="2026 F-150 XL", gross=Decimal("2000"))
    lines = {(x.role, x.who): x.share for x in CreditLine.objects.filter(deal=deal)}
    assert lines == {
        ("referrer", "Bob Test (Hill Country Toyota)"): Decimal("10.00"),
        ("upper", "Alice Test"): Decimal("90.00"),
    }
    partner_referral.refresh_from_db()
    assert partner_referral.status == Referral.Status.WON
    assert partner_referral.value == Decimal("2000")


def test_a_referred_customer_is_never_re_logged_as_a_walk_in(store_a, on_floor, partner_referral):
    alice, _ = on_floor
    with pytest.raises(ValidationError) as exc:
        actions.log_up(
            store_a,
            acting_user=alice,
            source="walk_in",
            new_customer={"first_name": "Olivia", "phone": "737-555-0177"},
        )
    assert "log this up as that referral" in exc.value.message_dict["referral"][0]
    assert not Up.objects.exists()


def test_an_internal_referral_credits_the_colleague_who_sent_it(store_a, on_floor):
    alice, ben = on_floor
    sam = make_staff(store_a, "sam", "advisor")
    customer = make_customer(store_a, sam, first_name="Walt", phones={"mobile": "512-555-0170"})
    referral = send_referral(customer, acting_user=sam, interest="A new Escape", to_user=ben)
    up = actions.log_up(store_a, acting_user=alice, source="referral", referral=referral)
    assert up.customer == customer and up.designated_to == ben
    deal = actions.take_up(up, user=ben)
    actions.mark_sold(deal, acting_user=ben, vehicle="2026 Escape", gross=Decimal("900"))
    roles = dict(CreditLine.objects.filter(deal=deal).values_list("role", "user__username"))
    assert roles == {"referrer": "sam", "upper": "ben"}


def test_the_board_and_api_log_a_referral_up(client_for, store_a, alice, partner_referral):
    page = client_for(alice).get("/floor/").text
    assert str(partner_referral.public_id) in page
    response = ApiClient(alice).post(
        "/ups", {"source": "referral", "referral_id": str(partner_referral.public_id)}
    )
    assert response.status_code == 201
    assert response.json()["referral_id"] == str(partner_referral.public_id)
    assert response.json()["designated_to"]["name"] == "Alice Test"


def test_fails_refers_out_to_a_competitors_pro(store_a, store_c, alice, carol, mike):
    fiona = make_staff(store_a, "fiona", "fails")
    card = network.publish_card(carol)
    pro = network.record_pro(store_a, acting_user=mike, linked_to=card)
    case = FailsCase.objects.get(deal=failed_deal(store_a, alice, reason="No vehicle in stock"))
    fails_actions.claim(case, specialist=fiona)
    with pytest.raises(ValidationError) as exc:
        fails_actions.add_step(case, "referral_out", actor=fiona, notes="x")
    assert "pro" in exc.value.message_dict
    step = fails_actions.add_step(
        case, "referral_out", actor=fiona, notes="Wants a Civic", pro=pro, interest="A Civic"
    )
    assert step.referral.pro == pro and step.referral.to_dealership == store_c
    assert step.referral.sent_by == fiona
    fails_actions.close(case, "referred", actor=fiona, reason="Sent to Carol at Lone Star Honda")
    case.refresh_from_db()
    assert case.status == "referred"
