"""Which experiences are surveyed: a sale (floor), a closed repair order (service) and a
partner referral the pro handled (referrals), each once; history recorded days later is not."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from goodwill.conftest import make_staff
from goodwill.customers.actions import add_vehicle
from goodwill.feedback.models import Survey
from goodwill.referrals import actions as referrals
from goodwill.service import actions as service

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(store_a):
    return make_staff(store_a, "sam", "advisor")


@pytest.fixture
def truck(customer, alice):
    return add_vehicle(customer, acting_user=alice, year=2019, make="Ford", model="F-150")


def test_closing_a_repair_order_schedules_one_service_survey_naming_the_advisor(
    customer, truck, sam
):
    ro = service.open_repair_order(
        customer, truck, acting_user=sam, number="8001", complaint="Brakes squeal"
    )
    assert not Survey.objects.exists()  # open: nothing yet
    service.update_repair_order(ro, acting_user=sam, status="closed")
    survey = Survey.objects.get()
    assert survey.department == "service" and survey.staff == sam
    assert survey.event_key == f"ro:{ro.public_id}" and "F-150" in survey.subject
    service.update_repair_order(ro, acting_user=sam, complaint="Brakes squeal (front)")
    assert Survey.objects.count() == 1


def test_a_repair_order_recorded_long_after_it_closed_is_not_surveyed(customer, truck, sam):
    closed = timezone.now() - timedelta(days=40)
    service.open_repair_order(
        customer,
        truck,
        acting_user=sam,
        number="8002",
        complaint="Oil change",
        opened_at=closed - timedelta(hours=3),
        closed_at=closed,
    )
    assert not Survey.objects.exists()


def test_a_partner_referral_the_pro_handled_is_surveyed_on_the_senders_side(customer, alice, kim):
    referral = referrals.send_referral(customer, acting_user=alice, pro=kim, interest="a Kia EV6")
    referrals.transition(referral, "acknowledge", acting_user=alice)
    assert not Survey.objects.exists()
    referrals.transition(referral, "win", acting_user=alice, value=Decimal("41000"))
    survey = Survey.objects.get()
    assert survey.customer == customer and survey.department == "referral"
    assert survey.staff == alice and survey.event_key == f"referral:{referral.public_id}"


def test_an_internal_referral_is_surveyed_through_its_sale_not_twice(customer, alice, mike):
    referral = referrals.send_referral(
        customer, acting_user=mike, to_user=alice, interest="a Maverick"
    )
    referrals.transition(referral, "lose", acting_user=alice, reason="Bought elsewhere")
    assert not Survey.objects.exists()
