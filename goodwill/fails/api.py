"""The fails queue in the JSON API: list, claim, steps, close, and follow-up contacts."""

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import Error, In, StaffRef, choices, staff_ref
from goodwill.fails import actions, cadence
from goodwill.fails.models import FailsCase, FailsStep, FollowUp
from goodwill.network.models import Pro

router = Router(tags=["fails"])

StepKind = choices(FailsStep.Kind)


class StepOut(Schema):
    kind: str
    actor: StaffRef
    at: datetime
    notes: str
    appointment_id: UUID | None
    referral_id: UUID | None


class CaseOut(Schema):
    id: UUID
    deal_id: UUID
    customer_id: UUID
    customer_name: str
    reason: str
    notes: str
    salesperson: StaffRef
    status: str
    entered_at: datetime
    claimed_by: StaffRef | None
    claimed_at: datetime | None
    closed_at: datetime | None
    close_reason: str


class CaseDetailOut(CaseOut):
    steps: list[StepOut]


class StepIn(In):
    kind: StepKind
    notes: str = Field("", max_length=2000)
    appointment_at: datetime | None = Field(None, description="For a be-back appointment")
    pro_id: UUID | None = Field(None, description="For a referral to a competitor's pro")
    interest: str = Field("", max_length=300, description="For a referral: what they want")


class CloseIn(In):
    status: choices(FailsCase.Status, exclude=FailsCase.OPEN_STATUSES)
    reason: str = Field("", max_length=300)
    vehicle: str = Field("", max_length=200, description="For a recovered (sold) deal")
    vin: str = Field("", max_length=17)
    gross: Decimal | None = Field(None, max_digits=10, decimal_places=2)


class FollowUpOut(Schema):
    id: UUID
    customer_id: UUID
    kind: str
    channel: str
    due_at: datetime
    status: str
    note: str


class ContactIn(In):
    note: str = Field("", max_length=300)


def case_out(case: FailsCase, *, steps=False) -> dict:
    out = {
        "id": case.public_id,
        "deal_id": case.deal.public_id,
        "customer_id": case.customer.public_id,
        "customer_name": case.customer.display_name,
        "reason": case.reason,
        "notes": case.notes,
        "salesperson": staff_ref(case.salesperson),
        "status": case.status,
        "entered_at": case.entered_at,
        "claimed_by": staff_ref(case.claimed_by),
        "claimed_at": case.claimed_at,
        "closed_at": case.closed_at,
        "close_reason": case.close_reason,
    }
    if steps:
        out["steps"] = [
            {
                "kind": s.kind,
                "actor": staff_ref(s.actor),
                "at": s.at,
                "notes": s.notes,
                "appointment_id": s.appointment.public_id if s.appointment_id else None,
                "referral_id": s.referral.public_id if s.referral_id else None,
            }
            for s in case.steps.select_related("actor", "appointment", "referral")
        ]
    return out


def _cases(request):
    return FailsCase.objects.visible_to(request.user).select_related(
        "deal", "customer", "salesperson", "claimed_by"
    )


def _get_case(request, case_id) -> FailsCase:
    return get_object_or_404(_cases(request), public_id=case_id)


def _worker(request):
    if request.user.role not in actions.CAN_WORK_FAILS:
        raise HttpError(403, "Only a fails specialist or a manager can do this.")


@router.get("/fails", response=list[CaseOut], summary="The fails queue, oldest first")
def fails_queue(
    request,
    show: Literal["waiting", "mine", "open", "closed"] = "open",
    limit: int = Query(50, ge=1, le=200),
):
    qs = _cases(request)
    if show == "waiting":
        qs = qs.filter(status=FailsCase.Status.OPEN)
    elif show == "mine":
        qs = qs.filter(claimed_by=request.user, status__in=FailsCase.OPEN_STATUSES)
    elif show == "open":
        qs = qs.filter(status__in=FailsCase.OPEN_STATUSES)
    else:
        qs = qs.exclude(status__in=FailsCase.OPEN_STATUSES)
    return [case_out(c) for c in qs.order_by("entered_at", "id")[: max(1, min(limit, 200))]]


@router.get("/fails/{uuid:case_id}", response=CaseDetailOut)
def get_case(request, case_id: UUID):
    return case_out(_get_case(request, case_id), steps=True)


@router.post("/fails/{uuid:case_id}/claim", response={200: CaseOut, 403: Error, 422: Error})
def claim_case(request, case_id: UUID):
    """Only one specialist can hold a case; a second claim is a 422 naming who has it."""
    case = _get_case(request, case_id)
    _worker(request)
    actions.claim(case, specialist=request.user)
    return case_out(_get_case(request, case_id))


@router.post("/fails/{uuid:case_id}/steps", response={201: StepOut, 403: Error, 422: Error})
def add_step(request, case_id: UUID, payload: StepIn):
    case = _get_case(request, case_id)
    _worker(request)

    def create():
        fields = payload.dict(exclude={"pro_id"})
        if payload.pro_id:
            fields["pro"] = (
                Pro.objects.for_dealership(request.dealership)
                .filter(public_id=payload.pro_id)
                .first()
            )
            if fields["pro"] is None:
                raise ValidationError({"pro_id": ["No such pro in your network."]})
        step: FailsStep = actions.add_step(case, actor=request.user, **fields)
        return {
            "kind": step.kind,
            "actor": staff_ref(step.actor),
            "at": step.at,
            "notes": step.notes,
            "appointment_id": step.appointment.public_id if step.appointment_id else None,
            "referral_id": step.referral.public_id if step.referral_id else None,
        }

    return run_idempotent(request, create, schema=StepOut)


@router.post("/fails/{uuid:case_id}/close", response={200: CaseOut, 403: Error, 422: Error})
def close_case(request, case_id: UUID, payload: CloseIn):
    case = _get_case(request, case_id)
    _worker(request)
    actions.close(case, actor=request.user, **payload.dict())
    return case_out(_get_case(request, case_id))


@router.get("/follow-ups", response=list[FollowUpOut], tags=["follow-ups"])
def my_follow_ups(request):
    qs = FollowUp.objects.for_dealership(request.dealership).filter(
        owner=request.user, status=FollowUp.Status.DUE
    )
    return [_follow_up_out(f) for f in qs.select_related("customer").order_by("due_at", "id")[:100]]


def _follow_up_out(f: FollowUp) -> dict:
    return {
        "id": f.public_id,
        "customer_id": f.customer.public_id,
        "kind": f.kind,
        "channel": f.channel,
        "due_at": f.due_at,
        "status": f.status,
        "note": f.note,
    }


@router.post(
    "/follow-ups/{uuid:follow_up_id}/contact",
    response={200: FollowUpOut, 403: Error, 422: Error},
    tags=["follow-ups"],
)
def record_contact(request, follow_up_id: UUID, payload: ContactIn):
    """Record that the contact was made. Refused (422) without the customer's consent for
    the channel or past the store's weekly contact cap."""
    follow_up = get_object_or_404(
        FollowUp.objects.for_dealership(request.dealership).select_related("customer"),
        public_id=follow_up_id,
    )
    if follow_up.owner_id != request.user.pk and not request.user.is_manager:
        raise HttpError(403, "This follow-up belongs to someone else.")
    cadence.record_contact(follow_up, by=request.user, note=payload.note)
    follow_up.refresh_from_db()
    return _follow_up_out(follow_up)
