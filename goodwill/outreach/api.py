"""Asks in the JSON API: the store's ask log, logging an ask (refused with the reason when
the policy says no), a dry "may I ask?" check, outcomes, holds and the settings."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import (
    ClockTime,
    Error,
    In,
    Page,
    StaffRef,
    choices,
    offset_param,
    page_of,
    staff_ref,
)
from goodwill.customers.models import Customer
from goodwill.outreach import actions, policy
from goodwill.outreach.models import Ask, AskHold

router = Router(tags=["asks"])

KindName = choices(Ask.Kind)
ChannelName = choices(Ask.Channel)
OutcomeName = choices(Ask.Outcome)


class AskOut(Schema):
    id: UUID
    customer_id: UUID
    kind: KindName
    channel: ChannelName
    by: StaffRef | None = Field(description="Empty when the system sent it")
    at: datetime
    outcome: OutcomeName
    outcome_at: datetime | None
    source: str
    key: str
    basis: str = Field(description="What allowed it, e.g. the consent it went out under")
    note: str


class AskPage(Page[AskOut]):
    pass


class AskIn(In):
    customer_id: UUID
    kind: KindName
    channel: ChannelName
    source: str = Field("", max_length=120)
    key: str = Field(
        "",
        max_length=120,
        description="The event this ask is for: a second ask with the same key is not "
        "logged again (the first is returned)",
    )
    note: str = Field("", max_length=300)


class DecisionOut(Schema):
    allowed: bool
    reason: str
    code: Literal[
        "ok", "held", "no_consent", "no_address", "invite_cap", "weekly_cap", "quiet_hours"
    ]
    retry_at: datetime | None = Field(description="When a cap or the quiet hours will allow it")


class OutcomeIn(In):
    outcome: OutcomeName
    note: str = Field("", max_length=300)


class HoldOut(Schema):
    id: UUID
    customer_id: UUID
    reason: choices(AskHold.Reason)
    note: str
    started_at: datetime
    started_by: StaffRef | None
    ended_at: datetime | None


class SettingsOut(Schema):
    asks_per_week: int
    referral_invite_days: int
    quiet_from: ClockTime
    quiet_until: ClockTime
    time_zone: str


class SettingsPatch(In):
    asks_per_week: int = Field(None, ge=1, le=14)
    referral_invite_days: int = Field(None, ge=7, le=730)
    quiet_from: ClockTime = Field(None, description="HH:MM, the store's time")
    quiet_until: ClockTime = Field(None, description="HH:MM, the store's time")


def ask_out(a: Ask) -> dict:
    return {
        "id": a.public_id,
        "customer_id": a.customer.public_id,
        "kind": a.kind,
        "channel": a.channel,
        "by": staff_ref(a.by),
        "at": a.at,
        "outcome": a.outcome,
        "outcome_at": a.outcome_at,
        "source": a.source,
        "key": a.key,
        "basis": a.basis,
        "note": a.note,
    }


def _customer(request, customer_id, field="customer_id") -> Customer:
    found = Customer.objects.visible_to(request.user).filter(public_id=customer_id).first()
    if found is None:
        raise ValidationError({field: ["Not found in your store."]})
    return found


def _asks(request):
    return Ask.objects.visible_to(request.user).select_related("customer", "by")


@router.get("/asks", response=AskPage, summary="The ask log (newest first)")
def list_asks(
    request,
    customer_id: UUID | None = None,
    kind: KindName | None = None,
    channel: ChannelName | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    qs = _asks(request)
    if customer_id is not None:
        qs = qs.filter(customer__public_id=customer_id)
    if kind:
        qs = qs.filter(kind=kind)
    if channel:
        qs = qs.filter(channel=channel)
    return page_of(qs, limit=limit, offset=offset, out=ask_out)


@router.get(
    "/asks/check",
    response={200: DecisionOut, 422: Error},
    summary="May I ask? A dry check: nothing is logged",
)
def check_ask(request, customer_id: UUID, kind: KindName, channel: ChannelName):
    decision = policy.may_ask(_customer(request, customer_id), kind, channel)
    return {
        "allowed": decision.allowed,
        "reason": decision.reason,
        "code": decision.code,
        "retry_at": decision.retry_at,
    }


@router.post(
    "/asks",
    response={201: AskOut, 422: Error},
    summary="Log an ask that is going out (refused with the reason when the policy says no)",
)
def create_ask(request, payload: AskIn):
    def create():
        ask = actions.record_ask(
            _customer(request, payload.customer_id),
            payload.kind,
            payload.channel,
            by=request.user,
            key=payload.key,
            source=payload.source,
            note=payload.note,
        )
        return ask_out(ask)

    return run_idempotent(request, create, schema=AskOut)


@router.get("/asks/{uuid:ask_id}", response=AskOut)
def get_ask(request, ask_id: UUID):
    return ask_out(get_object_or_404(_asks(request), public_id=ask_id))


@router.patch("/asks/{uuid:ask_id}", response={200: AskOut, 422: Error}, summary="Set the outcome")
def set_outcome(request, ask_id: UUID, payload: OutcomeIn):
    ask = get_object_or_404(_asks(request), public_id=ask_id)
    actions.set_outcome(ask, payload.outcome, note=payload.note)
    return ask_out(get_object_or_404(_asks(request), public_id=ask_id))


def hold_out(h: AskHold) -> dict:
    return {
        "id": h.public_id,
        "customer_id": h.customer.public_id,
        "reason": h.reason,
        "note": h.note,
        "started_at": h.started_at,
        "started_by": staff_ref(h.started_by),
        "ended_at": h.ended_at,
    }


@router.get("/ask-holds", response=list[HoldOut], summary="Customers not to be asked (open holds)")
def list_holds(request, customer_id: UUID | None = None):
    qs = (
        AskHold.objects.visible_to(request.user)
        .filter(ended_at__isnull=True)
        .select_related("customer", "started_by")
    )
    if customer_id is not None:
        qs = qs.filter(customer__public_id=customer_id)
    return [hold_out(h) for h in qs[:500]]


@router.get("/ask-settings", response=SettingsOut, summary="The store's caps and quiet hours")
def get_settings(request):
    return _settings_out(policy.settings_for(request.user.dealership_id), request.user.dealership)


def _settings_out(rules, dealership) -> dict:
    return {
        **{name: getattr(rules, name) for name in actions.SETTINGS_FIELDS},
        "time_zone": policy.store_zone(dealership).key,
    }


@router.patch(
    "/ask-settings",
    response={200: SettingsOut, 403: Error, 422: Error},
    summary="Change the caps or quiet hours (managers)",
)
def update_settings(request, payload: SettingsPatch):
    try:
        rules = actions.update_settings(
            request.user.dealership,
            acting_user=request.user,
            **payload.dict(exclude_unset=True, exclude_none=True),
        )
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    return _settings_out(rules, request.user.dealership)
