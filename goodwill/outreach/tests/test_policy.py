"""The one decision: consent per channel, holds, caps, quiet hours in store time."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from goodwill.conftest import make_customer
from goodwill.customers.actions import set_consent
from goodwill.dealerships.models import StaffEvent
from goodwill.outreach import actions
from goodwill.outreach.models import Ask, AskHold
from goodwill.outreach.policy import may_ask, settings_for
from goodwill.outreach.tests.factories import daytime

pytestmark = pytest.mark.django_db


@pytest.fixture
def reachable(customer, alice):
    """The persona customer (email on file) with email and text consent."""
    for channel in ("email", "text"):
        set_consent(customer, channel, granted=True, method="web", acting_user=alice)
    return customer


def test_an_ask_needs_consent_for_its_channel(customer, alice):
    decision = may_ask(customer, "survey", "email", at=daytime())
    assert not decision and decision.code == "no_consent"
    assert "has not given consent" in decision.reason
    set_consent(customer, "email", granted=True, method="web", acting_user=alice)
    decision = may_ask(customer, "survey", "email", at=daytime())
    assert decision and decision.code == "ok"
    assert decision.basis.startswith("email consent given")
    set_consent(customer, "email", granted=False, method="phone", acting_user=alice)
    decision = may_ask(customer, "survey", "email", at=daytime())
    assert not decision and "withdrew consent" in decision.reason


def test_an_ask_needs_an_address_on_the_channel(store_a, alice):
    no_email = make_customer(store_a, alice, first_name="Nora", emails={})
    set_consent(no_email, "email", granted=True, method="web", acting_user=alice)
    decision = may_ask(no_email, "survey", "email", at=daytime())
    assert decision.code == "no_address"
    assert decision.reason == "No email address on file for Nora."
    assert may_ask(no_email, "survey", "letter", at=daytime()).code == "no_address"
    assert may_ask(no_email, "survey", "in_person", at=daytime())


def test_one_referral_invitation_per_90_days(reachable, alice):
    first = daytime()
    actions.record_ask(reachable, "referral_invite", "email", by=alice, at=first)
    later = daytime(30)
    decision = may_ask(reachable, "referral_invite", "email", at=later)
    assert decision.code == "invite_cap" and "one invitation every 90 days" in decision.reason
    assert decision.retry_at == first + timedelta(days=90)
    # Other asks are not held back by the invitation cap.
    assert may_ask(reachable, "survey", "email", at=later)
    assert may_ask(reachable, "referral_invite", "email", at=first + timedelta(days=90, hours=1))


def test_at_most_two_asks_of_any_kind_in_seven_days(reachable, alice):
    start = daytime()
    actions.record_ask(reachable, "survey", "email", at=start)
    actions.record_ask(reachable, "message", "text", by=alice, at=start + timedelta(hours=1))
    decision = may_ask(reachable, "follow_up", "text", at=start + timedelta(hours=2))
    assert decision.code == "weekly_cap"
    assert "already contacted 2 times in the last 7 days (at most 2)" in decision.reason
    assert decision.retry_at == start + timedelta(days=7)
    # A reply to the customer's own message is neither capped nor counted.
    assert may_ask(reachable, "reply", "text", at=start + timedelta(hours=2))
    assert may_ask(reachable, "follow_up", "text", at=start + timedelta(days=7, minutes=1))


def test_a_message_that_was_not_delivered_does_not_count(reachable, alice):
    start = daytime()
    bounced = actions.record_ask(reachable, "survey", "email", at=start)
    actions.set_outcome(bounced, "failed", note="Mailbox full")
    actions.record_ask(reachable, "message", "email", by=alice, at=start)
    assert may_ask(reachable, "message", "text", at=start + timedelta(hours=1))


def test_a_held_customer_gets_no_ask_but_may_still_get_a_message(reachable, mike):
    hold = actions.hold_asks(reachable, "detractor", note="Scored 3", source="survey-response:x")
    for kind in ("survey", "referral_invite", "review_request", "follow_up"):
        decision = may_ask(reachable, kind, "email", at=daytime())
        assert decision.code == "held" and "Do not ask Robert" in decision.reason, kind
    assert may_ask(reachable, "message", "email", at=daytime())
    # A second hold for the same reason is the same hold.
    assert actions.hold_asks(reachable, "detractor") == hold
    assert actions.release_asks(reachable, "detractor", by=mike, note="Scored 9 later") == 1
    assert may_ask(reachable, "survey", "email", at=daytime())
    hold.refresh_from_db()
    assert hold.ended_by == mike and hold.end_note == "Scored 9 later"
    verbs = list(reachable.events.values_list("verb", flat=True))
    assert "asks_held" in verbs and "asks_resumed" in verbs


def test_releasing_one_reason_keeps_the_other_hold(reachable):
    actions.hold_asks(reachable, "detractor")
    actions.hold_asks(reachable, "requested", note="Please stop emailing me")
    actions.release_asks(reachable, "detractor")
    decision = may_ask(reachable, "survey", "email", at=daytime())
    assert decision.code == "held" and "asked us to stop" in decision.reason
    assert AskHold.objects.filter(customer=reachable, ended_at__isnull=True).count() == 1


def test_quiet_hours_are_the_stores_own_time(reachable, store_a):
    # 9 PM to 8 AM in America/Chicago (the default store time): 03:30 UTC in July is 10:30 PM.
    late = datetime(2026, 7, 15, 3, 30, tzinfo=UTC)
    decision = may_ask(reachable, "message", "text", at=late)
    assert decision.code == "quiet_hours" and "9:00 PM to 8:00 AM" in decision.reason
    assert decision.retry_at == datetime(2026, 7, 15, 13, 0, tzinfo=UTC)  # 8:00 AM CDT
    assert may_ask(reachable, "message", "text", at=datetime(2026, 7, 15, 13, 0, tzinfo=UTC))
    # A reply answers the customer; a letter wakes nobody.
    assert may_ask(reachable, "reply", "text", at=late)
    reachable.street, reachable.postal_code = "12 Oak St", "78704"
    assert may_ask(reachable, "survey", "letter", at=late)


def test_quiet_hours_inside_one_day_and_none_at_all(reachable, mike, store_a):
    actions.update_settings(
        store_a, acting_user=mike, quiet_from=time(12, 0), quiet_until=time(13, 30)
    )
    noon = daytime(hour=12)
    decision = may_ask(reachable, "survey", "email", at=noon)
    assert decision.code == "quiet_hours"
    assert decision.retry_at == noon.replace(minute=30, hour=13)
    assert may_ask(reachable, "survey", "email", at=daytime(hour=23))
    actions.update_settings(store_a, acting_user=mike, quiet_from=time(0), quiet_until=time(0))
    assert may_ask(reachable, "survey", "email", at=noon)


def test_a_cap_that_frees_at_night_retries_in_the_morning(reachable):
    # Two asks in person at a late delivery (a showroom word wakes nobody) fill the week.
    late = daytime(hour=22)
    actions.record_ask(reachable, "survey", "in_person", at=late)
    actions.record_ask(reachable, "review_request", "in_person", at=late)
    decision = may_ask(reachable, "message", "text", at=daytime(3))
    assert decision.code == "weekly_cap"
    # The cap frees at 10 PM a week later, inside quiet hours: a text waits for 8 AM.
    assert decision.retry_at == daytime(8, hour=8)
    assert may_ask(reachable, "message", "in_person", at=daytime(3)).retry_at == late + timedelta(
        days=7
    )


def test_record_ask_refuses_with_the_reason_and_logs_nothing(customer, alice):
    with pytest.raises(actions.AskRefused) as refused:
        actions.record_ask(customer, "survey", "email", by=alice, at=daytime())
    assert refused.value.decision.code == "no_consent"
    assert "has not given consent" in refused.value.message_dict["channel"][0]
    assert not Ask.objects.exists()


def test_one_ask_per_event_key_however_often_a_job_runs(reachable):
    first = actions.record_ask(reachable, "survey", "email", at=daytime(), key="survey:deal:1")
    again = actions.record_ask(reachable, "survey", "email", at=daytime(), key="survey:deal:1")
    assert first.is_new and not again.is_new and again.pk == first.pk
    assert Ask.objects.count() == 1


def test_the_log_keeps_what_allowed_each_ask(reachable, alice):
    ask = actions.record_ask(reachable, "survey", "email", by=alice, at=daytime(), source="Sale")
    assert ask.basis.startswith("email consent given") and "web form" in ask.basis
    assert str(ask) == "Survey by email"


def test_managers_change_the_caps_and_the_change_is_in_the_staff_history(store_a, mike, alice):
    with pytest.raises(PermissionDenied):
        actions.update_settings(store_a, acting_user=alice, asks_per_week=5)
    actions.update_settings(store_a, acting_user=mike, asks_per_week=3, referral_invite_days=120)
    rules = settings_for(store_a)
    assert (rules.asks_per_week, rules.referral_invite_days) == (3, 120)
    event = StaffEvent.objects.get(verb="outreach_settings_changed")
    assert event.actor == mike and event.changes["asks_per_week"] == ["2", "3"]


def test_a_third_ask_fits_when_the_store_allows_three(reachable, mike, store_a):
    actions.update_settings(store_a, acting_user=mike, asks_per_week=3)
    start = daytime()
    actions.record_ask(reachable, "survey", "email", at=start)
    actions.record_ask(reachable, "message", "text", at=start)
    assert may_ask(reachable, "follow_up", "text", at=start)
    assert "3 of 3 this week" in may_ask(reachable, "follow_up", "text", at=start).reason
