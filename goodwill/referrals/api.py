"""Referrals in the JSON API: list/create (idempotent), read, and status transitions as
actions. The receiving store gets only the shared snapshot; `customer_id` is the sender's
own id and is given to the sender only."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
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
    choices,
    offset_param,
    page_of,
    text_param,
)
from goodwill.customers.models import Consent, Customer
from goodwill.dealerships.models import User
from goodwill.network.models import Pro
from goodwill.referrals import actions, thanks
from goodwill.referrals.models import Referral, Reward, ThankYou

router = Router(tags=["referrals"])


class ReferralIn(In):
    customer_id: UUID
    interest: str = Field(min_length=1, max_length=300)
    pro_id: UUID | None = None
    to_user_id: UUID | None = None
    to_department: str = Field("", max_length=12)
    make: str = Field("", max_length=40)
    source: choices(Referral.Source) = "unprompted"
    referrer_kind: choices(Referral.Referrer) = "staff"
    referrer_customer_id: UUID | None = None
    note: str = Field("", max_length=1000)
    direction_method: choices(Consent.Method, blank=True) = Field(
        "",
        description="Set when the customer directs, now, that their details go to the pro "
        "(recorded as their 'share' consent with the wording read to them).",
    )


class SharedOut(Schema):
    first_name: str
    last_name: str
    company: str
    phone: str
    email: str
    note: str
    full: bool


class ReferralOut(Schema):
    id: UUID
    kind: str
    status: str
    source: str
    earned: bool
    referrer_kind: str
    interest: str
    make: str
    from_store: str
    to_store: str | None
    sent_by: str
    to: str
    customer_id: UUID | None = Field(description="Only for the sending store")
    shared: SharedOut
    value: Decimal | None
    lost_reason: str
    sent_at: datetime
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    is_sender: bool
    can_work: bool


class ReferralPage(Page[ReferralOut]):
    pass


class TransitionIn(In):
    note: str = Field("", max_length=500)
    value: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    reason: str = Field("", max_length=300)
    reward_amount: Decimal | None = Field(None, gt=0, max_digits=8, decimal_places=2)


class ThankYouOut(Schema):
    id: UUID
    referral_id: UUID
    thank_whom: str
    message: str
    status: str
    assigned_to: str | None
    method: str = Field(description="How it went: goodwill (their inbox), email, letter; '' open")
    done_at: datetime | None


class ThankYouSendIn(In):
    method: choices(ThankYou.Method)
    message: str = Field("", max_length=2000, description="The note as edited; '' keeps it")


class RewardOut(Schema):
    id: UUID
    referral_id: UUID
    payee: str
    amount: Decimal
    status: str
    flagged: bool
    flag_reason: str


def referral_out(r: Referral, user) -> dict:
    is_sender = r.from_dealership_id == user.dealership_id
    return {
        "id": r.public_id,
        "kind": r.kind,
        "status": r.status,
        "source": r.source,
        "earned": r.earned,
        "referrer_kind": r.referrer_kind,
        "interest": r.interest,
        "make": r.make,
        "from_store": r.from_dealership.name,
        "to_store": r.to_dealership.name if r.to_dealership_id else None,
        "sent_by": r.sent_by.display_name,
        "to": r.to_display,
        # Never a join into the sender's Customer table for the receiving side.
        "customer_id": r.customer.public_id if is_sender else None,
        "shared": {
            "first_name": r.shared_first_name,
            "last_name": r.shared_last_name,
            "company": r.shared_company,
            "phone": r.shared_phone,
            "email": r.shared_email,
            "note": r.shared_note,
            "full": r.shared_full,
        },
        "value": r.value,
        "lost_reason": r.lost_reason,
        "sent_at": r.sent_at,
        "ack_due_at": r.ack_due_at,
        "acknowledged_at": r.acknowledged_at,
        "closed_at": r.closed_at,
        "is_sender": is_sender,
        "can_work": actions.can_work(r, user),
    }


def _visible(request):
    return Referral.objects.visible_to(request.user).read_by(request.user.dealership_id)


def _get(request, referral_id) -> Referral:
    return get_object_or_404(_visible(request), public_id=referral_id)


@router.get("/referrals", response=ReferralPage)
def list_referrals(
    request,
    box: Literal["received", "sent", "all"] = "all",
    status: str = text_param(12),
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    qs = _visible(request)
    if box == "sent":
        qs = qs.filter(from_dealership_id=request.user.dealership_id)
    elif box == "received":
        qs = qs.filter(to_dealership_id=request.user.dealership_id)
    if status:
        qs = qs.filter(status=status)
    return page_of(qs, limit=limit, offset=offset, out=lambda r: referral_out(r, request.user))


@router.post("/referrals", response={201: ReferralOut, 422: Error})
def create_referral(request, payload: ReferralIn):
    visible = Customer.objects.visible_to(request.user)

    def pick(qs, value, field):
        if value is None:
            return None
        obj = qs.filter(public_id=value).first()
        if obj is None:
            raise ValidationError({field: ["Not found in your store."]})
        return obj

    def create():
        referral = actions.send_referral(
            pick(visible, payload.customer_id, "customer_id"),
            acting_user=request.user,
            interest=payload.interest,
            pro=pick(Pro.objects.visible_to(request.user), payload.pro_id, "pro_id"),
            to_user=pick(
                User.objects.filter(dealership_id=request.user.dealership_id),
                payload.to_user_id,
                "to_user_id",
            ),
            to_department=payload.to_department,
            make=payload.make,
            source=payload.source,
            referrer_kind=payload.referrer_kind,
            referrer_customer=pick(visible, payload.referrer_customer_id, "referrer_customer_id"),
            note=payload.note,
            direction_method=payload.direction_method,
        )
        return referral_out(_get(request, referral.public_id), request.user)

    return run_idempotent(request, create, schema=ReferralOut)


@router.get("/referrals/{uuid:referral_id}", response=ReferralOut)
def get_referral(request, referral_id: UUID):
    return referral_out(_get(request, referral_id), request.user)


def _transition(action):
    path = action.replace("_", "-")

    @router.post(
        f"/referrals/{{uuid:referral_id}}/{path}",
        response={200: ReferralOut, 403: Error, 422: Error},
        operation_id=f"referral_{action}",
        summary=f"Referral: {actions.ACTION_LABELS[action].lower()}",
    )
    def endpoint(request, referral_id: UUID, payload: TransitionIn):
        referral = _get(request, referral_id)
        try:
            actions.transition(referral, action, acting_user=request.user, **payload.dict())
        except PermissionDenied as exc:
            return Status(403, {"detail": str(exc)})
        return referral_out(_get(request, referral_id), request.user)

    return endpoint


for _name in actions.TRANSITIONS:
    _transition(_name)


@router.get("/thank-yous", response=list[ThankYouOut], tags=["gratitude"])
def list_thank_yous(request, status: Literal["open", "done", "all"] = "open"):
    qs = ThankYou.objects.for_dealership(request.user.dealership_id).select_related(
        "referral", "assigned_to"
    )
    if not request.user.is_manager:  # as on the page: a salesperson's own tasks
        qs = qs.filter(assigned_to=request.user)
    if status != "all":
        qs = qs.filter(status=status)
    return [_thank_you_out(t) for t in qs[:500]]


def _thank_you_out(t) -> dict:
    return {
        "id": t.public_id,
        "referral_id": t.referral.public_id,
        "thank_whom": t.thank_whom,
        "message": t.message,
        "status": t.status,
        "assigned_to": t.assigned_to.display_name if t.assigned_to else None,
        "method": t.method,
        "done_at": t.done_at,
    }


@router.post(
    "/thank-yous/{uuid:thankyou_id}/send",
    response={200: ThankYouOut, 403: Error, 422: Error},
    tags=["gratitude"],
    summary="Send a thank-you note: in Goodwill, by email (outreach rules) or as a letter",
)
def send_thank_you(request, thankyou_id: UUID, payload: ThankYouSendIn):
    task = get_object_or_404(
        ThankYou.objects.for_dealership(request.user.dealership_id), public_id=thankyou_id
    )
    try:
        task = thanks.send_thank_you(
            task, method=payload.method, acting_user=request.user, message=payload.message
        )
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    return _thank_you_out(task)


@router.get("/rewards", response=list[RewardOut], tags=["gratitude"])
def list_rewards(request):
    qs = Reward.objects.for_dealership(request.user.dealership_id).select_related("referral")
    return [
        {
            "id": w.public_id,
            "referral_id": w.referral.public_id,
            "payee": w.payee,
            "amount": w.amount,
            "status": w.status,
            "flagged": w.flagged,
            "flag_reason": w.flag_reason,
        }
        for w in qs[:500]
    ]


class PolicyOut(Schema):
    ack_business_hours: int = Field(description="Business hours a received referral may wait")
    opens_at: ClockTime
    closes_at: ClockTime
    open_days: list[int] = Field(description="0 = Monday … 6 = Sunday")
    default_reward: Decimal


Weekday = Annotated[int, Field(ge=0, le=6)]


class PolicyPatch(In):
    ack_business_hours: int = Field(None, ge=1, le=72)
    opens_at: ClockTime = Field(None, description="HH:MM, the store's time")
    closes_at: ClockTime = Field(None, description="HH:MM, the store's time")
    open_days: list[Weekday] = Field(None, min_length=1, max_length=7)
    default_reward: Decimal = Field(None, ge=0, max_digits=8, decimal_places=2)


def _policy_out(policy) -> dict:
    return {name: getattr(policy, name) for name in actions.POLICY_FIELDS}


@router.get("/referral-settings", response=PolicyOut, summary="The store's referral settings")
def get_policy(request):
    return _policy_out(actions.policy_for(request.user.dealership_id))


@router.patch(
    "/referral-settings",
    response={200: PolicyOut, 403: Error, 422: Error},
    summary="Change the time limit, business hours or default reward (managers)",
)
def update_policy(request, payload: PolicyPatch):
    try:
        policy = actions.update_policy(
            request.user.dealership, acting_user=request.user, **payload.dict(exclude_unset=True)
        )
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    return _policy_out(policy)
