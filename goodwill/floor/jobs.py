"""Background work of the floor, run by `goodwill worker`: appointment reminders and the
pacing of follow-up cadences. Both are idempotent scans, safe to run often and twice."""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from goodwill.customers.models import Consent
from goodwill.floor import ics
from goodwill.floor.history import record
from goodwill.floor.models import Appointment, FloorEvent
from goodwill.jobs.queue import enqueue
from goodwill.jobs.registry import job

log = logging.getLogger(__name__)
REMIND_AHEAD = timedelta(hours=24)


@job("floor.appointment_email", timeout=300, retries=3)
def email_reminder(job, *, appointment_id: int) -> None:
    """The customer's reminder with the invite, sent by the worker (retried if mail fails)."""
    appointment = Appointment.objects.select_related("customer", "salesperson", "dealership").get(
        pk=appointment_id, dealership=job.dealership
    )
    store = appointment.dealership
    when = timezone.localtime(appointment.starts_at, store.zone).strftime("%A %b %-d at %-I:%M %p")
    message = EmailMessage(
        subject=f"See you {when} at {store.name}",
        body=(
            f"Hello {appointment.customer.first_name or appointment.customer.display_name},\n\n"
            f"A reminder of your visit {when} with {appointment.salesperson.display_name}.\n"
            "The calendar invite is attached. If the time no longer suits you, just reply.\n\n"
            f"{store.name}"
        ),
        to=[appointment.customer.primary_email],
    )
    message.attach("invite.ics", ics.invite(appointment), "text/calendar")
    message.send()


def remind_appointments(now=None, *, batch: int = 200) -> int:
    """Appointments in the next 24 hours get one reminder: an email with the invite when the
    customer agreed to email, otherwise a note to the salesperson to call. Row locks keep
    two workers from reminding twice."""
    now = now or timezone.now()
    due = list(
        Appointment.objects.filter(
            status=Appointment.Status.SET,
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + REMIND_AHEAD,
        )
        .order_by("starts_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    reminded = 0
    for pk in due:
        with transaction.atomic():
            appointment = (
                Appointment.objects.select_for_update(skip_locked=True)
                .select_related("customer")
                .filter(pk=pk, reminder_sent_at__isnull=True)
                .first()
            )
            if appointment is None:
                continue
            customer = appointment.customer
            emailed = (
                bool(customer.primary_email)
                and Consent.objects.filter(
                    customer=customer, channel=Consent.Channel.EMAIL, granted=True
                ).exists()
            )
            appointment.reminder_sent_at = now
            appointment.save(update_fields=["reminder_sent_at"])
            record(
                appointment.dealership_id,
                FloorEvent.Verb.APPOINTMENT_REMINDED,
                actor=None,
                deal=appointment.deal,
                subject_user=appointment.salesperson,
                data={
                    "appointment": str(appointment.public_id),
                    "emailed": emailed,
                    "why": "" if emailed else "no email consent: the salesperson calls",
                },
                at=now,
            )
            if emailed:
                enqueue(
                    email_reminder,
                    dealership=appointment.dealership,
                    title="Appointment reminder",
                    appointment_id=pk,
                )
            reminded += 1
    return reminded


PERIODIC_JOBS = [(remind_appointments, 300)]
