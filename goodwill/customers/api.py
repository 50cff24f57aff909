"""Customers and vehicles in the JSON API. Same scoped querysets and actions as the pages."""

from datetime import datetime
from uuid import UUID

from django.core import signing
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from goodwill.api.idempotency import run_idempotent
from goodwill.api.responses import json_answer
from goodwill.api.schemas import (
    FREE_TEXT,
    Error,
    In,
    Page,
    StaffRef,
    choices,
    column,
    offset_param,
    staff_ref,
    text_param,
)
from goodwill.audit.actions import Ref, Verb, record
from goodwill.customers import actions, reads, writes
from goodwill.customers.duplicates import LikelyDuplicate
from goodwill.customers.models import (
    Consent,
    Customer,
    CustomerEmail,
    CustomerEvent,
    CustomerPhone,
    Vehicle,
)
from goodwill.customers.reads import CURSOR_ORDER, contact_points
from goodwill.customers.search import plan_search

router = Router(tags=["customers"])

Kind = choices(Customer.Kind)
Relationship = choices(Customer.Relationship)
PhoneLabel = choices(CustomerPhone.Label)
EmailLabel = choices(CustomerEmail.Label)


class PhoneIn(In):
    label: PhoneLabel = "mobile"
    number: str = Field(max_length=40, description="Any common format; stored as E.164")


class EmailIn(In):
    label: EmailLabel = "personal"
    address: str = Field(max_length=254)


class PhoneOut(Schema):
    label: str
    number: str


class EmailOut(Schema):
    label: str
    address: str


class CustomerIn(In):
    kind: Kind = "person"
    first_name: str = column(Customer, "first_name", "")
    middle_name: str = column(Customer, "middle_name", "")
    last_name: str = column(Customer, "last_name", "")
    company_name: str = column(Customer, "company_name", "")
    relationship: Relationship = "prospect"
    street: str = column(Customer, "street", "")
    city: str = column(Customer, "city", "")
    region: str = column(Customer, "region", "")
    postal_code: str = column(Customer, "postal_code", "")
    notes: str = column(Customer, "notes", "")
    phones: list[PhoneIn] = Field(default_factory=list, max_length=6)
    emails: list[EmailIn] = Field(default_factory=list, max_length=3)
    confirm_new: bool = Field(
        False,
        description="Create even though the store has a customer with the same phone, email "
        "or VIN (after a 409). Fuzzy name matching is at /duplicates/match-check.",
    )


class DuplicateMatchOut(Schema):
    id: UUID | None = Field(description="Null when the caller may not open that customer")
    display_name: str
    score: int = Field(description="Match probability in per cent")
    reasons: list[str]
    same: list[str] = Field(description="Identical contact points: phone, email, vin")


class DuplicateOut(Schema):
    detail: str
    matches: list[DuplicateMatchOut]


class CustomerPatch(In):
    kind: Kind | None = None
    first_name: str | None = column(Customer, "first_name", None)
    middle_name: str | None = column(Customer, "middle_name", None)
    last_name: str | None = column(Customer, "last_name", None)
    company_name: str | None = column(Customer, "company_name", None)
    relationship: Relationship | None = None
    street: str | None = column(Customer, "street", None)
    city: str | None = column(Customer, "city", None)
    region: str | None = column(Customer, "region", None)
    postal_code: str | None = column(Customer, "postal_code", None)
    notes: str | None = column(Customer, "notes", None)
    phones: list[PhoneIn] | None = Field(None, max_length=6)
    emails: list[EmailIn] | None = Field(None, max_length=3)


class CustomerOut(Schema):
    id: UUID
    kind: str
    display_name: str
    first_name: str
    middle_name: str
    last_name: str
    company_name: str
    relationship: str
    street: str
    city: str
    region: str
    postal_code: str
    notes: str
    phones: list[PhoneOut]
    emails: list[EmailOut]
    salesperson: StaffRef | None
    service_advisor: StaffRef | None
    created_at: datetime
    updated_at: datetime


class CustomerPage(Page[CustomerOut]):
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )


class VehicleIn(In):
    vin: str = column(Vehicle, "vin", "", max_length=20)
    allow_unvalidated_vin: bool = False
    year: int | None = Field(None, ge=1900, le=2100)
    make: str = column(Vehicle, "make", "")
    model: str = column(Vehicle, "model", "")
    trim: str = column(Vehicle, "trim", "")
    color: str = column(Vehicle, "color", "")
    mileage: int | None = Field(None, ge=0, le=5_000_000)
    plate: str = column(Vehicle, "plate", "")
    notes: str = column(Vehicle, "notes", "", pattern=FREE_TEXT)


class VehiclePatch(In):
    vin: str | None = column(Vehicle, "vin", None, max_length=20)
    allow_unvalidated_vin: bool = False
    year: int | None = Field(None, ge=1900, le=2100)
    make: str | None = column(Vehicle, "make", None)
    model: str | None = column(Vehicle, "model", None)
    trim: str | None = column(Vehicle, "trim", None)
    color: str | None = column(Vehicle, "color", None)
    mileage: int | None = Field(None, ge=0, le=5_000_000)
    plate: str | None = column(Vehicle, "plate", None)
    notes: str | None = column(Vehicle, "notes", None, pattern=FREE_TEXT)


class VehicleOut(Schema):
    id: UUID
    customer_id: UUID
    vin: str
    vin_validated: bool
    year: int | None
    make: str
    model: str
    trim: str
    color: str
    mileage: int | None
    plate: str
    notes: str


class ConsentIn(In):
    channel: choices(Consent.Channel)
    granted: bool
    method: choices(Consent.Method)
    wording: str = column(Consent, "wording", "", pattern=FREE_TEXT)


class ConsentOut(Schema):
    channel: str
    granted: bool
    method: str
    wording: str
    recorded_by: str | None
    recorded_at: datetime


class EventOut(Schema):
    at: datetime
    verb: str
    subject: str
    actor: str | None
    changes: dict[str, list[str]]
    reason: str


def customer_out(c: Customer, contact: tuple | None = None) -> dict:
    """The answer for one customer instance (a create's, an update's); the reads answer
    from `.values()` rows with `customers.reads.answers`, which makes the same dict. A
    create's instance carries the phones and emails it wrote (`create_customer`); others
    read them in one query. `contact`: (phones, emails) as the answer lists them, for a
    customer about to be written (`customers.writes`)."""
    loaded = getattr(c, "_prefetched_objects_cache", {})
    if contact is not None:
        phones, emails = contact
    elif "phones" in loaded and "emails" in loaded:
        phones = [{"label": p.label, "number": p.number} for p in c.phones.all()]
        emails = [{"label": e.label, "address": e.address} for e in c.emails.all()]
    else:
        phones, emails = contact_points([c.pk])[c.pk]
    return {
        "id": c.public_id,
        "kind": c.kind,
        "display_name": c.display_name,
        **{f: getattr(c, f) for f in actions.CUSTOMER_FIELDS if f != "kind"},
        "phones": phones,
        "emails": emails,
        "salesperson": staff_ref(c.salesperson),
        "service_advisor": staff_ref(c.service_advisor),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def vehicle_out(v: Vehicle, customer: Customer) -> dict:
    return {
        "id": v.public_id,
        "customer_id": customer.public_id,
        **{f: getattr(v, f) for f in actions.VEHICLE_FIELDS},
        "vin_validated": v.vin_validated,
    }


def _visible(request):
    return Customer.objects.visible_to(request.user).select_related(
        "salesperson", "service_advisor"
    )


def _get_customer(request, customer_id) -> Customer:
    return get_object_or_404(_visible(request), public_id=customer_id)


def _contact_points(payload, name):
    items = getattr(payload, name)
    if items is None:
        return None
    attr = "number" if name == "phones" else "address"
    return {item.label: getattr(item, attr) for item in items}


# The signed cursor carries the last row's values of `CURSOR_ORDER` (the public id, never
# the pk).
CURSOR_SALT = "goodwill.customers.cursor"


def _after(cursor: str) -> Q:
    """Rows strictly after the signed cursor's row in `CURSOR_ORDER` (a keyset page: as
    fast at row 1,000,000 as at row 1, and stable while customers are added)."""
    try:
        values = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature:
        raise HttpError(422, "cursor is not one this API gave out.") from None
    after, equal = Q(), {}
    for name, value in zip(CURSOR_ORDER, values, strict=True):
        after |= Q(**equal, **{f"{name}__gt": value})
        equal[name] = value
    return after


def _cursor(row: dict) -> str:
    return signing.dumps([str(row[name]) for name in CURSOR_ORDER], salt=CURSOR_SALT)


@router.get(
    "/customers",
    response={200: CustomerPage, 422: Error},
    summary="List or search customers",
)
def list_customers(
    request,
    q: str = text_param(200, description="Name fragment, phone, email or VIN"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
    cursor: str = text_param(
        500,
        description="For syncing every customer: `next_cursor` of the previous page (then "
        "leave `offset` at 0). Pages by last name, first name, company and a unique key, so "
        "a walk sees each customer once.",
    ),
):
    """Two queries whatever the page size on PostgreSQL (token; customers with their phones
    and emails), three elsewhere, plus a search's audit entry; `.values()` rows compiled
    once per shape (`customers.reads`), answered without a second validation pass
    (`goodwill.api.responses`)."""
    plan = plan_search(q, dealership=request.dealership) if q else None
    if q:
        record(request, Verb.SEARCHED, query=q)
    key = ("page", plan and plan.shape, limit, offset)
    values = dict(plan.values) if plan else {}
    if cursor:
        values["after"] = _after(cursor)
    prepare = not cursor and (plan is None or plan.preparable)
    rows = reads.read(request.user, key, prepare=prepare, **values)
    page = rows[:limit]
    has_more = len(rows) > limit
    return json_answer(
        {
            "items": reads.answers(page),
            "limit": limit,
            "offset": offset,
            "has_more": has_more,
            "next_cursor": _cursor(page[-1]) if has_more else None,
        }
    )


@router.post("/customers", response={201: CustomerOut, 409: DuplicateOut, 422: Error})
def create_customer(request, payload: CustomerIn):
    """Creates a customer unless the store already has one with the same phone, email or
    VIN: then 409 with the matches and why, and nothing is written. Send the same body with
    `"confirm_new": true` (and a new Idempotency-Key) to create anyway."""

    given = payload.dict(exclude={"phones", "emails", "confirm_new"})
    given.update(
        acting_user=request.user,
        phones=_contact_points(payload, "phones"),
        emails=_contact_points(payload, "emails"),
        confirm_new=payload.confirm_new,
    )

    def create():  # the long way: the duplicate rule explains its matches
        return customer_out(actions.create_customer(request.dealership, **given))

    def at_once(keep):  # one statement, or None (`customers.writes`)
        answered = {}

        def also(customer, contact):  # the key's row holds the answer
            answered["out"] = customer_out(customer, contact)
            return [keep(answered["out"])]

        customer = writes.create_customer_at_once(
            request.dealership, also=also if keep else None, **given
        )
        if customer is None:
            return None
        return answered.get("out") or customer_out(customer)

    try:
        return run_idempotent(request, create, schema=CustomerOut, trusted=True, at_once=at_once)
    except LikelyDuplicate as exc:
        return Status(409, _duplicate_out(exc))


def _duplicate_out(exc: LikelyDuplicate) -> dict:
    return {
        "detail": "The store already has a customer with this phone, email or VIN. "
        'Use that customer, or send "confirm_new": true to create a new one.',
        "matches": [
            {
                "id": m.customer.public_id if m.visible else None,
                "display_name": m.customer.display_name,
                "score": m.score,
                "reasons": m.reasons,
                "same": sorted(m.same),
            }
            for m in exc.matches
        ],
    }


@router.get("/customers/{uuid:customer_id}", response=CustomerOut)
def get_customer(request, customer_id: UUID):
    """Two queries and the audit entry's INSERT on PostgreSQL (token; customer with its staff,
    phones and emails), three and the INSERT elsewhere; the customer read as a `.values()`
    row compiled once per process (`customers.reads`)."""
    rows = reads.read(request.user, ("get",), customer=customer_id)
    if not rows:
        raise Http404
    answer = reads.answers(rows)[0]
    record(request, Verb.VIEWED, Ref("customer", str(customer_id), answer["display_name"]))
    return json_answer(answer)


@router.patch("/customers/{uuid:customer_id}", response={200: CustomerOut, 422: Error})
def update_customer(request, customer_id: UUID, payload: CustomerPatch):
    customer = _get_customer(request, customer_id)
    fields = payload.dict(exclude_unset=True, exclude={"phones", "emails"})
    actions.update_customer(
        customer,
        acting_user=request.user,
        phones=_contact_points(payload, "phones"),
        emails=_contact_points(payload, "emails"),
        **{k: v for k, v in fields.items() if v is not None},
    )
    return customer_out(_get_customer(request, customer_id))


@router.get("/customers/{uuid:customer_id}/vehicles", response=list[VehicleOut], tags=["vehicles"])
def list_vehicles(request, customer_id: UUID):
    customer = _get_customer(request, customer_id)
    return [vehicle_out(v, customer) for v in customer.vehicles.all()]


@router.post(
    "/customers/{uuid:customer_id}/vehicles",
    response={201: VehicleOut, 422: Error},
    tags=["vehicles"],
)
def add_vehicle(request, customer_id: UUID, payload: VehicleIn):
    customer = _get_customer(request, customer_id)

    def create():
        fields = payload.dict(exclude={"allow_unvalidated_vin"})
        vehicle = actions.add_vehicle(
            customer,
            acting_user=request.user,
            allow_unvalidated_vin=payload.allow_unvalidated_vin,
            **fields,
        )
        return vehicle_out(vehicle, customer)

    return run_idempotent(request, create, schema=VehicleOut)


def _get_vehicle(request, vehicle_id) -> Vehicle:
    return get_object_or_404(
        Vehicle.objects.filter(
            customer__in=Customer.objects.visible_to(request.user)
        ).select_related("customer"),
        public_id=vehicle_id,
    )


@router.get("/vehicles/{uuid:vehicle_id}", response=VehicleOut, tags=["vehicles"])
def get_vehicle(request, vehicle_id: UUID):
    vehicle = _get_vehicle(request, vehicle_id)
    return vehicle_out(vehicle, vehicle.customer)


@router.patch(
    "/vehicles/{uuid:vehicle_id}", response={200: VehicleOut, 422: Error}, tags=["vehicles"]
)
def update_vehicle(request, vehicle_id: UUID, payload: VehiclePatch):
    vehicle = _get_vehicle(request, vehicle_id)
    fields = payload.dict(exclude_unset=True, exclude={"allow_unvalidated_vin"})
    actions.update_vehicle(
        vehicle,
        acting_user=request.user,
        allow_unvalidated_vin=payload.allow_unvalidated_vin,
        **fields,
    )
    vehicle.refresh_from_db()
    return vehicle_out(vehicle, vehicle.customer)


def _consent_out(c: Consent) -> dict:
    return {
        "channel": c.channel,
        "granted": c.granted,
        "method": c.method,
        "wording": c.wording,
        "recorded_by": c.recorded_by.username if c.recorded_by else None,
        "recorded_at": c.recorded_at,
    }


@router.get("/customers/{uuid:customer_id}/consents", response=list[ConsentOut], tags=["consents"])
def list_consents(request, customer_id: UUID):
    customer = _get_customer(request, customer_id)
    return [_consent_out(c) for c in customer.consents.select_related("recorded_by")]


@router.post(
    "/customers/{uuid:customer_id}/consents",
    response={200: ConsentOut, 422: Error},
    tags=["consents"],
)
def set_consent(request, customer_id: UUID, payload: ConsentIn):
    customer = _get_customer(request, customer_id)
    consent = actions.set_consent(customer, acting_user=request.user, **payload.dict())
    return _consent_out(consent)


@router.get("/customers/{uuid:customer_id}/history", response=list[EventOut])
def customer_history(request, customer_id: UUID):
    customer = _get_customer(request, customer_id)
    events = CustomerEvent.objects.filter(customer=customer).select_related("actor")[:500]
    return [
        {
            "at": e.at,
            "verb": e.verb,
            "subject": e.subject,
            "actor": e.actor.username if e.actor else None,
            "changes": e.changes,
            "reason": e.reason,
        }
        for e in events
    ]
