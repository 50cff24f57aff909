"""Floor resources in the JSON API: ups, the rotation (next, take, pass), appointments,
turnovers, deal outcomes and the credit ledger. Same actions and scoped querysets as the
pages; every create goes through run_idempotent."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import Error, In, StaffRef, choices, staff_ref
from goodwill.customers.models import Customer
from goodwill.dealerships.models import User
from goodwill.floor import actions, adf, ics, rotation
from goodwill.floor.models import Appointment, CreditLine, Deal, TurnOver, Up
from goodwill.floor.referral_links import received

router = Router(tags=["floor"])

Source = choices(Up.Source)


class NewCustomer(In):
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)


class UpIn(In):
    source: Source
    customer_id: UUID | None = Field(None, description="An existing customer; else `customer`")
    customer: NewCustomer | None = None
    referral_id: UUID | None = Field(
        None, description="The referral received by the store (source becomes referral)"
    )
    interest: str = Field("", max_length=200)
    notes: str = Field("", max_length=2000)


class UpOut(Schema):
    id: UUID
    source: str
    status: str
    customer_id: UUID
    customer_name: str
    interest: str
    designated_to: StaffRef | None
    referral_id: UUID | None
    goes_to: StaffRef | None = Field(None, description="Who takes it now (waiting ups only)")
    salesperson: StaffRef | None
    deal_id: UUID | None
    logged_at: datetime
    taken_at: datetime | None


class PlaceOut(Schema):
    user: StaffRef
    eligible: bool
    passed_because: str
    with_customer: str


class RotationOut(Schema):
    next: StaffRef | None
    line: list[PlaceOut]


class AssignIn(In):
    to_user_id: UUID
    reason: str = Field(max_length=300)


class PassIn(In):
    reason: str = Field("", max_length=300)


class TurnOverIn(In):
    to_user_id: UUID
    to_role: choices(TurnOver.ToRole) = "manager"
    reason: str = Field("", max_length=300)


class TurnOverOut(Schema):
    id: UUID
    from_user: StaffRef
    to_user: StaffRef
    to_role: str
    reason: str
    at: datetime
    result: str


class CreditLineOut(Schema):
    who: str
    user: StaffRef | None
    role: str
    share: Decimal
    why: str
    at: datetime


class DealOut(Schema):
    id: UUID
    up_id: UUID
    customer_id: UUID
    customer_name: str
    salesperson: StaffRef
    closer: StaffRef | None
    recovered_by: StaffRef | None
    outcome: str
    vehicle: str
    vin: str
    gross: Decimal | None
    not_sold_reason: str
    notes: str
    opened_at: datetime
    closed_at: datetime | None
    turnovers: list[TurnOverOut]
    credit: list[CreditLineOut]


class SoldIn(In):
    vehicle: str = Field(max_length=200)
    vin: str = Field("", max_length=17)
    gross: Decimal | None = Field(None, max_digits=10, decimal_places=2)
    closer_id: UUID | None = None


class NotSoldIn(In):
    reason: str = Field(max_length=100, description="One of the store's not-sold reasons")
    notes: str = Field("", max_length=2000)


class AppointmentIn(In):
    customer_id: UUID
    salesperson_id: UUID
    starts_at: datetime
    minutes: int = Field(60, ge=15, le=480)
    purpose: str = Field("", max_length=200)
    deal_id: UUID | None = None


class AppointmentOut(Schema):
    id: UUID
    customer_id: UUID
    salesperson: StaffRef
    set_by: StaffRef
    deal_id: UUID | None
    starts_at: datetime
    minutes: int
    purpose: str
    status: str


class AppointmentStatusIn(In):
    status: choices(Appointment.Status)


class LeadsOut(Schema):
    created: list[UpOut]
    skipped: list[str]


def up_out(up: Up, goes_to=None) -> dict:
    deal = getattr(up, "deal", None) if up.status != Up.Status.WAITING else None
    return {
        "id": up.public_id,
        "source": up.source,
        "status": up.status,
        "customer_id": up.customer.public_id,
        "customer_name": up.customer.display_name,
        "interest": up.interest,
        "designated_to": staff_ref(up.designated_to),
        "referral_id": up.referral.public_id if up.referral_id else None,
        "goes_to": staff_ref(goes_to),
        "salesperson": staff_ref(up.salesperson),
        "deal_id": deal.public_id if deal else None,
        "logged_at": up.logged_at,
        "taken_at": up.taken_at,
    }


def _to_out(t: TurnOver) -> dict:
    return {
        "id": t.public_id,
        "from_user": staff_ref(t.from_user),
        "to_user": staff_ref(t.to_user),
        "to_role": t.to_role,
        "reason": t.reason,
        "at": t.at,
        "result": t.result,
    }


def _credit_out(line: CreditLine) -> dict:
    return {
        "who": line.who,
        "user": staff_ref(line.user),
        "role": line.role,
        "share": line.share,
        "why": line.why,
        "at": line.at,
    }


def deal_out(deal: Deal) -> dict:
    return {
        "id": deal.public_id,
        "up_id": deal.up.public_id,
        "customer_id": deal.customer.public_id,
        "customer_name": deal.customer.display_name,
        "salesperson": staff_ref(deal.salesperson),
        "closer": staff_ref(deal.closer),
        "recovered_by": staff_ref(deal.recovered_by),
        "outcome": deal.outcome,
        "vehicle": deal.vehicle,
        "vin": deal.vin,
        "gross": deal.gross,
        "not_sold_reason": deal.not_sold_reason,
        "notes": deal.notes,
        "opened_at": deal.opened_at,
        "closed_at": deal.closed_at,
        "turnovers": [_to_out(t) for t in deal.turnovers.select_related("from_user", "to_user")],
        "credit": [_credit_out(c) for c in deal.credit_lines.select_related("user")],
    }


def appointment_out(a: Appointment) -> dict:
    return {
        "id": a.public_id,
        "customer_id": a.customer.public_id,
        "salesperson": staff_ref(a.salesperson),
        "set_by": staff_ref(a.set_by),
        "deal_id": a.deal.public_id if a.deal_id else None,
        "starts_at": a.starts_at,
        "minutes": a.minutes,
        "purpose": a.purpose,
        "status": a.status,
    }


def _staff_member(request, public_id, field) -> User:
    user = User.objects.filter(dealership=request.dealership, public_id=public_id).first()
    if user is None:
        raise ValidationError({field: ["No such staff member in your store."]})
    return user


def _ups(request):
    return Up.objects.for_dealership(request.dealership).select_related(
        "customer", "designated_to", "salesperson", "deal", "referral"
    )


def _get_up(request, up_id) -> Up:
    return get_object_or_404(_ups(request), public_id=up_id)


def _get_deal(request, deal_id) -> Deal:
    return get_object_or_404(
        Deal.objects.visible_to(request.user).select_related(
            "up", "customer", "salesperson", "closer", "recovered_by"
        ),
        public_id=deal_id,
    )


def _working_deal(request, deal_id) -> Deal:
    deal = _get_deal(request, deal_id)
    if not deal.can_be_worked_by(request.user):
        raise HttpError(403, "Only the salesperson, the T.O. or a manager can change this deal.")
    return deal


# --- ups and the rotation -------------------------------------------------------------------


@router.get("/ups", response=list[UpOut], summary="Waiting ups, with who takes each")
def list_ups(request, status: choices(Up.Status) = "waiting"):
    rows = list(_ups(request).filter(status=status).order_by("-logged_at", "-id")[:100])
    rules = actions.floor_settings(request.dealership)
    places = rotation.line(request.dealership, rules)
    if status == "waiting":
        rotation.assign_waiting(rows, places, cycle=not rules.skip_with_customer)
    return [up_out(u, getattr(u, "goes_to", None)) for u in rows]


@router.post("/ups", response={201: UpOut, 422: Error}, summary="Log an up")
def log_up(request, payload: UpIn):
    def create():
        customer = None
        if payload.customer_id:
            customer = (
                Customer.objects.visible_to(request.user)
                .filter(public_id=payload.customer_id)
                .first()
            )
            if customer is None:
                raise ValidationError({"customer_id": ["No such customer in your store."]})
        referral = None
        if payload.referral_id:
            referral = received(request.dealership).filter(public_id=payload.referral_id).first()
            if referral is None:
                raise ValidationError({"referral_id": ["No open referral sent to your store."]})
        up = actions.log_up(
            request.dealership,
            acting_user=request.user,
            source=payload.source,
            referral=referral,
            customer=customer,
            new_customer=payload.customer.dict() if payload.customer else None,
            interest=payload.interest,
            notes=payload.notes,
        )
        return up_out(_get_up(request, up.public_id))

    return run_idempotent(request, create, schema=UpOut)


@router.get("/ups/{uuid:up_id}", response=UpOut)
def get_up(request, up_id: UUID):
    return up_out(_get_up(request, up_id))


@router.post("/ups/{uuid:up_id}/take", response={200: DealOut, 422: Error}, tags=["rotation"])
def take_up(request, up_id: UUID):
    """Take the up: refused (422) unless it is yours — designated to you or your turn."""
    deal = actions.take_up(_get_up(request, up_id), user=request.user)
    return deal_out(_get_deal(request, deal.public_id))


@router.post("/ups/{uuid:up_id}/assign", response={200: DealOut, 422: Error}, tags=["rotation"])
def assign_up(request, up_id: UUID, payload: AssignIn):
    """A manager gives the up out of turn; the reason is recorded."""
    up = _get_up(request, up_id)
    to_user = _staff_member(request, payload.to_user_id, "to_user_id")
    deal = actions.assign_up(up, to_user=to_user, acting_user=request.user, reason=payload.reason)
    return deal_out(_get_deal(request, deal.public_id))


@router.get("/rotation", response=RotationOut, tags=["rotation"])
def get_rotation(request):
    places = rotation.line(request.dealership, actions.floor_settings(request.dealership))
    return {
        "next": staff_ref(rotation.next_in_line(places)),
        "line": [
            {
                "user": staff_ref(p.user),
                "eligible": p.eligible,
                "passed_because": p.passed_because,
                "with_customer": p.clock_in.with_up.customer.display_name
                if p.clock_in.with_up_id
                else "",
            }
            for p in places
        ],
    }


@router.post("/rotation/pass", response={200: RotationOut, 422: Error}, tags=["rotation"])
def pass_turn(request, payload: PassIn):
    """Skip: give up your place and go to the back of the line."""
    actions.pass_turn(
        request.dealership, user=request.user, acting_user=request.user, reason=payload.reason
    )
    return get_rotation(request)


@router.post("/rotation/clock-in", response={200: RotationOut, 422: Error}, tags=["rotation"])
def clock_in(request):
    actions.clock_in(request.user)
    return get_rotation(request)


@router.post("/rotation/clock-out", response={200: RotationOut, 422: Error}, tags=["rotation"])
def clock_out(request):
    actions.clock_out(request.user)
    return get_rotation(request)


# --- deals, turnovers, credit ---------------------------------------------------------------


@router.get("/deals", response=list[DealOut], tags=["deals"])
def list_deals(request, outcome: choices(Deal.Outcome) | None = None):
    qs = Deal.objects.visible_to(request.user).select_related(
        "up", "customer", "salesperson", "closer", "recovered_by"
    )
    if outcome:
        qs = qs.filter(outcome=outcome)
    return [deal_out(d) for d in qs.order_by("-opened_at", "-id")[:50]]


@router.get("/deals/{uuid:deal_id}", response=DealOut, tags=["deals"])
def get_deal(request, deal_id: UUID):
    return deal_out(_get_deal(request, deal_id))


@router.post(
    "/deals/{uuid:deal_id}/turnovers",
    response={201: TurnOverOut, 403: Error, 422: Error},
    tags=["deals"],
)
def turn_over(request, deal_id: UUID, payload: TurnOverIn):
    deal = _working_deal(request, deal_id)

    def create():
        to = actions.turn_over(
            deal,
            to_user=_staff_member(request, payload.to_user_id, "to_user_id"),
            to_role=payload.to_role,
            acting_user=request.user,
            reason=payload.reason,
        )
        return _to_out(to)

    return run_idempotent(request, create, schema=TurnOverOut)


@router.post(
    "/deals/{uuid:deal_id}/sold", response={200: DealOut, 403: Error, 422: Error}, tags=["deals"]
)
def mark_sold(request, deal_id: UUID, payload: SoldIn):
    deal = _working_deal(request, deal_id)
    closer = _staff_member(request, payload.closer_id, "closer_id") if payload.closer_id else None
    actions.mark_sold(
        deal,
        acting_user=request.user,
        vehicle=payload.vehicle,
        vin=payload.vin,
        gross=payload.gross,
        closer=closer,
    )
    return deal_out(_get_deal(request, deal_id))


@router.post(
    "/deals/{uuid:deal_id}/not-sold",
    response={200: DealOut, 403: Error, 422: Error},
    tags=["deals"],
)
def mark_not_sold(request, deal_id: UUID, payload: NotSoldIn):
    """Not sold: the deal enters the fails queue."""
    deal = _working_deal(request, deal_id)
    actions.mark_not_sold(
        deal, acting_user=request.user, reason=payload.reason, notes=payload.notes
    )
    return deal_out(_get_deal(request, deal_id))


@router.get("/credit", response=list[CreditLineOut], tags=["deals"])
def credit_ledger(request, user_id: UUID | None = None, limit: int = Query(100, ge=1, le=500)):
    """The attribution ledger of the store, newest first; `user_id` narrows to one person."""
    qs = CreditLine.objects.for_dealership(request.dealership).filter(
        deal__in=Deal.objects.visible_to(request.user)
    )
    if user_id:
        qs = qs.filter(user__public_id=user_id)
    return [_credit_out(c) for c in qs.select_related("user").order_by("-at", "-id")[:limit]]


# --- appointments ---------------------------------------------------------------------------


def _get_appointment(request, appointment_id) -> Appointment:
    return get_object_or_404(
        Appointment.objects.for_dealership(request.dealership)
        .filter(customer__in=Customer.objects.visible_to(request.user))
        .select_related("customer", "salesperson", "set_by", "deal", "dealership"),
        public_id=appointment_id,
    )


@router.post("/appointments", response={201: AppointmentOut, 422: Error}, tags=["appointments"])
def create_appointment(request, payload: AppointmentIn):
    def create():
        customer = (
            Customer.objects.visible_to(request.user).filter(public_id=payload.customer_id).first()
        )
        if customer is None:
            raise ValidationError({"customer_id": ["No such customer in your store."]})
        deal = None
        if payload.deal_id:
            deal = Deal.objects.visible_to(request.user).filter(public_id=payload.deal_id).first()
            if deal is None or deal.customer_id != customer.pk:
                raise ValidationError({"deal_id": ["No such deal for this customer."]})
        appointment = actions.set_appointment(
            customer,
            salesperson=_staff_member(request, payload.salesperson_id, "salesperson_id"),
            acting_user=request.user,
            starts_at=payload.starts_at,
            minutes=payload.minutes,
            purpose=payload.purpose,
            deal=deal,
        )
        return appointment_out(appointment)

    return run_idempotent(request, create, schema=AppointmentOut)


@router.get("/appointments", response=list[AppointmentOut], tags=["appointments"])
def list_appointments(request):
    qs = (
        Appointment.objects.for_dealership(request.dealership)
        .filter(
            customer__in=Customer.objects.visible_to(request.user),
            starts_at__gte=timezone.now() - timezone.timedelta(hours=12),
        )
        .select_related("customer", "salesperson", "set_by", "deal")
        .order_by("starts_at", "id")[:100]
    )
    return [appointment_out(a) for a in qs]


@router.get("/appointments/{uuid:appointment_id}", response=AppointmentOut, tags=["appointments"])
def get_appointment(request, appointment_id: UUID):
    return appointment_out(_get_appointment(request, appointment_id))


@router.patch(
    "/appointments/{uuid:appointment_id}",
    response={200: AppointmentOut, 422: Error},
    tags=["appointments"],
)
def update_appointment(request, appointment_id: UUID, payload: AppointmentStatusIn):
    appointment = _get_appointment(request, appointment_id)
    actions.set_appointment_status(appointment, payload.status, acting_user=request.user)
    return appointment_out(_get_appointment(request, appointment_id))


@router.get(
    "/appointments/{uuid:appointment_id}/invite.ics",
    tags=["appointments"],
    openapi_extra={
        "responses": {
            200: {
                "description": "An iCalendar file",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def appointment_invite(request, appointment_id: UUID):
    """The customer's iCalendar invite (text/calendar)."""
    appointment = _get_appointment(request, appointment_id)
    return HttpResponse(ics.invite(appointment), content_type="text/calendar; charset=utf-8")


# --- ADF/XML internet leads -----------------------------------------------------------------


class AdfIn(In):
    xml: str = Field(max_length=adf.MAX_BYTES, description="An ADF/XML 1.0 document")


@router.post("/leads/adf", response={201: LeadsOut, 422: Error}, tags=["ups"])
def import_adf(request, payload: AdfIn):
    """Send an ADF/XML lead document: each prospect becomes an internet up. A lead id
    already logged is skipped, so re-sending the same document creates nothing."""

    def create():
        with transaction.atomic():
            result = adf.import_leads(
                request.dealership, payload.xml.encode(), acting_user=request.user
            )
        return {
            "created": [up_out(_get_up(request, up.public_id)) for up in result.created],
            "skipped": result.skipped,
        }

    return run_idempotent(request, create, schema=LeadsOut)
