"""A day's work for alice (salesperson at store A), built through the real actions."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from goodwill.conftest import make_customer, make_staff
from goodwill.customers.actions import set_consent
from goodwill.fails import cadence
from goodwill.fails.models import FollowUp
from goodwill.floor import actions as floor_actions
from goodwill.floor.tests.conftest import ben, fiona  # noqa: F401
from goodwill.outreach import actions as outreach_actions
from goodwill.referrals import actions as referral_actions


@pytest.fixture
def advisor(store_a):
    return make_staff(store_a, "sam", "advisor")


@pytest.fixture
def day(store_a, alice, mike, ben):  # noqa: F811  (ben is the fixture imported above)
    """alice's day: an overdue referral, a due follow-up (phone consent only), a be-back up
    designated to her, a T.O. from ben, an appointment later today."""
    now = timezone.now()
    # No quiet hours: the tests run at any hour (the quiet-hours rule has its own tests).
    outreach_actions.update_settings(
        store_a, acting_user=mike, quiet_from=time(0), quiet_until=time(0)
    )
    rita = make_customer(store_a, mike, first_name="Rita", last_name="Referred")
    late = referral_actions.send_referral(
        rita, acting_user=mike, to_user=alice, interest="an F-150", at=now - timedelta(days=3)
    )
    fresh_customer = make_customer(store_a, mike, first_name="Fred", last_name="Fresh")
    fresh = referral_actions.send_referral(
        fresh_customer, acting_user=mike, to_user=alice, interest="a Bronco"
    )

    paula = make_customer(
        store_a, alice, first_name="Paula", last_name="Phone", salesperson=alice,
        phones={"mobile": "(512) 555-0199"},
    )  # fmt: skip
    set_consent(paula, "phone", granted=True, method="in_person", acting_user=alice)
    follow_up = cadence.schedule(
        paula, FollowUp.Kind.BE_BACK, owner=alice, start=now - timedelta(days=2)
    )[0]

    floor_actions.clock_in(alice)
    floor_actions.clock_in(ben)
    up = floor_actions.log_up(
        store_a,
        acting_user=mike,
        source="be_back",
        new_customer={"first_name": "Bea", "last_name": "Back"},
        designated_to=alice,
    )
    ben_up = floor_actions.log_up(
        store_a,
        acting_user=mike,
        source="phone",
        new_customer={"first_name": "Tom", "last_name": "Turned"},
        designated_to=ben,
    )
    deal = floor_actions.take_up(ben_up, user=ben)
    turnover = floor_actions.turn_over(
        deal, to_user=alice, to_role="salesperson", acting_user=ben, reason="Speaks Spanish"
    )
    # Now, to the minute: always inside the store's today.
    appointment = floor_actions.set_appointment(
        paula, salesperson=alice, acting_user=alice, starts_at=now, purpose="Test drive"
    )
    return {
        "late": late,
        "fresh": fresh,
        "follow_up": follow_up,
        "up": up,
        "turnover": turnover,
        "appointment": appointment,
        "paula": paula,
    }
