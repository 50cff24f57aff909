"""Every change in service goes through here: one transaction, the change and its history
(the customer's `CustomerEvent`, the staff history for settings), emails on commit.

After an RO is saved its rules run as a background job (`jobs.after_repair_order_saved`,
queued on commit); the nightly pass runs them over every RO (`runner.run_all`)."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.audit import actions as audit
from goodwill.customers import actions as customer_actions
from goodwill.customers.models import Assignment, Customer, Vehicle
from goodwill.dealerships.models import StaffEvent, User
from goodwill.floor import actions as floor_actions
from goodwill.floor.models import Up
from goodwill.jobs.queue import enqueue
from goodwill.outreach.signals import experience_completed
from goodwill.referrals.models import Referral
from goodwill.service import jobs
from goodwill.service.models import (
    Fleet,
    Opportunity,
    RepairOrder,
    ServiceSettings,
    ServiceSpecial,
    ServiceVisit,
    VehicleFacts,
    days_between,
)
from goodwill.service.routing import refer
from goodwill.service.valuation import vehicle_class_of

SETTINGS_FIELDS = tuple(
    f.name
    for f in ServiceSettings._meta.get_fields()
    if f.concrete and f.name not in ("id", "dealership", "updated_at")
)
RO_FIELDS = (
    "number",
    "complaint",
    "cause",
    "labor",
    "parts",
    "mileage_in",
    "opened_at",
    "promised_at",
    "closed_at",
    "status",
    "pay_type",
    "advisor",
    "advisor_name",
)
FACT_FIELDS = (
    "vehicle_class",
    "value",
    "downtime_cost_per_day",
    "lease_ends_on",
    "warranty_ends_on",
    "maintenance_due_on",
    "maintenance_due_miles",
)


def service_settings(dealership) -> ServiceSettings:
    rules, _ = ServiceSettings.objects.get_or_create(
        dealership_id=getattr(dealership, "pk", dealership)
    )
    return rules


@transaction.atomic
def update_settings(dealership, *, acting_user, **values) -> ServiceSettings:
    """A manager tunes the rules; the change (old → new) goes into the staff history."""
    if not acting_user.is_manager or acting_user.dealership_id != dealership.pk:
        raise PermissionDenied("Only a manager of the store can change the service rules.")
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown service settings: {sorted(unknown)}")
    service_settings(dealership)
    rules = ServiceSettings.objects.select_for_update().get(dealership=dealership)
    changes = {}
    for name, value in values.items():
        if getattr(rules, name) != value:
            changes[name] = [str(getattr(rules, name)), str(value)]
            setattr(rules, name, value)
    if changes:
        rules.full_clean(exclude=["dealership"])
        rules.save()
        StaffEvent.objects.create(
            dealership=dealership,
            user=acting_user,
            actor=acting_user,
            verb="service_settings_changed",
            changes=changes,
        )
        audit.record(acting_user, audit.Verb.SETTINGS_CHANGED, settings="service", changes=changes)
    return rules


# --- vehicles and fleets ---------------------------------------------------------------------


def facts_of(vehicle: Vehicle) -> VehicleFacts:
    facts = VehicleFacts.objects.filter(vehicle=vehicle).first()
    if facts is None:
        facts, _ = VehicleFacts.objects.get_or_create(
            vehicle=vehicle,
            defaults={
                "dealership_id": vehicle.dealership_id,
                "vehicle_class": vehicle_class_of(vehicle.model),
            },
        )
    return facts


@transaction.atomic
def update_vehicle_facts(vehicle: Vehicle, *, acting_user, **values) -> VehicleFacts:
    unknown = set(values) - set(FACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown vehicle facts: {sorted(unknown)}")
    facts = VehicleFacts.objects.select_for_update().get(pk=facts_of(vehicle).pk)
    changes = {}
    for name, value in values.items():
        if getattr(facts, name) != value:
            changes[name] = [_text(getattr(facts, name)), str(value or "")]
            setattr(facts, name, value)
    if changes:
        facts.full_clean(exclude=["dealership", "vehicle"])
        facts.save()
        customer_actions.record_event(
            vehicle.customer,
            "vehicle_service_facts",
            actor=acting_user,
            subject=str(vehicle),
            changes=changes,
        )
    return facts


def ensure_fleet(customer: Customer, *, acting_user=None) -> Fleet | None:
    """A business customer whose vehicles come to service is a fleet account."""
    if customer.kind != Customer.Kind.BUSINESS:
        return None
    fleet = Fleet.objects.filter(customer=customer).first()
    if fleet is None:
        fleet, created = Fleet.objects.get_or_create(
            customer=customer,
            defaults={
                "dealership_id": customer.dealership_id,
                "contact_name": customer.person_name,
                "contact_phone": customer.primary_phone,
                "contact_email": customer.primary_email,
            },
        )
        if created:
            customer_actions.record_event(customer, "fleet_opened", actor=acting_user)
    return fleet


FLEET_FIELDS = ("contact_name", "contact_phone", "contact_email", "downtime_cost_per_day", "notes")


@transaction.atomic
def update_fleet(fleet: Fleet, *, acting_user, **values) -> Fleet:
    unknown = set(values) - set(FLEET_FIELDS)
    if unknown:
        raise TypeError(f"unknown fleet fields: {sorted(unknown)}")
    fleet = Fleet.objects.select_for_update().select_related("customer").get(pk=fleet.pk)
    changes = {}
    for name, value in values.items():
        if getattr(fleet, name) != value:
            changes[name] = [_text(getattr(fleet, name)), str(value or "")]
            setattr(fleet, name, value)
    if changes:
        fleet.full_clean(exclude=["dealership", "customer"])
        fleet.save()
        customer_actions.record_event(
            fleet.customer, "fleet_updated", actor=acting_user, changes=changes
        )
    return fleet


# --- repair orders ---------------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value)


def _after_save(ro: RepairOrder, acting_user=None) -> None:
    """The RO's rules run as a background job, queued in the RO's own transaction (the job
    exists only if the RO was saved; the worker picks it up after the commit)."""
    enqueue(
        jobs.rules_after_save,
        dealership=ro.dealership,
        user=acting_user,
        title=f"Service opportunities for RO {ro.number}",
        ro_pk=ro.pk,
    )


def _closed(ro: RepairOrder) -> None:
    """A closed RO is worth asking the customer how we did (the feedback app schedules the
    survey; one per RO, and none for an RO recorded days after it closed)."""
    experience_completed.send(
        sender=RepairOrder,
        customer=ro.customer,
        department="service",
        staff=ro.advisor,
        key=f"ro:{ro.public_id}",
        at=ro.closed_at,
        subject=f"your {ro.vehicle}'s service"[:120],
    )


def _check_ro(ro: RepairOrder) -> None:
    errors = {}
    if ro.closed_at and ro.closed_at < ro.opened_at:
        errors["closed_at"] = ["An RO closes after it opens."]
    if ro.promised_at and ro.promised_at < ro.opened_at - timedelta(minutes=1):
        errors["promised_at"] = ["The promised time is after the RO opens."]
    if ro.status == RepairOrder.Status.CLOSED and not ro.closed_at:
        ro.closed_at = timezone.now()
    if ro.closed_at and ro.status != RepairOrder.Status.CLOSED:
        ro.status = RepairOrder.Status.CLOSED
    if ro.advisor_id and (ro.advisor.dealership_id != ro.dealership_id or not ro.advisor.is_active):
        errors["advisor"] = ["Pick an active staff member of this store."]
    if errors:
        raise ValidationError(errors)
    ro.full_clean(
        exclude=[
            "dealership",
            "customer",
            "vehicle",
            "advisor",
            "visit",
            "import_batch",
            "created_by",
        ],
        validate_unique=False,
        validate_constraints=False,
    )
    ro.days_down = days_between(ro.opened_at, ro.closed_at) if ro.closed_at else 0


def _save_ro(ro: RepairOrder, **kwargs) -> None:
    clash = (
        RepairOrder.objects.for_dealership(ro.dealership_id)
        .filter(number=ro.number)
        .exclude(pk=ro.pk)
        .exists()
    )
    if clash:
        raise ValidationError({"number": [f"RO {ro.number} already exists in this store."]})
    try:
        with transaction.atomic():
            ro.save(**kwargs)
    except IntegrityError:  # a concurrent RO with the same number
        raise ValidationError(
            {"number": [f"RO {ro.number} already exists in this store."]}
        ) from None


def _booked_visit(customer, opened_at):
    """A booked visit of this customer around the RO's day: the RO is that visit."""
    return (
        ServiceVisit.objects.for_dealership(customer.dealership_id)
        .filter(
            customer=customer,
            status__in=[ServiceVisit.Status.BOOKED, ServiceVisit.Status.ARRIVED],
            scheduled_for__range=(opened_at - timedelta(days=3), opened_at + timedelta(days=3)),
        )
        .order_by("scheduled_for", "id")
        .first()
    )


@transaction.atomic
def open_repair_order(
    customer: Customer,
    vehicle: Vehicle,
    *,
    acting_user,
    number: str,
    complaint: str,
    opened_at=None,
    run_rules: bool = True,
    import_batch=None,
    **fields,
) -> RepairOrder:
    """Open (or record, from the DMS) an RO for the customer's vehicle. Its rules run as a
    background job once the transaction commits."""
    unknown = set(fields) - set(RO_FIELDS)
    if unknown:
        raise TypeError(f"unknown repair order fields: {sorted(unknown)}")
    if vehicle.customer_id != customer.pk or customer.dealership_id != vehicle.dealership_id:
        raise ValidationError({"vehicle": ["Pick a vehicle of this customer."]})
    ro = RepairOrder(
        dealership_id=customer.dealership_id,
        customer=customer,
        vehicle=vehicle,
        number=(number or "").strip(),
        complaint=(complaint or "").strip(),
        opened_at=opened_at or timezone.now(),
        created_by=acting_user,
        import_batch=import_batch,
        **fields,
    )
    if ro.advisor_id is None and acting_user is not None and acting_user.role in User.SERVICE_ROLES:
        ro.advisor = acting_user
    _check_ro(ro)
    ro.visit = _booked_visit(customer, ro.opened_at)
    _save_ro(ro, force_insert=True)
    if ro.visit is not None:
        status = ServiceVisit.Status.DONE if ro.closed_at else ServiceVisit.Status.ARRIVED
        ServiceVisit.objects.filter(pk=ro.visit_id).update(status=status)
    if ro.mileage_in and (vehicle.mileage or 0) < ro.mileage_in:
        Vehicle.objects.filter(pk=vehicle.pk).update(mileage=ro.mileage_in)
        vehicle.mileage = ro.mileage_in
    ensure_fleet(customer, acting_user=acting_user)
    customer_actions.record_event(
        customer,
        "ro_opened" if not ro.closed_at else "ro_recorded",
        actor=acting_user,
        at=ro.opened_at if import_batch else None,
        subject=f"RO {ro.number}: {vehicle}"[:120],
        changes={"complaint": ["", ro.complaint], "estimate": ["", f"${ro.total:,.2f}"]},
    )
    if ro.closed_at:
        _closed(ro)
    if run_rules:
        _after_save(ro, acting_user)
    return ro


@transaction.atomic
def update_repair_order(ro: RepairOrder, *, acting_user, **fields) -> dict:
    unknown = set(fields) - set(RO_FIELDS)
    if unknown:
        raise TypeError(f"unknown repair order fields: {sorted(unknown)}")
    ro = RepairOrder.objects.select_for_update().select_related("customer", "vehicle").get(pk=ro.pk)
    before = {f: getattr(ro, f) for f in RO_FIELDS}
    for name, value in fields.items():
        setattr(ro, name, value)
    _check_ro(ro)
    changes = {
        f: [_text(before[f]), _text(getattr(ro, f))]
        for f in RO_FIELDS
        if before[f] != getattr(ro, f)
    }
    if not changes:
        return {}
    _save_ro(ro)
    if "closed_at" in changes and ro.visit_id:
        ServiceVisit.objects.filter(pk=ro.visit_id).update(status=ServiceVisit.Status.DONE)
    closing = before["status"] != RepairOrder.Status.CLOSED and not ro.is_open
    customer_actions.record_event(
        ro.customer,
        "ro_closed" if closing else "ro_updated",
        actor=acting_user,
        subject=f"RO {ro.number}: {ro.vehicle}"[:120],
        changes=changes,
    )
    if closing:
        _closed(ro)
    _after_save(ro, acting_user)
    return changes


# --- opportunities ---------------------------------------------------------------------------


@transaction.atomic
def refer_by_hand(
    ro: RepairOrder, *, acting_user, note: str = "", notify: bool = True
) -> Opportunity:
    """The advisor's two taps from the RO: a "manual" opportunity, referred at once."""
    opp, _ = Opportunity.objects.get_or_create(
        repair_order=ro,
        rule=Opportunity.Rule.MANUAL,
        defaults={
            "dealership_id": ro.dealership_id,
            "customer_id": ro.customer_id,
            "vehicle_id": ro.vehicle_id,
            "reason": (note.strip() or f"{acting_user.display_name} sees a sales conversation")[
                :400
            ],
            "numbers": {"estimate": str(ro.total)},
            "raised_by": acting_user,
            "created_at": timezone.now(),
        },
    )
    return refer(opp, acting_user=acting_user, note=note, notify=notify)


@transaction.atomic
def dismiss(opportunity: Opportunity, *, acting_user, reason: str) -> Opportunity:
    opp = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if opp.referral_id:
        raise ValidationError({"reason": ["Sales has it: they close it on the referral."]})
    if not reason.strip():
        raise ValidationError({"reason": ["Say why (e.g. “just bought a new one elsewhere”)."]})
    opp.dismissed_at, opp.dismissed_by, opp.dismiss_reason = timezone.now(), acting_user, reason
    opp.save(update_fields=["dismissed_at", "dismissed_by", "dismiss_reason"])
    return opp


@transaction.atomic
def log_lane_up(opportunity: Opportunity, *, acting_user, notify: bool = True) -> Up:
    """The customer is in the service lane: the opportunity arrives on the floor as a
    "service drive" up, for whoever the referral went to."""
    opp = refer(opportunity, acting_user=acting_user, notify=notify)
    referral = Referral.objects.get(pk=opp.referral_id)
    if referral.ups.exists():
        raise ValidationError({"opportunity": ["Already on the floor."]})
    return floor_actions.log_up(
        Customer.objects.get(pk=opp.customer_id).dealership,
        acting_user=acting_user,
        source=Up.Source.SERVICE,
        referral=referral,
        interest=referral.interest[:200],
        notify=notify,
    )


# --- visits and specials ---------------------------------------------------------------------


@transaction.atomic
def book_visit(
    customer: Customer,
    *,
    acting_user,
    scheduled_for,
    vehicle: Vehicle | None = None,
    reason: str = "",
    special: ServiceSpecial | None = None,
    advisor=None,
    origin: str | None = None,
    deal_id=None,
    backdated: bool = False,
) -> ServiceVisit:
    """Book a service visit. Booked by someone in sales, it is prospecting through the
    service drive (origin "sales") and counts as sales-originated service business.
    `backdated` records a past booking (history from a DMS, the demo)."""
    if origin is None:
        origin = (
            ServiceVisit.Origin.SERVICE
            if acting_user.role in User.SERVICE_ROLES
            else ServiceVisit.Origin.SALES
        )
    errors = {}
    if vehicle is not None and vehicle.customer_id != customer.pk:
        errors["vehicle"] = ["Pick a vehicle of this customer."]
    if special is not None and special.dealership_id != customer.dealership_id:
        errors["special"] = ["Pick a special of this store."]
    if advisor is not None and advisor.dealership_id != customer.dealership_id:
        errors["advisor"] = ["Pick an advisor of this store."]
    past = scheduled_for < timezone.now() - timedelta(minutes=5)
    if past and not backdated and origin != ServiceVisit.Origin.FIRST_SERVICE:
        errors["scheduled_for"] = ["Pick a time in the future."]
    if errors:
        raise ValidationError(errors)
    visit = ServiceVisit(
        dealership_id=customer.dealership_id,
        customer=customer,
        vehicle=vehicle,
        origin=origin,
        scheduled_for=scheduled_for.replace(second=0, microsecond=0),
        reason=reason.strip()[:300],
        special=special,
        booked_by=acting_user,
        advisor=advisor or customer.service_advisor,
        deal_id=deal_id,
    )
    visit.full_clean(
        exclude=["dealership", "customer", "vehicle", "special", "booked_by", "advisor"],
        validate_constraints=False,
    )
    visit.save(force_insert=True)
    customer_actions.record_event(
        customer,
        "service_booked",
        actor=acting_user,
        subject=timezone.localtime(visit.scheduled_for).strftime("%b %-d, %Y %-I:%M %p"),
        changes={"booked": ["", visit.get_origin_display()]}
        | ({"special": ["", special.title]} if special else {}),
        reason=reason[:300],
    )
    return visit


@transaction.atomic
def set_visit_status(visit: ServiceVisit, status: str, *, acting_user) -> ServiceVisit:
    if status not in ServiceVisit.Status.values:
        raise ValidationError({"status": [f"Pick one of {', '.join(ServiceVisit.Status.values)}."]})
    visit = ServiceVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != status:
        old, visit.status = visit.status, status
        visit.save(update_fields=["status"])
        customer_actions.record_event(
            visit.customer,
            "service_visit",
            actor=acting_user,
            changes={"status": [old, status]},
        )
    return visit


SPECIAL_FIELDS = ("title", "description", "price", "starts_on", "ends_on", "active")


@transaction.atomic
def save_special(dealership, *, acting_user, special=None, **values) -> ServiceSpecial:
    if acting_user.role not in User.SERVICE_ROLES and not acting_user.is_manager:
        raise PermissionDenied("Service staff and managers keep the specials.")
    unknown = set(values) - set(SPECIAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown special fields: {sorted(unknown)}")
    special = special or ServiceSpecial(dealership=dealership, created_by=acting_user)
    for name, value in values.items():
        setattr(special, name, value)
    if special.ends_on and special.starts_on and special.ends_on < special.starts_on:
        raise ValidationError({"ends_on": ["The special ends after it starts."]})
    special.full_clean(exclude=["dealership", "created_by"])
    special.save()
    return special


# --- after a sale (floor.signals.vehicle_sold) -----------------------------------------------


def _advisor_for(customer: Customer):
    if customer.service_advisor_id and customer.service_advisor.is_active:
        return customer.service_advisor
    advisors = User.objects.filter(
        dealership_id=customer.dealership_id,
        is_active=True,
        deactivated_at__isnull=True,
        role=User.Role.SERVICE_ADVISOR,
    ).order_by("id")
    # The advisor with the fewest customers takes the new one.
    return min(advisors, key=lambda a: a.service_customers.count(), default=None)


LIVE_SALE = timedelta(minutes=10)


def welcome_to_service(*, deal, vehicle, actor, at=None, **_signal) -> ServiceVisit | None:
    """A sold vehicle: the customer gets a service advisor, the first service is booked and
    the advisor introduces themselves by email (only with the customer's email consent)."""
    customer = Customer.objects.select_related("service_advisor", "dealership").get(
        pk=deal.customer_id
    )
    advisor = _advisor_for(customer)
    if advisor is not None and customer.service_advisor_id != advisor.pk:
        customer_actions.assign(
            customer, Assignment.Role.SERVICE, advisor, acting_user=actor, reason="Bought a vehicle"
        )
    at = at or timezone.now()
    rules = service_settings(customer.dealership_id)
    when = timezone.localtime(at + timedelta(days=rules.first_service_days)).replace(
        hour=9, minute=0
    )
    if ServiceVisit.objects.filter(deal_id=deal.public_id).exists():
        return None
    visit = book_visit(
        customer,
        acting_user=actor,
        scheduled_for=when,
        vehicle=vehicle,
        reason=f"First service of the {vehicle}",
        advisor=advisor,
        origin=ServiceVisit.Origin.FIRST_SERVICE,
        deal_id=deal.public_id,
    )
    if timezone.now() - at < LIVE_SALE:
        enqueue(
            jobs.introduction_email,
            dealership=visit.dealership,
            title=f"Service introduction to {customer.display_name}",
            visit_pk=visit.pk,
        )
    else:
        # A sale recorded after the fact (history, the demo) books the visit but emails nobody.
        customer_actions.record_event(
            customer,
            "service_intro_held",
            actor=actor,
            subject="Service advisor introduction",
            reason="Not emailed: the sale was recorded after the fact",
        )
    return visit
