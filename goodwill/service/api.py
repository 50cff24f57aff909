"""Service resources in the JSON API: repair orders, fleets, opportunities (with their reason
text and numbers), service specials, service visits and the store's rules. Same actions and
scoped querysets as the pages; every create goes through run_idempotent."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import (
    Error,
    In,
    Moment,
    Page,
    StaffRef,
    narrowed,
    offset_param,
    page_of,
    staff_ref,
    text_param,
)
from goodwill.customers.models import Customer, Vehicle
from goodwill.dealerships.models import User
from goodwill.service import actions, fleets
from goodwill.service.models import (
    STAGE_FILTERS,
    Fleet,
    Opportunity,
    RepairOrder,
    ServiceSpecial,
    ServiceVisit,
)

router = Router(tags=["service"])
Status = Literal["open", "working", "parts", "ready", "closed"]
Stage = Literal["open", "referred", "working", "won", "lost", "dismissed"]


# --- schemas ---------------------------------------------------------------------------------


class RepairOrderIn(In):
    customer_id: UUID
    vehicle_id: UUID
    number: str = Field(max_length=20)
    complaint: str = Field(max_length=500)
    cause: str = Field("", max_length=500)
    labor: Decimal = Field(Decimal(0), ge=0, max_digits=10, decimal_places=2)
    parts: Decimal = Field(Decimal(0), ge=0, max_digits=10, decimal_places=2)
    mileage_in: int | None = Field(None, ge=0)
    pay_type: Literal["C", "W", "I"] = "C"
    status: Status = "open"
    opened_at: datetime | None = None
    promised_at: datetime | None = None
    closed_at: datetime | None = None
    advisor_id: UUID | None = None


class RepairOrderPatch(In):
    status: Status | None = None
    complaint: str | None = Field(None, max_length=500)
    cause: str | None = Field(None, max_length=500)
    labor: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    parts: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    mileage_in: int | None = Field(None, ge=0)
    promised_at: datetime | None = None
    closed_at: datetime | None = None


class RepairOrderOut(Schema):
    id: UUID
    number: str
    customer_id: UUID
    customer_name: str
    vehicle_id: UUID
    vehicle: str
    vin: str
    advisor: StaffRef | None
    advisor_name: str
    status: str
    pay_type: str
    complaint: str
    cause: str
    labor: Decimal
    parts: Decimal
    total: Decimal
    mileage_in: int | None
    opened_at: datetime
    promised_at: datetime | None
    closed_at: datetime | None
    days_down: int
    opportunity_ids: list[UUID]


class RepairOrderPage(Page[RepairOrderOut]):
    pass


class OpportunityOut(Schema):
    id: UUID
    rule: str
    rule_label: str
    stage: Stage
    reason: str = Field(description="The reason in plain words, with its numbers")
    numbers: dict = Field(description="The numbers behind the reason (per rule)")
    customer_id: UUID
    customer_name: str
    vehicle_id: UUID
    vehicle: str
    repair_order_id: UUID
    repair_order_number: str
    raised_by: StaffRef | None
    referral_id: UUID | None
    sent_to: str
    sale_value: Decimal | None
    created_at: datetime
    dismissed_at: datetime | None
    dismiss_reason: str


class OpportunityPage(Page[OpportunityOut]):
    pass


class ReferIn(In):
    note: str = Field("", max_length=300)


class DismissIn(In):
    reason: str = Field(max_length=300)


class FleetVehicleOut(Schema):
    vehicle_id: UUID
    vehicle: str
    vin: str
    mileage: int | None
    cost_per_day: int
    days_down_this_year: int
    money_lost_this_year: int
    in_shop_repair_order_id: UUID | None
    maintenance: str
    maintenance_text: str
    repair_order_ids: list[UUID]


class FleetOut(Schema):
    id: UUID
    customer_id: UUID
    name: str
    contact_name: str
    contact_phone: str
    contact_email: str
    downtime_cost_per_day: int | None
    notes: str


class FleetDetailOut(FleetOut):
    year: int
    days_down_this_year: int
    money_lost_this_year: int
    vehicles: list[FleetVehicleOut]


class FleetPage(Page[FleetOut]):
    pass


class FleetPatch(In):
    contact_name: str | None = Field(None, max_length=120)
    contact_phone: str | None = Field(None, max_length=20)
    contact_email: str | None = Field(None, max_length=254)
    downtime_cost_per_day: int | None = Field(None, ge=0)
    notes: str | None = Field(None, max_length=1000)


class SpecialIn(In):
    title: str = Field(max_length=120)
    description: str = Field("", max_length=500)
    price: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    starts_on: date
    ends_on: date | None = None
    active: bool = True


class SpecialPatch(In):
    title: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=500)
    price: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool | None = None


class SpecialOut(Schema):
    id: UUID
    title: str
    description: str
    price: Decimal | None
    starts_on: date
    ends_on: date | None
    active: bool


class VisitIn(In):
    customer_id: UUID
    scheduled_for: datetime
    vehicle_id: UUID | None = None
    reason: str = Field("", max_length=300)
    special_id: UUID | None = None


class VisitPatch(In):
    status: Literal["booked", "arrived", "done", "no_show", "cancelled"]


class VisitOut(Schema):
    id: UUID
    customer_id: UUID
    customer_name: str
    vehicle_id: UUID | None
    origin: str = Field(description="service, sales (prospecting) or first (after a sale)")
    status: str
    scheduled_for: datetime
    reason: str
    special_id: UUID | None
    booked_by: StaffRef | None
    advisor: StaffRef | None
    repair_order_ids: list[UUID]


class VisitPage(Page[VisitOut]):
    pass


class ServiceSettingsOut(Schema):
    estimate_share: int
    age_years: int
    mileage: int
    repeat_visits: int
    repeat_days: int
    downtime_cost: int
    term_ending_days: int
    refer_within_days: int
    downtime_car: int
    downtime_light: int
    downtime_heavy: int
    first_service_days: int


class ServiceSettingsPatch(In):
    estimate_share: int | None = Field(None, ge=5, le=500)
    age_years: int | None = Field(None, ge=1, le=60)
    mileage: int | None = Field(None, ge=1000)
    repeat_visits: int | None = Field(None, ge=2, le=50)
    repeat_days: int | None = Field(None, ge=7, le=730)
    downtime_cost: int | None = Field(None, ge=0)
    term_ending_days: int | None = Field(None, ge=7, le=3650)
    refer_within_days: int | None = Field(None, ge=1, le=3650)
    downtime_car: int | None = Field(None, ge=0)
    downtime_light: int | None = Field(None, ge=0)
    downtime_heavy: int | None = Field(None, ge=0)
    first_service_days: int | None = Field(None, ge=7, le=730)


# --- shaping ---------------------------------------------------------------------------------


def ro_out(ro: RepairOrder) -> dict:
    return {
        "id": ro.public_id,
        "number": ro.number,
        "customer_id": ro.customer.public_id,
        "customer_name": ro.customer.display_name,
        "vehicle_id": ro.vehicle.public_id,
        "vehicle": str(ro.vehicle),
        "vin": ro.vehicle.vin,
        "advisor": staff_ref(ro.advisor),
        "advisor_name": ro.advisor_name,
        "status": ro.status,
        "pay_type": ro.pay_type,
        "complaint": ro.complaint,
        "cause": ro.cause,
        "labor": ro.labor,
        "parts": ro.parts,
        "total": ro.total,
        "mileage_in": ro.mileage_in,
        "opened_at": ro.opened_at,
        "promised_at": ro.promised_at,
        "closed_at": ro.closed_at,
        "days_down": ro.days_down,
        "opportunity_ids": [o.public_id for o in ro.opportunities.all()],
    }


def opportunity_out(o: Opportunity) -> dict:
    referral = o.referral if o.referral_id else None
    return {
        "id": o.public_id,
        "rule": o.rule,
        "rule_label": o.get_rule_display(),
        "stage": o.stage,
        "reason": o.reason,
        "numbers": o.numbers,
        "customer_id": o.customer.public_id,
        "customer_name": o.customer.display_name,
        "vehicle_id": o.vehicle.public_id,
        "vehicle": str(o.vehicle),
        "repair_order_id": o.repair_order.public_id,
        "repair_order_number": o.repair_order.number,
        "raised_by": staff_ref(o.raised_by),
        "referral_id": referral.public_id if referral else None,
        "sent_to": referral.to_display if referral else "",
        "sale_value": referral.value if referral and referral.status == "won" else None,
        "created_at": o.created_at,
        "dismissed_at": o.dismissed_at,
        "dismiss_reason": o.dismiss_reason,
    }


def fleet_out(f: Fleet) -> dict:
    return {
        "id": f.public_id,
        "customer_id": f.customer.public_id,
        "name": f.customer.display_name,
        "contact_name": f.contact_name,
        "contact_phone": f.contact_phone,
        "contact_email": f.contact_email,
        "downtime_cost_per_day": f.downtime_cost_per_day,
        "notes": f.notes,
    }


def fleet_detail_out(f: Fleet) -> dict:
    s = fleets.summary(f)
    return fleet_out(f) | {
        "year": s["year"],
        "days_down_this_year": s["days_down"],
        "money_lost_this_year": s["money_lost"],
        "vehicles": [
            {
                "vehicle_id": r.vehicle.public_id,
                "vehicle": str(r.vehicle),
                "vin": r.vehicle.vin,
                "mileage": r.vehicle.mileage,
                "cost_per_day": r.cost_per_day,
                "days_down_this_year": r.days_down,
                "money_lost_this_year": r.money_lost,
                "in_shop_repair_order_id": r.in_shop.public_id if r.in_shop else None,
                "maintenance": r.maintenance,
                "maintenance_text": r.maintenance_text,
                "repair_order_ids": [ro.public_id for ro in r.ros],
            }
            for r in s["vehicles"]
        ],
    }


def special_out(s: ServiceSpecial) -> dict:
    return {
        "id": s.public_id,
        "title": s.title,
        "description": s.description,
        "price": s.price,
        "starts_on": s.starts_on,
        "ends_on": s.ends_on,
        "active": s.active,
    }


def visit_out(v: ServiceVisit) -> dict:
    return {
        "id": v.public_id,
        "customer_id": v.customer.public_id,
        "customer_name": v.customer.display_name,
        "vehicle_id": v.vehicle.public_id if v.vehicle_id else None,
        "origin": v.origin,
        "status": v.status,
        "scheduled_for": v.scheduled_for,
        "reason": v.reason,
        "special_id": v.special.public_id if v.special_id else None,
        "booked_by": staff_ref(v.booked_by),
        "advisor": staff_ref(v.advisor),
        "repair_order_ids": [ro.public_id for ro in v.orders.all()],
    }


# --- fetching --------------------------------------------------------------------------------


def _ros(request):
    return (
        RepairOrder.objects.visible_to(request.user)
        .select_related("customer", "vehicle", "advisor")
        .prefetch_related("opportunities")
    )


def _opportunities(request):
    return Opportunity.objects.visible_to(request.user).select_related(
        "customer", "vehicle", "repair_order", "raised_by", "referral__to_user"
    )


def _customer(request, public_id, field="customer_id") -> Customer:
    customer = Customer.objects.visible_to(request.user).filter(public_id=public_id).first()
    if customer is None:
        raise ValidationError({field: ["No such customer in your store."]})
    return customer


def _vehicle(customer, public_id, field="vehicle_id") -> Vehicle:
    vehicle = Vehicle.objects.filter(customer=customer, public_id=public_id).first()
    if vehicle is None:
        raise ValidationError({field: ["No such vehicle of this customer."]})
    return vehicle


def _service_staff(request):
    user = request.user
    if user.role not in User.SERVICE_ROLES and not user.is_manager:
        raise HttpError(403, "Only service staff and managers can do this.")


# --- repair orders ---------------------------------------------------------------------------


@router.get("/repair-orders", response=RepairOrderPage, summary="Repair orders, newest first")
def list_repair_orders(
    request,
    status: Status | None = None,
    customer_id: UUID | None = None,
    number: str | None = text_param(20, None),
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    rows = narrowed(
        _ros(request).order_by("-opened_at", "-id"),
        status=status,
        customer__public_id=customer_id,
        number=number,
    )
    return page_of(rows, limit=limit, offset=offset, out=ro_out)


@router.post(
    "/repair-orders",
    response={201: RepairOrderOut, 403: Error, 422: Error},
    summary="Open or record an RO (its rules run after it is saved)",
)
def create_repair_order(request, payload: RepairOrderIn):
    _service_staff(request)

    def create():
        customer = _customer(request, payload.customer_id)
        vehicle = _vehicle(customer, payload.vehicle_id)
        fields = payload.dict(exclude={"customer_id", "vehicle_id", "advisor_id", "opened_at"})
        fields = {k: v for k, v in fields.items() if v is not None}
        if payload.advisor_id:
            advisor = User.objects.filter(
                dealership=request.dealership, public_id=payload.advisor_id
            ).first()
            if advisor is None:
                raise ValidationError({"advisor_id": ["No such staff member in your store."]})
            fields["advisor"] = advisor
        ro = actions.open_repair_order(
            customer,
            vehicle,
            acting_user=request.user,
            opened_at=payload.opened_at,
            **fields,
        )
        return ro_out(_ros(request).get(pk=ro.pk))

    return run_idempotent(request, create, schema=RepairOrderOut)


@router.get("/repair-orders/{ro_id}", response=RepairOrderOut, summary="One RO")
def get_repair_order(request, ro_id: UUID):
    return ro_out(get_object_or_404(_ros(request), public_id=ro_id))


@router.patch(
    "/repair-orders/{ro_id}",
    response={200: RepairOrderOut, 403: Error, 422: Error},
    summary="Update an RO (status, amounts, times); its rules run again",
)
def update_repair_order(request, ro_id: UUID, payload: RepairOrderPatch):
    ro = get_object_or_404(_ros(request), public_id=ro_id)
    _service_staff(request)
    actions.update_repair_order(ro, acting_user=request.user, **payload.dict(exclude_unset=True))
    return ro_out(_ros(request).get(pk=ro.pk))


@router.post(
    "/repair-orders/{ro_id}/refer",
    response={201: OpportunityOut, 422: Error},
    summary="The advisor refers the customer to sales by hand",
)
def refer_repair_order(request, ro_id: UUID, payload: ReferIn):
    ro = get_object_or_404(_ros(request), public_id=ro_id)

    def create():
        opp = actions.refer_by_hand(ro, acting_user=request.user, note=payload.note)
        return opportunity_out(_opportunities(request).get(pk=opp.pk))

    return run_idempotent(request, create, schema=OpportunityOut)


# --- opportunities ---------------------------------------------------------------------------


@router.get("/opportunities", response=OpportunityPage, summary="Service-to-sales opportunities")
def list_opportunities(
    request,
    stage: Stage | None = None,
    rule: Literal["estimate", "age", "repeat", "downtime", "term", "manual"] | None = None,
    mine: bool = Query(False, description="Only those sent to me or raised on my ROs"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    rows = _opportunities(request).order_by("-created_at", "-id")
    if mine:
        rows = rows.for_user(request.user)
    if stage:
        rows = rows.filter(STAGE_FILTERS[stage])
    if rule:
        rows = rows.filter(rule=rule)
    return page_of(rows, limit=limit, offset=offset, out=opportunity_out)


@router.get("/opportunities/{opportunity_id}", response=OpportunityOut, summary="One opportunity")
def get_opportunity(request, opportunity_id: UUID):
    return opportunity_out(get_object_or_404(_opportunities(request), public_id=opportunity_id))


@router.post(
    "/opportunities/{opportunity_id}/refer",
    response={200: OpportunityOut, 422: Error},
    summary="Send it to sales (internal referral)",
)
def refer_opportunity(request, opportunity_id: UUID):
    opp = get_object_or_404(_opportunities(request), public_id=opportunity_id)
    actions.refer(opp, acting_user=request.user)
    return opportunity_out(_opportunities(request).get(pk=opp.pk))


@router.post(
    "/opportunities/{opportunity_id}/dismiss",
    response={200: OpportunityOut, 422: Error},
    summary="Dismiss one not sent to sales, with the reason",
)
def dismiss_opportunity(request, opportunity_id: UUID, payload: DismissIn):
    opp = get_object_or_404(_opportunities(request), public_id=opportunity_id)
    actions.dismiss(opp, acting_user=request.user, reason=payload.reason)
    return opportunity_out(_opportunities(request).get(pk=opp.pk))


# --- fleets ----------------------------------------------------------------------------------


def _fleets(request):
    return Fleet.objects.visible_to(request.user).select_related("customer")


@router.get("/fleets", response=FleetPage, summary="Fleet accounts")
def list_fleets(request, limit: int = Query(50, ge=1, le=200), offset: int = offset_param()):
    rows = _fleets(request).order_by("customer__company_name", "id")
    return page_of(rows, limit=limit, offset=offset, out=fleet_out)


@router.get(
    "/fleets/{fleet_id}",
    response=FleetDetailOut,
    summary="A fleet: vehicles, days down and money lost this year, maintenance due, in shop",
)
def get_fleet(request, fleet_id: UUID):
    return fleet_detail_out(get_object_or_404(_fleets(request), public_id=fleet_id))


@router.patch("/fleets/{fleet_id}", response={200: FleetDetailOut, 422: Error}, summary="Edit")
def update_fleet(request, fleet_id: UUID, payload: FleetPatch):
    fleet = get_object_or_404(_fleets(request), public_id=fleet_id)
    actions.update_fleet(fleet, acting_user=request.user, **payload.dict(exclude_unset=True))
    return fleet_detail_out(_fleets(request).get(pk=fleet.pk))


# --- specials --------------------------------------------------------------------------------


def _specials(request):
    return ServiceSpecial.objects.for_dealership(request.dealership)


@router.get("/service-specials", response=list[SpecialOut], summary="The store's specials")
def list_specials(request, current: bool = False):
    rows = list(_specials(request).order_by("-starts_on", "-id")[:200])
    if current:
        rows = [s for s in rows if s.is_current(timezone.localdate())]
    return [special_out(s) for s in rows]


@router.post(
    "/service-specials", response={201: SpecialOut, 403: Error, 422: Error}, summary="Add one"
)
def create_special(request, payload: SpecialIn):
    def create():
        try:
            special = actions.save_special(
                request.dealership, acting_user=request.user, **payload.dict()
            )
        except PermissionDenied as exc:
            raise HttpError(403, str(exc)) from None
        return special_out(special)

    return run_idempotent(request, create, schema=SpecialOut)


@router.patch(
    "/service-specials/{special_id}",
    response={200: SpecialOut, 403: Error, 422: Error},
    summary="Edit one",
)
def update_special(request, special_id: UUID, payload: SpecialPatch):
    special = get_object_or_404(_specials(request), public_id=special_id)
    data = payload.dict(exclude_unset=True)
    if "description" in data and data["description"] is None:
        data["description"] = ""  # no description: the column keeps an empty text
    cleared = [f for f in ("title", "starts_on", "active") if f in data and data[f] is None]
    if cleared:
        raise HttpError(422, f"{', '.join(cleared)} cannot be null.")
    try:
        special = actions.save_special(
            request.dealership, acting_user=request.user, special=special, **data
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    return special_out(special)


# --- visits ----------------------------------------------------------------------------------


def _visits(request):
    return (
        ServiceVisit.objects.visible_to(request.user)
        .select_related("customer", "vehicle", "special", "booked_by", "advisor")
        .prefetch_related("orders")
    )


@router.get("/service-visits", response=VisitPage, summary="Booked service visits")
def list_visits(
    request,
    origin: Literal["service", "sales", "first"] | None = None,
    since: Moment | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    rows = narrowed(
        _visits(request).order_by("scheduled_for", "id"), origin=origin, scheduled_for__gte=since
    )
    return page_of(rows, limit=limit, offset=offset, out=visit_out)


@router.post(
    "/service-visits",
    response={201: VisitOut, 422: Error},
    summary="Book a visit (by a salesperson: prospecting through the service drive)",
)
def create_visit(request, payload: VisitIn):
    def create():
        customer = _customer(request, payload.customer_id)
        vehicle = _vehicle(customer, payload.vehicle_id) if payload.vehicle_id else None
        special = None
        if payload.special_id:
            special = _specials(request).filter(public_id=payload.special_id).first()
            if special is None:
                raise ValidationError({"special_id": ["No such special in your store."]})
        visit = actions.book_visit(
            customer,
            acting_user=request.user,
            scheduled_for=payload.scheduled_for,
            vehicle=vehicle,
            reason=payload.reason,
            special=special,
        )
        return visit_out(_visits(request).get(pk=visit.pk))

    return run_idempotent(request, create, schema=VisitOut)


@router.patch(
    "/service-visits/{visit_id}", response={200: VisitOut, 422: Error}, summary="Set its status"
)
def update_visit(request, visit_id: UUID, payload: VisitPatch):
    visit = get_object_or_404(_visits(request), public_id=visit_id)
    actions.set_visit_status(visit, payload.status, acting_user=request.user)
    return visit_out(_visits(request).get(pk=visit.pk))


# --- settings --------------------------------------------------------------------------------


@router.get("/service-settings", response=ServiceSettingsOut, summary="The store's rule thresholds")
def get_settings(request):
    return actions.service_settings(request.dealership)


@router.patch(
    "/service-settings",
    response={200: ServiceSettingsOut, 403: Error, 422: Error},
    summary="Change thresholds (managers; kept in the staff history)",
)
def update_settings(request, payload: ServiceSettingsPatch):
    try:
        return actions.update_settings(
            request.dealership,
            acting_user=request.user,
            **{k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None},
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
