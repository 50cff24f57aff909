"""No pressure: follow-up cadences that respect the customer.

A contact needs the customer's consent for its channel (an opted-out customer is never
contacted) and at most `FloorSettings.contacts_per_week` contacts in any 7 days."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from goodwill.customers.models import Consent
from goodwill.fails.models import Contact, FollowUp
from goodwill.floor.history import record
from goodwill.floor.models import FloorEvent, FloorSettings

# (days after the start, channel): gentle, spaced, and mixed channels.
CADENCES = {
    FollowUp.Kind.FAILS: [(1, "phone"), (3, "text"), (7, "phone"), (14, "email")],
    FollowUp.Kind.BE_BACK: [(1, "text"), (4, "phone"), (10, "email")],
}
WEEK = timedelta(days=7)


def consented_channels(customer) -> set[str]:
    return set(
        Consent.objects.filter(customer=customer, granted=True).values_list("channel", flat=True)
    )


def contacts_this_week(customer, *, now=None) -> list:
    now = now or timezone.now()
    return list(
        Contact.objects.for_dealership(customer.dealership_id)
        .filter(customer=customer, at__gt=now - WEEK)
        .order_by("at")
        .values_list("at", flat=True)
    )


def _cap(dealership_id) -> int:
    rules = FloorSettings.objects.filter(dealership_id=dealership_id).first()
    return (
        rules.contacts_per_week
        if rules
        else FloorSettings._meta.get_field("contacts_per_week").default
    )


@transaction.atomic
def schedule(customer, kind, *, owner, deal=None, case=None, start=None) -> list[FollowUp]:
    """Plan the cadence. A step on a channel without consent is planned on another channel
    the customer allows, or kept as blocked (visible, never done)."""
    start = start or timezone.now()
    allowed = consented_channels(customer)
    rows = []
    for days, channel in CADENCES[kind]:
        status = FollowUp.Status.DUE
        if channel not in allowed:
            fallback = next((c for c in ("phone", "text", "email") if c in allowed), None)
            channel, status = (fallback, status) if fallback else (channel, "blocked")
        rows.append(
            FollowUp(
                dealership_id=customer.dealership_id,
                customer=customer,
                kind=kind,
                channel=channel,
                owner=owner,
                deal=deal,
                case=case,
                due_at=start + timedelta(days=days),
                status=status,
                note="" if status == FollowUp.Status.DUE else "No consent on any channel.",
            )
        )
    return FollowUp.objects.bulk_create(rows)


def check_contact(customer, channel: str, *, now=None) -> None:
    """Raise ValidationError when this contact would break consent or the weekly cap."""
    if channel not in consented_channels(customer):
        raise ValidationError(
            {"channel": [f"{customer} has not agreed to be contacted by {channel}."]}
        )
    cap = _cap(customer.dealership_id)
    recent = contacts_this_week(customer, now=now)
    if len(recent) >= cap:
        free = timezone.localtime(recent[0] + WEEK).strftime("%b %-d %-I:%M %p")
        raise ValidationError(
            {"channel": [f"Already contacted {cap} times this week; next contact after {free}."]}
        )


@transaction.atomic
def record_contact(follow_up: FollowUp, *, by, note: str = "", now=None) -> Contact:
    """A person made the follow-up contact. Refused if it breaks consent or the cap."""
    follow_up = FollowUp.objects.select_for_update().select_related("customer").get(pk=follow_up.pk)
    if follow_up.status != FollowUp.Status.DUE:
        raise ValidationError({"__all__": [f"This follow-up is {follow_up.get_status_display()}."]})
    now = now or timezone.now()
    check_contact(follow_up.customer, follow_up.channel, now=now)
    contact = Contact.objects.create(
        dealership_id=follow_up.dealership_id,
        customer=follow_up.customer,
        channel=follow_up.channel,
        by=by,
        at=now,
        follow_up=follow_up,
        note=note,
    )
    follow_up.status, follow_up.done_at = FollowUp.Status.DONE, now
    follow_up.save(update_fields=["status", "done_at"])
    record(
        follow_up.dealership_id,
        FloorEvent.Verb.CONTACTED,
        actor=by,
        deal=follow_up.deal,
        data={"channel": follow_up.channel, "kind": follow_up.kind},
        reason=note,
        at=now,
    )
    return contact


def pace_follow_ups(now=None) -> int:
    """Periodic scan (idempotent): a due follow-up whose channel lost its consent is blocked;
    one the weekly cap forbids moves to when the cap frees up. Returns rows changed."""
    now = now or timezone.now()
    changed = 0
    due = FollowUp.objects.filter(status=FollowUp.Status.DUE, due_at__lte=now).select_related(
        "customer"
    )
    for follow_up in due.iterator(chunk_size=500):
        customer = follow_up.customer
        if follow_up.channel not in consented_channels(customer):
            follow_up.status, follow_up.note = FollowUp.Status.BLOCKED, "Consent withdrawn."
            _paced(follow_up, ["status", "note"], "blocked", follow_up.note, now)
            changed += 1
            continue
        recent = contacts_this_week(customer, now=now)
        if len(recent) >= _cap(customer.dealership_id):
            follow_up.due_at = recent[0] + WEEK
            _paced(follow_up, ["due_at"], "moved", "Weekly contact cap reached.", now)
            changed += 1
    return changed


@transaction.atomic
def _paced(follow_up: FollowUp, fields: list[str], what: str, reason: str, now) -> None:
    """The job's change and its event (actor: nobody, the system) in one transaction."""
    follow_up.save(update_fields=fields)
    record(
        follow_up.dealership_id,
        FloorEvent.Verb.FOLLOW_UP_PACED,
        actor=None,
        deal=follow_up.deal,
        data={
            "follow_up": str(follow_up.public_id),
            "what": what,
            "channel": follow_up.channel,
            "due_at": follow_up.due_at.isoformat(),
        },
        reason=reason,
        at=now,
    )
