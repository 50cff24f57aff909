"""No pressure: follow-up cadences that respect the customer.

Every contact is an ask of kind "follow-up" decided and logged by `goodwill.outreach` (the
one place asks are counted and capped): the customer's consent for the channel, the store's
weekly cap across every ask and message, never while asks are on hold (an unhappy answer,
or the customer said stop), never in quiet hours."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from goodwill.fails.models import FollowUp
from goodwill.floor.history import record
from goodwill.floor.models import FloorEvent
from goodwill.outreach import actions as outreach
from goodwill.outreach.models import Ask
from goodwill.outreach.policy import consented_channels, is_held, may_ask

# (days after the start, channel): gentle, spaced, and mixed channels.
CADENCES = {
    FollowUp.Kind.FAILS: [(1, "phone"), (3, "text"), (7, "phone"), (14, "email")],
    FollowUp.Kind.BE_BACK: [(1, "text"), (4, "phone"), (10, "email")],
}
# What the ask policy's refusals mean for a planned follow-up: blocked for good (until the
# customer says otherwise) or moved to when it may go out.
BLOCKING = {"no_consent", "no_address", "held"}


@transaction.atomic
def schedule(customer, kind, *, owner, deal=None, case=None, start=None) -> list[FollowUp]:
    """Plan the cadence. A step on a channel without consent is planned on another channel
    the customer allows, or kept as blocked (visible, never done)."""
    start = start or timezone.now()
    allowed = set() if is_held(customer) else consented_channels(customer)
    held_note = "The customer is not to be asked (see their Asks)." if is_held(customer) else ""
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
                note=""
                if status == FollowUp.Status.DUE
                else held_note or "No consent on any channel.",
            )
        )
    return FollowUp.objects.bulk_create(rows)


def check_contact(customer, channel: str, *, now=None) -> None:
    """Raise ValidationError when this contact would break consent, a hold, the weekly cap or
    the quiet hours (the ask policy's sentence says which)."""
    decision = may_ask(customer, Ask.Kind.FOLLOW_UP, channel, at=now)
    if not decision:
        raise ValidationError({"channel": [decision.reason]})


@transaction.atomic
def record_contact(follow_up: FollowUp, *, by, note: str = "", now=None, ask=None) -> Ask:
    """A person made the follow-up contact: logged as a follow-up ask. Refused if the ask
    policy says no. `ask`: the contact was already logged (a text or email sent from the
    follow-up's line), so it is linked instead of counted twice."""
    follow_up = FollowUp.objects.select_for_update().select_related("customer").get(pk=follow_up.pk)
    if follow_up.status != FollowUp.Status.DUE:
        raise ValidationError({"__all__": [f"This follow-up is {follow_up.get_status_display()}."]})
    now = now or timezone.now()
    if ask is None:
        ask = outreach.record_ask(
            follow_up.customer,
            Ask.Kind.FOLLOW_UP,
            follow_up.channel,
            by=by,
            at=now,
            source=follow_up.get_kind_display(),
            note=note,
        )
    follow_up.status, follow_up.done_at, follow_up.ask = FollowUp.Status.DONE, now, ask
    follow_up.save(update_fields=["status", "done_at", "ask"])
    record(
        follow_up.dealership_id,
        FloorEvent.Verb.CONTACTED,
        actor=by,
        deal=follow_up.deal,
        data={"channel": follow_up.channel, "kind": follow_up.kind},
        reason=note,
        at=now,
    )
    return ask


def pace_follow_ups(now=None) -> int:
    """Periodic scan (idempotent): a due follow-up the ask policy refuses for good (consent
    withdrawn, no address, asks on hold) is blocked; one a cap forbids moves to when the cap
    frees up. Quiet hours move nothing: a person makes the contact in the day. Returns rows
    changed."""
    now = now or timezone.now()
    changed = 0
    due = FollowUp.objects.filter(status=FollowUp.Status.DUE, due_at__lte=now).select_related(
        "customer", "customer__dealership"
    )
    for follow_up in due.iterator(chunk_size=500):
        decision = may_ask(follow_up.customer, Ask.Kind.FOLLOW_UP, follow_up.channel, at=now)
        if decision.code in BLOCKING:
            note = "Consent withdrawn." if decision.code == "no_consent" else decision.reason
            follow_up.status, follow_up.note = FollowUp.Status.BLOCKED, note[:300]
            _paced(follow_up, ["status", "note"], "blocked", follow_up.note, now)
            changed += 1
        elif decision.code in {"weekly_cap", "invite_cap"} and decision.retry_at:
            follow_up.due_at = decision.retry_at
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
