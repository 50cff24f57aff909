"""Writes of the ask log: `record_ask` (the one way an ask is logged), outcomes, holds, and
the store's settings. Each is one transaction; settings changes go to the staff history."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.audit import actions as audit
from goodwill.customers.actions import record_event
from goodwill.customers.models import Customer, CustomerEvent
from goodwill.dealerships.models import StaffEvent
from goodwill.outreach.models import Ask, AskHold, OutreachSettings
from goodwill.outreach.policy import Decision, may_ask, settings_for


class AskRefused(ValidationError):
    """`record_ask` refused: `decision` says why (and `retry_at` when it could go out)."""

    def __init__(self, decision: Decision):
        super().__init__({"channel": [decision.reason]}, code=decision.code)
        self.decision = decision


def _lock(customer) -> Customer:
    # The customer row is the ask lock: two senders for one customer are served one after
    # the other, so neither can slip past a cap the other is about to fill.
    return Customer.objects.select_for_update().get(pk=customer.pk)


@transaction.atomic
def record_ask(
    customer,
    kind: str,
    channel: str,
    *,
    by=None,
    at: datetime | None = None,
    key: str = "",
    source: str = "",
    note: str = "",
    outcome: str = Ask.Outcome.SENT,
) -> Ask:
    """Log an ask that is going out now, after deciding again under the customer's lock.

    Raises `AskRefused` (a ValidationError on `channel`) when `may_ask` says no. With a
    `key` (the event it is for, e.g. "survey:deal:<uuid>") an ask already logged for that key
    is returned instead and nothing new is written: `ask.is_new` tells the caller whether
    to send. Call it inside the sender's transaction and send `on_commit`."""
    at = at or timezone.now()
    customer = _lock(customer)
    if key:
        existing = Ask.objects.filter(dealership_id=customer.dealership_id, key=key).first()
        if existing is not None:
            existing.is_new = False
            return existing
    decision = may_ask(customer, kind, channel, at=at)
    if not decision:
        raise AskRefused(decision)
    try:
        with transaction.atomic():
            ask = Ask.objects.create(
                dealership_id=customer.dealership_id,
                customer=customer,
                kind=kind,
                channel=channel,
                by=by,
                at=at,
                outcome=outcome,
                outcome_at=at if outcome != Ask.Outcome.SENT else None,
                key=key,
                source=source[:120],
                basis=decision.basis[:200],
                note=note[:300],
            )
    except IntegrityError:
        # Another process logged this key between our read and our insert.
        ask = Ask.objects.get(dealership_id=customer.dealership_id, key=key)
        ask.is_new = False
        return ask
    ask.is_new = True
    return ask


@transaction.atomic
def set_outcome(ask: Ask, outcome: str, *, note: str = "", at: datetime | None = None) -> Ask:
    """What came of an ask (answered, declined, no answer, not delivered)."""
    ask = Ask.objects.select_for_update().get(pk=ask.pk)
    ask.outcome = Ask.Outcome(outcome)
    ask.outcome_at = at or timezone.now()
    fields = ["outcome", "outcome_at"]
    if note:
        ask.note = note[:300]
        fields.append("note")
    ask.save(update_fields=fields)
    return ask


def _timeline(customer, verb, *, actor, subject, reason="") -> None:
    record_event(customer, verb, actor=actor, subject=subject, reason=reason[:300])


@transaction.atomic
def hold_asks(customer, reason: str, *, by=None, note: str = "", source: str = "") -> AskHold:
    """Leave the customer out of every ask until the hold ends. One open hold per reason: a
    second call returns the open one. The customer's timeline says so."""
    customer = _lock(customer)
    reason = AskHold.Reason(reason)
    hold = AskHold.objects.filter(customer=customer, reason=reason, ended_at__isnull=True).first()
    if hold is not None:
        return hold
    hold = AskHold.objects.create(
        dealership_id=customer.dealership_id,
        customer=customer,
        reason=reason,
        note=note[:300],
        source=source[:120],
        started_at=timezone.now(),
        started_by=by,
    )
    _timeline(customer, CustomerEvent.Verb.ASKS_HELD, actor=by, subject=reason.label, reason=note)
    return hold


@transaction.atomic
def end_hold(hold: AskHold, *, by=None, note: str = "") -> AskHold:
    hold = AskHold.objects.select_for_update().select_related("customer").get(pk=hold.pk)
    if hold.ended_at is None:
        hold.ended_at, hold.ended_by, hold.end_note = timezone.now(), by, note[:300]
        hold.save(update_fields=["ended_at", "ended_by", "end_note"])
        verb, reason = CustomerEvent.Verb.ASKS_RESUMED, hold.get_reason_display()
        _timeline(hold.customer, verb, actor=by, subject=reason, reason=note)
    return hold


def release_asks(customer, reason: str | None = None, *, by=None, note: str = "") -> int:
    """End the customer's open holds (of one reason, or all): a later happy answer ends the
    detractor hold. Returns how many ended."""
    holds = AskHold.objects.filter(customer=customer, ended_at__isnull=True)
    if reason is not None:
        holds = holds.filter(reason=AskHold.Reason(reason))
    ended = 0
    with transaction.atomic():
        _lock(customer)
        for hold in holds:
            end_hold(hold, by=by, note=note)
            ended += 1
    return ended


SETTINGS_FIELDS = ("asks_per_week", "referral_invite_days", "quiet_from", "quiet_until")


@transaction.atomic
def update_settings(dealership, *, acting_user, **values) -> OutreachSettings:
    """A manager changes the store's caps or quiet hours; the change (old → new) is in the
    staff history."""
    if not acting_user.is_manager or acting_user.dealership_id != getattr(
        dealership, "pk", dealership
    ):
        raise PermissionDenied(
            "Only a manager of the store can change how often customers are asked."
        )
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown outreach settings: {sorted(unknown)}")
    settings_for(dealership)
    rules = OutreachSettings.objects.select_for_update().get(
        dealership_id=getattr(dealership, "pk", dealership)
    )
    changes = {}
    for name, value in values.items():
        old = getattr(rules, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(rules, name, value)
    if changes:
        rules.full_clean(exclude=["dealership"])
        rules.save(update_fields=list(changes))
        StaffEvent.objects.create(
            dealership_id=rules.dealership_id,
            user=acting_user,
            actor=acting_user,
            verb="outreach_settings_changed",
            changes=changes,
        )
        audit.record(acting_user, audit.Verb.SETTINGS_CHANGED, settings="outreach", changes=changes)
    return rules
