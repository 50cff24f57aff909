"""Every change to a customer goes through here: one transaction, the change and its
history event together. Views, the API, imports and the CLI all call these functions."""

from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.core.bulk import copy_insert, copy_rows
from goodwill.core.contact import normalise_email, normalise_phone
from goodwill.core.prepared import loaded_as_prefetched
from goodwill.customers import duplicates as duplicate_rule
from goodwill.customers.models import (
    Assignment,
    Consent,
    ContactDetail,
    Customer,
    CustomerEmail,
    CustomerEvent,
    CustomerPhone,
    Vehicle,
)
from goodwill.customers.validation import validate_customer as _validate_customer
from goodwill.customers.vin import VinError, decode_vin

CUSTOMER_FIELDS = Customer.EDITABLE_FIELDS
VEHICLE_FIELDS = Vehicle.EDITABLE_FIELDS


def record_event(customer, verb, *, actor, subject="", changes=None, reason="", at=None):
    """One history line. `verb` must be one of `CustomerEvent.Verb` (a new kind of line is
    declared there first, with its label); the subject is cut to its column."""
    if verb not in CustomerEvent.Verb.values:
        raise ValueError(f"undeclared customer history verb {verb!r}: add it to CustomerEvent.Verb")
    subject = subject[: CustomerEvent._meta.get_field("subject").max_length]
    return CustomerEvent.objects.create(
        dealership_id=customer.dealership_id,
        customer=customer,
        actor=actor,
        at=at or timezone.now(),
        verb=verb,
        subject=subject,
        changes=changes or {},
        reason=reason,
    )


def _text(value) -> str:
    return "" if value is None else str(value)


def _apply_fields(customer, fields: dict) -> dict:
    """Set the fields that differ; their changes as the history shows them ([old, new])."""
    changes = {}
    for name, value in fields.items():
        old = getattr(customer, name)
        if old != value:
            changes[name] = [_text(old), _text(value)]
            setattr(customer, name, value)
    return changes


def _normalised_contact_points(phones, emails, region) -> tuple[dict, dict]:
    errors, clean_phones, clean_emails = {}, {}, {}
    for label, raw in (phones or {}).items():
        try:
            clean_phones[label] = normalise_phone(raw, region)
        except ValidationError as exc:
            errors[f"phone_{label}"] = exc.messages
    for label, raw in (emails or {}).items():
        try:
            clean_emails[label] = normalise_email(raw)
        except ValidationError as exc:
            errors[f"email_{label}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return clean_phones, clean_emails


def _sync_contact_points(customer, *, phones, emails, region) -> dict:
    """Replace phones/emails by label; return {"mobile phone": [old, new], …} for history."""
    changes = {}
    errors = {}
    if phones is not None:
        current = {p.label: p for p in customer.phones.all()}
        for label, raw in phones.items():
            try:
                number = normalise_phone(raw, region)
            except ValidationError as exc:
                errors[f"phone_{label}"] = exc.messages
                continue
            old = current.get(label)
            if old and old.number == number:
                continue
            was = old.number if old else ""
            if old and not number:
                old.delete()
            elif old:
                old.number = number
                old.save(update_fields=["number"])
            elif number:
                CustomerPhone.objects.create(
                    dealership_id=customer.dealership_id,
                    customer=customer,
                    number=number,
                    label=label,
                )
            else:
                continue
            changes[f"{label} phone"] = [was, number]
    if emails is not None:
        current = {e.label: e for e in customer.emails.all()}
        for label, raw in emails.items():
            try:
                address = normalise_email(raw)
            except ValidationError as exc:
                errors[f"email_{label}"] = exc.messages
                continue
            old = current.get(label)
            if old and old.address == address:
                continue
            was = old.address if old else ""
            if old and not address:
                old.delete()
            elif old:
                old.address, old.address_lower = address, address.lower()
                old.save(update_fields=["address", "address_lower"])
            elif address:
                CustomerEmail.objects.create(
                    dealership_id=customer.dealership_id,
                    customer=customer,
                    address=address,
                    address_lower=address.lower(),
                    label=label,
                )
            else:
                continue
            changes[f"{label} email"] = [was, address]
    if errors:
        raise ValidationError(errors)
    if changes:
        # The first of the customer's few contact points, picked here rather than by
        # `ORDER BY id LIMIT 1`: with that, PostgreSQL may walk the whole primary-key index
        # looking for this customer's rows (it did inside a large import, whose rows the
        # planner's statistics do not know yet): 23 ms of database CPU per fill-in, 40 % of
        # an import's database time at 20,000 rows (`bench/bench_import.py`).
        phone = min(customer.phones.values_list("id", "number"), default=(0, ""))[1]
        email = min(customer.emails.values_list("id", "address"), default=(0, ""))[1]
        customer.primary_phone, customer.primary_email = phone, email
        customer.save(update_fields=["primary_phone", "primary_email"])
    return changes


@dataclass(slots=True)
class NewCustomer:
    """A customer checked and ready to write, with its contact points and what its
    "created" history row says (`prepare_new_customer`); written by `create_customer` or,
    many at once, by `create_customers_bulk`. The contact points and the history row are
    plain values, turned into rows by the writer: building three model instances per
    customer that a bulk write only reads back was a tenth of an import's CPU per row."""

    customer: Customer
    phones: dict  # label → E.164, the given ones only
    emails: dict  # label → address
    changes: dict
    actor: object
    at: object
    reason: str
    details: tuple = ()  # (kind, label, value) beyond the slots: ContactDetail rows

    def phone_rows(self) -> list[dict]:
        c = self.customer
        return [
            {"dealership_id": c.dealership_id, "customer_id": c.pk, "number": n, "label": label}
            for label, n in self.phones.items()
        ]

    def email_rows(self) -> list[dict]:
        c = self.customer
        return [
            {
                "dealership_id": c.dealership_id,
                "customer_id": c.pk,
                "address": a,
                "address_lower": a.lower(),
                "label": label,
            }
            for label, a in self.emails.items()
        ]

    def detail_rows(self) -> list[dict]:
        c = self.customer
        return [
            {
                "dealership_id": c.dealership_id,
                "customer_id": c.pk,
                "kind": kind,
                "label": label,
                "value": value,
            }
            for kind, label, value in self.details
        ]

    def event_row(self) -> dict:
        return {
            "dealership_id": self.customer.dealership_id,
            "customer_id": self.customer.pk,
            "actor_id": self.actor.pk if self.actor else None,
            "at": self.at,
            "verb": CustomerEvent.Verb.CREATED,
            "changes": self.changes,
            "reason": self.reason,
        }


def _detail_rows(customer, details) -> list[ContactDetail]:
    """ContactDetail rows for [(kind, label, value)], checked per field (kind, lengths)."""
    rows = []
    for kind, label, value in details or ():
        row = ContactDetail(
            dealership_id=customer.dealership_id,
            customer=customer,
            kind=kind,
            label=(label or "")[:40],
            value=value,
        )
        row.full_clean(exclude=["dealership", "customer"], validate_unique=False)
        rows.append(row)
    return rows


def _detail_changes(details) -> dict:
    return {f"{label or kind} ({kind})": ["", value] for kind, label, value in details or ()}


def _new_customer(dealership, acting_user, values: dict) -> Customer:
    """`Customer(dealership=…, created_by=…, **values)`, built with every column given in
    order (the way Django builds a row it read): the keyword form looks up each field's
    default and sets each relation through its descriptor, 2.7× the time (48 → 18 µs a
    customer, `goodwill import`'s rows). The store and the user are attached as the keyword
    form attaches them."""
    row = [
        values[f.attname] if f.attname in values else default() if callable(default) else default
        for f, default in _customer_defaults()
    ]
    customer = Customer(*row)
    customer.dealership = dealership
    if acting_user is not None:
        customer.created_by = acting_user
    return customer


@lru_cache(maxsize=1)
def _customer_defaults() -> tuple:
    """(field, its default or the callable giving it): a field with a default of its own gets
    a fresh one per customer (`public_id`'s uuid4); the others' are constants ("", None)."""
    return tuple(
        (f, f.get_default if f.has_default() else f.get_default())
        for f in Customer._meta.concrete_fields
    )


def prepare_new_customer(
    dealership,
    *,
    acting_user,
    phones: dict | None,
    emails: dict | None,
    reason: str = "",
    normalised: bool = False,
    details: list | None = None,
    **fields,
) -> NewCustomer:
    """The checks of a create, in Python and without a query: fields, contact points, the
    has-a-name rule. `normalised`: the phones and emails are already what `normalise_phone`
    and `normalise_email` returned (imports normalise while reading each row). `details`:
    [(kind, label, value)] beyond the one-per-label slots (`ContactDetail`), already
    normalised. Raises ValidationError; writes nothing."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"unknown customer fields: {sorted(unknown)}")
    if not normalised:
        phones, emails = _normalised_contact_points(phones, emails, dealership.phone_region)
    phones = {label: number for label, number in (phones or {}).items() if number}
    emails = {label: address for label, address in (emails or {}).items() if address}
    customer = _new_customer(
        dealership,
        acting_user,
        fields
        | {
            "primary_phone": next(iter(phones.values()), ""),
            "primary_email": next(iter(emails.values()), ""),
        },
    )
    customer.refresh_search_name()
    _validate_customer(customer, only=(*fields, "primary_phone", "primary_email", "search_name"))
    changes = {k: ["", _text(v)] for k, v in fields.items() if v not in ("", None)}
    changes |= {f"{label} phone": ["", n] for label, n in phones.items()}
    changes |= {f"{label} email": ["", a] for label, a in emails.items()}
    details = tuple((k, (label or "")[:40], v) for k, label, v in details or ())
    _detail_rows(customer, details)  # checks kinds and lengths; raises ValidationError
    changes |= _detail_changes(details)
    return NewCustomer(
        customer, phones, emails, changes, acting_user, timezone.now(), reason, details
    )


@transaction.atomic
def create_customers_bulk(new: list[NewCustomer]) -> list[Customer]:
    """Write many prepared customers at once (imports): customers, phones, emails and their
    "created" history rows, one COPY per table for the lot, in one transaction. The caller
    ran the duplicate rule (an import classifies every row first) and `prepare_new_customer`
    on each; no assignment is made. A bulk action rather than `create_customer` per row:
    the same rows and the same history, 4 statements per batch instead of 4 per customer
    (`bench/bench_import.py`)."""
    if not new:
        return []
    customers = [n.customer for n in new]
    copy_insert(Customer, customers)  # the primary keys are known from here on
    copy_rows(CustomerPhone, [row for n in new for row in n.phone_rows()])
    copy_rows(CustomerEmail, [row for n in new for row in n.email_rows()])
    copy_rows(CustomerEvent, [n.event_row() for n in new])
    copy_rows(ContactDetail, [row for n in new for row in n.detail_rows()])
    return customers


@transaction.atomic
def create_customer(
    dealership,
    *,
    acting_user,
    phones: dict | None = None,
    emails: dict | None = None,
    salesperson=None,
    service_advisor=None,
    reason: str = "",
    duplicates: str = duplicate_rule.SAME_CONTACT,
    confirm_new: bool = False,
    vehicle_vin: str = "",
    **fields,
) -> Customer:
    """Create a customer of `dealership` with contact points and first assignment.

    The duplicate rule runs first (`customers.duplicates`): unless `confirm_new`, a customer
    the store already has (same phone, email or VIN by default; `duplicates=LIKELY` for the
    pages' 90 %+ rule) raises `LikelyDuplicate` and nothing is written. `vehicle_vin` is the
    VIN of a vehicle the caller adds next, checked with the rest.

    This is the API's hot path: validation runs in Python (no `full_clean` queries), then
    plain ORM writes: the customer, its phones and its emails (one `bulk_create` each) and
    the history event."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"unknown customer fields: {sorted(unknown)}")
    phones, emails = _normalised_contact_points(phones, emails, dealership.phone_region)
    phones = {label: number for label, number in phones.items() if number}
    emails = {label: address for label, address in emails.items() if address}
    if not confirm_new:
        duplicate_rule.check_new_customer(
            dealership,
            acting_user=acting_user,
            rule=duplicates,
            first_name=fields.get("first_name", ""),
            last_name=fields.get("last_name", ""),
            company_name=fields.get("company_name", ""),
            phones=list(phones.values()),
            emails=list(emails.values()),
            vin=vehicle_vin,
            street=fields.get("street", ""),
            postal_code=fields.get("postal_code", ""),
        )
    new = prepare_new_customer(
        dealership,
        acting_user=acting_user,
        phones=phones,
        emails=emails,
        reason=reason,
        normalised=True,
        **fields,
    )
    customer = new.customer
    customer.save(force_insert=True)
    phones = CustomerPhone.objects.bulk_create([CustomerPhone(**r) for r in new.phone_rows()])
    emails = CustomerEmail.objects.bulk_create([CustomerEmail(**r) for r in new.email_rows()])
    CustomerEvent.objects.create(**new.event_row())
    # The API answers from these: the re-read was a quarter of a create's CPU and a round
    # trip (`bench/profile_request.py --endpoint create`); `update_customer` drops them.
    loaded_as_prefetched(customer, "phones", phones)
    loaded_as_prefetched(customer, "emails", emails)
    if salesperson:
        assign(
            customer,
            Assignment.Role.SALES,
            salesperson,
            acting_user=acting_user,
            reason="New customer",
            _fresh=customer,
        )
    if service_advisor:
        assign(
            customer,
            Assignment.Role.SERVICE,
            service_advisor,
            acting_user=acting_user,
            reason="New customer",
            _fresh=customer,
        )
    return customer


@transaction.atomic
def update_customer(
    customer: Customer,
    *,
    acting_user,
    phones: dict | None = None,
    emails: dict | None = None,
    reason: str = "",
    details: list | None = None,
    **fields,
) -> dict:
    """Apply changed fields; returns the {field: [old, new]} diff that went into history.
    `details`: [(kind, label, value)] to add to the customer's other contact details
    (normalised by the caller; an import's fill-in)."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"unknown customer fields: {sorted(unknown)}")
    # The caller's instance may hold lists of contact points (a create's, or a prefetch's)
    # that this change would make stale.
    getattr(customer, "_prefetched_objects_cache", {}).clear()
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changes = _apply_fields(customer, fields)
    if changes:
        customer.refresh_search_name()
        _validate_customer(customer)
        customer.save(update_fields=[*changes, "search_name", "updated_at"])
    changes |= _sync_contact_points(
        customer, phones=phones, emails=emails, region=customer.dealership.phone_region
    )
    if details:
        ContactDetail.objects.bulk_create(_detail_rows(customer, details))
        changes |= _detail_changes(details)
    if changes:
        record_event(
            customer, CustomerEvent.Verb.UPDATED, actor=acting_user, changes=changes, reason=reason
        )
    return changes


def _apply_vin(vehicle: Vehicle, *, allow_unvalidated: bool) -> None:
    if not vehicle.vin:
        vehicle.vin_validated = False
        return
    try:
        decoded = decode_vin(vehicle.vin, allow_unvalidated=allow_unvalidated)
    except VinError as exc:
        raise ValidationError({"vin": [str(exc)]}) from exc
    vehicle.vin = decoded.vin
    vehicle.vin_validated = decoded.validated
    # The decoder fills what the user left empty; what they typed wins.
    vehicle.make = vehicle.make or decoded.make
    vehicle.model = vehicle.model or decoded.model
    vehicle.year = vehicle.year or decoded.year


def _check_vin_unique(vehicle: Vehicle) -> None:
    if not vehicle.vin:
        return
    clash = (
        Vehicle.objects.for_dealership(vehicle.dealership_id)
        .filter(vin=vehicle.vin)
        .exclude(pk=vehicle.pk)
        .select_related("customer")
        .first()
    )
    if clash:
        raise ValidationError(
            {"vin": [f"This VIN is already on {clash} of {clash.customer.display_name}."]}
        )


def _save_vehicle(vehicle: Vehicle, **kwargs) -> None:
    vehicle.full_clean(
        exclude=["dealership", "customer"], validate_unique=False, validate_constraints=False
    )
    _check_vin_unique(vehicle)
    try:
        with transaction.atomic():
            vehicle.save(**kwargs)
    except IntegrityError as exc:  # a concurrent insert of the same VIN
        raise ValidationError(
            {"vin": ["Another vehicle in this store already has this VIN."]}
        ) from exc


@transaction.atomic
def add_vehicle(customer, *, acting_user, allow_unvalidated_vin: bool = False, **fields) -> Vehicle:
    unknown = set(fields) - set(VEHICLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown vehicle fields: {sorted(unknown)}")
    vehicle = Vehicle(dealership_id=customer.dealership_id, customer=customer, **fields)
    _apply_vin(vehicle, allow_unvalidated=allow_unvalidated_vin)
    _save_vehicle(vehicle)
    record_event(
        customer,
        CustomerEvent.Verb.VEHICLE_ADDED,
        actor=acting_user,
        subject=str(vehicle),
        changes={
            k: ["", _text(getattr(vehicle, k))] for k in VEHICLE_FIELDS if getattr(vehicle, k)
        },
    )
    return vehicle


def prepare_vehicle(customer, *, allow_unvalidated_vin: bool = False, **fields) -> Vehicle:
    """`add_vehicle`'s checks without a query (the VIN decoded, the fields checked); the
    customer may be unsaved. Whether the VIN is already in the store is the caller's to ask
    (imports ask once per batch); the unique constraint stays the backstop."""
    unknown = set(fields) - set(VEHICLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown vehicle fields: {sorted(unknown)}")
    vehicle = Vehicle(dealership_id=customer.dealership_id, customer=customer, **fields)
    _apply_vin(vehicle, allow_unvalidated=allow_unvalidated_vin)
    vehicle.full_clean(
        exclude=["dealership", "customer"], validate_unique=False, validate_constraints=False
    )
    return vehicle


@transaction.atomic
def add_vehicles_bulk(vehicles: list[Vehicle], *, acting_user, reason: str = "") -> None:
    """Write many `prepare_vehicle` vehicles of saved customers at once, each with its
    "vehicle added" history row (one INSERT per table for the lot)."""
    if not vehicles:
        return
    now = timezone.now()
    for vehicle in vehicles:
        vehicle.customer = vehicle.customer  # its primary key, now that it is saved
    copy_insert(Vehicle, vehicles)
    cut = CustomerEvent._meta.get_field("subject").max_length
    copy_rows(
        CustomerEvent,
        [
            {
                "dealership_id": v.dealership_id,
                "customer_id": v.customer_id,
                "actor_id": acting_user.pk if acting_user else None,
                "at": now,
                "verb": CustomerEvent.Verb.VEHICLE_ADDED,
                "subject": str(v)[:cut],
                "changes": {k: ["", _text(getattr(v, k))] for k in VEHICLE_FIELDS if getattr(v, k)},
                "reason": reason,
            }
            for v in vehicles
        ],
    )


@transaction.atomic
def update_vehicle(vehicle, *, acting_user, allow_unvalidated_vin: bool = False, **fields) -> dict:
    unknown = set(fields) - set(VEHICLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown vehicle fields: {sorted(unknown)}")
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    before = {k: getattr(vehicle, k) for k in VEHICLE_FIELDS}
    for name, value in fields.items():
        setattr(vehicle, name, value)
    if "vin" in fields and fields["vin"] != before["vin"]:
        _apply_vin(vehicle, allow_unvalidated=allow_unvalidated_vin)
    changes = {
        k: [_text(before[k]), _text(getattr(vehicle, k))]
        for k in VEHICLE_FIELDS
        if before[k] != getattr(vehicle, k)
    }
    if changes:
        _save_vehicle(vehicle, update_fields=[*changes, "vin_validated"])
        record_event(
            vehicle.customer,
            CustomerEvent.Verb.VEHICLE_UPDATED,
            actor=acting_user,
            subject=str(vehicle),
            changes=changes,
        )
    return changes


@transaction.atomic
def set_consent(
    customer,
    channel: str,
    *,
    granted: bool,
    method: str,
    acting_user,
    wording: str = "",
    at=None,
) -> Consent:
    """Record a consent or its withdrawal, with how and by whom; history keeps every step."""
    if channel not in Consent.Channel.values:
        raise ValidationError(
            {"channel": [f"Unknown channel “{channel}”; use one of {Consent.Channel.values}."]}
        )
    if method not in Consent.Method.values:
        raise ValidationError(
            {"method": [f"Unknown method “{method}”; use one of {Consent.Method.values}."]}
        )
    at = at or timezone.now()
    consent, created = Consent.objects.select_for_update().get_or_create(
        customer=customer,
        channel=channel,
        defaults={
            "dealership_id": customer.dealership_id,
            "granted": granted,
            "method": method,
            "wording": wording,
            "recorded_by": acting_user,
            "recorded_at": at,
        },
    )
    old = None if created else consent.granted
    if not created:
        consent.granted, consent.method, consent.wording = granted, method, wording
        consent.recorded_by, consent.recorded_at = acting_user, at
        consent.save(update_fields=["granted", "method", "wording", "recorded_by", "recorded_at"])
    if old != granted:
        verb = (
            CustomerEvent.Verb.CONSENT_GRANTED if granted else CustomerEvent.Verb.CONSENT_WITHDRAWN
        )
        record_event(
            customer,
            verb,
            actor=acting_user,
            at=at,
            subject=Consent.Channel(channel).label,
            changes={
                "consent": [
                    {None: "", True: "given", False: "withdrawn"}[old],
                    "given" if granted else "withdrawn",
                ],
                "method": ["", Consent.Method(method).label],
                **({"wording": ["", wording]} if wording else {}),
            },
        )
    return consent


@transaction.atomic
def assign(
    customer, role: str, user, *, acting_user, reason: str = "", at=None, _fresh=None
) -> Assignment | None:
    """Give the customer a new salesperson or advisor (or none), closing the previous holder's
    period. The customer stays the store's: history shows every holder."""
    if user is not None and (user.dealership_id != customer.dealership_id or not user.is_active):
        raise ValidationError({"user": ["Pick an active staff member of this store."]})
    field = "salesperson" if role == Assignment.Role.SALES else "service_advisor"
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    old = getattr(customer, field)
    if old == user:
        return None
    at = at or timezone.now()
    Assignment.objects.filter(customer=customer, role=role, ended_at__isnull=True).update(
        ended_at=at
    )
    assignment = Assignment.objects.create(
        dealership_id=customer.dealership_id,
        customer=customer,
        role=role,
        user=user,
        assigned_by=acting_user,
        reason=reason,
        started_at=at,
    )
    setattr(customer, field, user)
    customer.save(update_fields=[field, "updated_at"])
    record_event(
        customer,
        CustomerEvent.Verb.ASSIGNED,
        actor=acting_user,
        at=at,
        subject=Assignment.Role(role).label,
        changes={field: [_text(old or "unassigned"), _text(user or "unassigned")]},
        reason=reason,
    )
    return assignment


def hand_over_customers(*, user, acting_user, reassign_to, reason: str, **_signal) -> int:
    """A leaving staff member's customers go to `reassign_to` (or become unassigned, visible
    to the whole store). Connected to `dealerships.signals.staff_deactivating`."""
    moved = 0
    held = Customer.objects.for_dealership(user.dealership_id)
    for role, field in (
        (Assignment.Role.SALES, "salesperson"),
        (Assignment.Role.SERVICE, "service_advisor"),
    ):
        for customer in held.filter(**{field: user}):
            assign(customer, role, reassign_to, acting_user=acting_user, reason=reason)
            moved += 1
    return moved


def _vehicle_from_description(description: str) -> dict:
    """'2026 Ford F-150 XLT' → year, make, model (what a salesperson types on a sale)."""
    words = description.split()
    fields = {}
    if words and words[0].isdigit() and len(words[0]) == 4:
        fields["year"] = int(words.pop(0))
    if words:
        fields["make"] = words.pop(0)[:40]
    if words:
        fields["model"] = " ".join(words)[:60]
    return fields


@transaction.atomic
def take_vehicle(customer, *, acting_user, vin: str = "", description: str = "", reason: str = ""):
    """A vehicle the customer just bought: added to them, or, when the store already knows
    its VIN on someone else (a resold trade-in), moved to them with its history (the
    service history stays with the vehicle). The customer becomes a customer.
    Returns (vehicle, previous_owner or None)."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    vin = (vin or "").strip().upper()
    vehicle, previous = None, None
    if vin:
        vehicle = (
            Vehicle.objects.select_for_update()
            .filter(dealership_id=customer.dealership_id, vin=vin)
            .select_related("customer")
            .first()
        )
    if vehicle is not None and vehicle.customer_id != customer.pk:
        previous = vehicle.customer
        vehicle.customer = customer
        vehicle.save(update_fields=["customer"])
        moved = {"owner": [previous.display_name, customer.display_name]}
        record_event(
            previous,
            "vehicle_moved",
            actor=acting_user,
            subject=str(vehicle),
            changes=moved,
            reason=reason or "Sold to another customer",
        )
        record_event(
            customer,
            "vehicle_moved",
            actor=acting_user,
            subject=str(vehicle),
            changes=moved,
            reason=reason or "Bought: the vehicle's history came with it",
        )
    elif vehicle is None:
        vehicle = add_vehicle(
            customer,
            acting_user=acting_user,
            allow_unvalidated_vin=True,
            vin=vin,
            **_vehicle_from_description(description),
        )
    if customer.relationship != Customer.Relationship.CUSTOMER:
        update_customer(
            customer,
            acting_user=acting_user,
            relationship=Customer.Relationship.CUSTOMER,
            reason=reason or "Bought a vehicle",
        )
    return vehicle, previous
