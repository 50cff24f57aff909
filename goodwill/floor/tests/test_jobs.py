from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from goodwill.customers.actions import set_consent
from goodwill.fails.cadence import pace_follow_ups
from goodwill.floor import actions, jobs
from goodwill.floor.models import FloorEvent
from goodwill.jobs.registry import periodic_jobs

pytestmark = pytest.mark.django_db


def test_reminders_email_the_invite_once_and_only_with_consent(
    store_a, alice, customer, django_capture_on_commit_callbacks
):
    soon = actions.set_appointment(
        customer,
        salesperson=alice,
        acting_user=alice,
        starts_at=timezone.now() + timedelta(hours=3),
    )
    later = actions.set_appointment(
        customer, salesperson=alice, acting_user=alice, starts_at=timezone.now() + timedelta(days=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_appointments() == 1
    assert mail.outbox == []  # no email consent: the salesperson calls instead
    event = FloorEvent.objects.get(verb="appointment_reminded")
    assert event.data["emailed"] is False and event.subject_user == alice
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminder_sent_at and later.reminder_sent_at is None
    assert jobs.remind_appointments() == 0  # idempotent

    set_consent(customer, "email", granted=True, method="web", acting_user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_appointments(now=timezone.now() + timedelta(days=2, hours=12)) == 1
    [message] = mail.outbox
    assert message.to == ["bob.k@example.com"]
    assert message.attachments[0][0] == "invite.ics"
    assert "BEGIN:VCALENDAR" in message.attachments[0][1]


def test_the_worker_finds_the_floor_and_fails_jobs():
    found = {p.name: (p.func, p.every) for p in periodic_jobs()}
    assert found["floor.remind_appointments"] == (jobs.remind_appointments, 300)
    assert found["fails.pace_follow_ups"] == (pace_follow_ups, 900)
