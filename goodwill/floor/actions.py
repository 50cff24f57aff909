"""Every change on the floor goes through here: one transaction, the change, its FloorEvent
and, where the customer is concerned, a line in the customer's history.

Rotation writes (take, pass, override) first lock the store's FloorSettings row, so two
people pressing "take" at the same moment are served one after the other: the second sees
the first's result and is refused."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.audit import actions as audit
from goodwill.customers import actions as customer_actions
from goodwill.customers import duplicates as duplicate_rule
from goodwill.customers.models import Assignment, Customer, CustomerEvent
from goodwill.floor import referral_links, rotation, signals
from goodwill.floor.credit import write_credit_lines
from goodwill.floor.history import record
from goodwill.floor.models import (
    Appointment,
    ClockIn,
    CreditPolicy,
    Deal,
    FloorEvent,
    FloorSettings,
    TurnOver,
    Up,
)
from goodwill.outreach.signals import experience_completed

V = FloorEvent.Verb


def floor_settings(dealership) -> FloorSettings:
    rules, _ = FloorSettings.objects.get_or_create(dealership=dealership)
    return rules


def credit_policy(dealership) -> CreditPolicy:
    policy, created = CreditPolicy.objects.get_or_create(dealership=dealership)
    if created:
        policy.refresh_from_db()  # the defaults as Decimals, not the ints they were given as
    return policy


def _lock_rotation(dealership) -> FloorSettings:
    floor_settings(dealership)
    return FloorSettings.objects.select_for_update().get(dealership=dealership)


def _check_staff(user, dealership, field: str, *, sales=True) -> None:
    if (
        user is None
        or user.dealership_id != dealership.pk
        or not user.is_active
        or user.deactivated_at
        or (sales and user.role not in user.SALES_ROLES)
    ):
        raise ValidationError({field: ["Pick an active salesperson of this store."]})


# --- clock in / out --------------------------------------------------------------------------


@transaction.atomic
def clock_in(user, *, acting_user=None, at=None) -> ClockIn:
    """Join the floor at the back of the line."""
    _check_staff(user, user.dealership, "user")
    at = at or timezone.now()
    try:
        with transaction.atomic():
            shift = ClockIn.objects.create(
                dealership_id=user.dealership_id,
                user=user,
                clocked_in_at=at,
                queued_at=at,
            )
    except IntegrityError:
        raise ValidationError({"user": [f"{user.display_name} is already clocked in."]}) from None
    record(user.dealership_id, V.CLOCKED_IN, actor=acting_user or user, subject_user=user, at=at)
    return shift


@transaction.atomic
def clock_out(user, *, acting_user=None, at=None) -> ClockIn:
    shift = (
        ClockIn.objects.select_for_update().filter(user=user, clocked_out_at__isnull=True).first()
    )
    if shift is None:
        raise ValidationError({"user": [f"{user.display_name} is not clocked in."]})
    shift.clocked_out_at = at or timezone.now()
    shift.save(update_fields=["clocked_out_at"])
    record(
        user.dealership_id,
        V.CLOCKED_OUT,
        actor=acting_user or user,
        subject_user=user,
        at=shift.clocked_out_at,
    )
    return shift


# --- ups ------------------------------------------------------------------------------------


@transaction.atomic
def log_up(
    dealership,
    *,
    acting_user,
    source: str,
    customer: Customer | None = None,
    new_customer: dict | None = None,
    interest: str = "",
    notes: str = "",
    designated_to=None,
    external_id: str = "",
    referral=None,
    at=None,
    notify: bool = True,
    duplicates: str = duplicate_rule.SAME_CONTACT,
    confirm_new: bool = False,
) -> Up:
    """Log an arriving customer. `customer` is one found by search; otherwise `new_customer`
    (first_name, last_name, phone, email) is created through the customers app, under its
    duplicate rule (`duplicates`, `confirm_new`). A be-back goes to the salesperson who had
    the customer; a referral to its recipient."""
    if source not in Up.Source.values:
        raise ValidationError({"source": [f"Pick one of {', '.join(Up.Source.values)}."]})
    if referral is not None:
        customer, designated_to = referral_links.customer_and_recipient(
            dealership, referral, acting_user=acting_user
        )
        # A service-drive up stays one (walked over from the lane); the referral still
        # routes it and credits the advisor who raised it.
        if source != Up.Source.SERVICE:
            source = Up.Source.REFERRAL
        interest = interest or referral.interest[:200]
    if customer is not None:
        # Re-read: the caller's copy may predate an assignment (be-backs need the current one).
        customer = (
            Customer.objects.for_dealership(dealership)
            .select_related("salesperson")
            .filter(pk=customer.pk)
            .first()
        )
        if customer is None:
            raise ValidationError({"customer": ["No such customer in this store."]})
    if referral is None:
        pending = referral_links.open_referral_for(
            dealership, customer, (new_customer or {}).get("phone", "")
        )
        if (
            pending is not None
            and source == Up.Source.SERVICE
            and pending.kind == pending.Kind.INTERNAL
        ):
            # The customer service referred to sales is in the lane: this is that referral's
            # up (it goes to whoever the referral was sent to), not a refusal.
            return log_up(
                dealership,
                acting_user=acting_user,
                source=source,
                referral=pending,
                interest=interest,
                notes=notes,
                at=at,
                notify=notify,
            )
        if pending is not None:
            # On "referral", the field the board opens and shows next to the referral list.
            raise ValidationError({"referral": [referral_links.relog_message(pending)]})
    if customer is None:
        data = dict(new_customer or {})
        phone, email = data.pop("phone", ""), data.pop("email", "")
        fields = {k: v for k, v in data.items() if v}
        if not (fields.get("first_name") or fields.get("last_name")):
            raise ValidationError({"first_name": ["Give the customer's name (first is enough)."]})
        customer = customer_actions.create_customer(
            dealership,
            acting_user=acting_user,
            phones={"mobile": phone} if phone else None,
            emails={"personal": email} if email else None,
            reason=f"{Up.Source(source).label} up",
            duplicates=duplicates,
            confirm_new=confirm_new,
            **fields,
        )
    if source == Up.Source.BE_BACK and designated_to is None:
        designated_to = customer.salesperson
    if designated_to is not None and designated_to.dealership_id != dealership.pk:
        raise ValidationError({"designated_to": ["Pick a salesperson of this store."]})
    at = at or timezone.now()
    up = Up(
        dealership=dealership,
        customer=customer,
        source=source,
        interest=interest,
        notes=notes,
        designated_to=designated_to,
        logged_by=acting_user,
        logged_at=at,
        external_id=external_id,
        referral=referral,
    )
    up.full_clean(exclude=["dealership", "customer", "designated_to", "logged_by"])
    try:
        with transaction.atomic():
            up.save(force_insert=True)
    except IntegrityError:
        if referral is not None:
            raise ValidationError({"referral": ["This referral was already logged."]}) from None
        raise ValidationError({"external_id": ["This lead was already logged as an up."]}) from None
    if referral is not None:
        referral_links.mark_contacted(referral, acting_user=acting_user, at=at, notify=notify)
    record(
        dealership,
        V.UP_LOGGED,
        actor=acting_user,
        up=up,
        subject_user=designated_to,
        data={"source": source},
        at=at,
    )
    customer_actions.record_event(
        customer,
        CustomerEvent.Verb.UP_LOGGED,
        actor=acting_user,
        subject=up.get_source_display(),
        at=at,
    )
    return up


def _start_deal(up: Up, user, *, acting_user, at, verb, reason="") -> Deal:
    up.salesperson, up.status, up.taken_at = user, Up.Status.WORKING, at
    up.save(update_fields=["salesperson", "status", "taken_at"])
    ClockIn.objects.filter(user=user, clocked_out_at__isnull=True).update(queued_at=at, with_up=up)
    deal = Deal.objects.create(
        dealership_id=up.dealership_id,
        up=up,
        customer=up.customer,
        salesperson=user,
        opened_at=at,
    )
    record(
        up.dealership_id,
        verb,
        actor=acting_user,
        up=up,
        deal=deal,
        subject_user=user,
        data={"source": up.source},
        reason=reason,
        at=at,
    )
    customer = up.customer
    customer_actions.record_event(
        customer, verb, actor=acting_user, subject=user.display_name, reason=reason, at=at
    )
    if customer.salesperson_id is None:
        customer_actions.assign(
            customer, Assignment.Role.SALES, user, acting_user=acting_user, reason="Took the up"
        )
    return deal


def _lock_waiting_up(up: Up) -> Up:
    up = Up.objects.select_for_update().select_related("customer").get(pk=up.pk)
    if up.status != Up.Status.WAITING:
        taker = up.salesperson.display_name if up.salesperson_id else "someone"
        raise ValidationError({"up": [f"{taker} already has this up."]})
    return up


@transaction.atomic
def take_up(up: Up, *, user, at=None) -> Deal:
    """`user` takes the up if it is theirs: designated to them, or they are next in line."""
    rules = _lock_rotation(up.dealership)
    up = _lock_waiting_up(up)
    expected = rotation.who_takes(up, rotation.line(up.dealership, rules))
    if expected is None:
        raise ValidationError({"up": ["Nobody is on the floor: clock in first."]})
    if expected.pk != user.pk:
        raise ValidationError(
            {"up": [f"This up is {expected.display_name}'s. A manager can assign it."]}
        )
    return _start_deal(up, user, acting_user=user, at=at or timezone.now(), verb=V.UP_TAKEN)


@transaction.atomic
def assign_up(up: Up, *, to_user, acting_user, reason: str, at=None) -> Deal:
    """A manager's override: the up goes to `to_user`, out of turn, with the reason."""
    if not acting_user.is_manager:
        raise PermissionDenied("Only a manager can assign an up out of turn.")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the up goes out of turn."]})
    _check_staff(to_user, up.dealership, "to_user")
    rules = _lock_rotation(up.dealership)
    up = _lock_waiting_up(up)
    expected = rotation.who_takes(up, rotation.line(up.dealership, rules))
    return _start_deal(
        up,
        to_user,
        acting_user=acting_user,
        at=at or timezone.now(),
        verb=V.UP_OVERRIDDEN,
        reason=f"{reason.strip()} (next was {expected.display_name if expected else 'nobody'})",
    )


@transaction.atomic
def pass_turn(dealership, *, user, acting_user, reason: str = "", at=None) -> ClockIn:
    """Skip: `user` gives up their place and goes to the back of the line."""
    _lock_rotation(dealership)
    shift = (
        ClockIn.objects.select_for_update()
        .filter(dealership=dealership, user=user, clocked_out_at__isnull=True)
        .first()
    )
    if shift is None:
        raise ValidationError({"user": [f"{user.display_name} is not on the floor."]})
    if acting_user.pk != user.pk and not acting_user.is_manager:
        raise ValidationError({"user": ["Only a manager can move someone else in line."]})
    shift.queued_at = at or timezone.now()
    shift.save(update_fields=["queued_at"])
    record(
        dealership,
        V.UP_SKIPPED,
        actor=acting_user,
        subject_user=user,
        reason=reason,
        at=shift.queued_at,
    )
    return shift


# --- deals ----------------------------------------------------------------------------------


def _lock_open_deal(deal: Deal) -> Deal:
    deal = Deal.objects.select_for_update().select_related("up", "customer").get(pk=deal.pk)
    if deal.outcome != Deal.Outcome.OPEN:
        raise ValidationError({"deal": [f"This deal is already {deal.get_outcome_display()}."]})
    return deal


@transaction.atomic
def turn_over(deal: Deal, *, to_user, to_role: str, acting_user, reason: str = "", at=None):
    """One tap: the customer goes to a manager, a closer or another salesperson."""
    deal = _lock_open_deal(deal)
    if to_role not in TurnOver.ToRole.values:
        raise ValidationError({"to_role": [f"Pick one of {', '.join(TurnOver.ToRole.values)}."]})
    _check_staff(to_user, deal.dealership, "to_user", sales=False)
    last = deal.turnovers.order_by("-at", "-id").first()
    from_user = last.to_user if last else deal.salesperson
    if to_user.pk == from_user.pk:
        raise ValidationError({"to_user": ["T.O. to someone else than who has the customer."]})
    at = at or timezone.now()
    to = TurnOver.objects.create(
        dealership_id=deal.dealership_id,
        deal=deal,
        from_user=from_user,
        to_user=to_user,
        to_role=to_role,
        reason=reason,
        at=at,
    )
    record(
        deal.dealership_id,
        V.TURNED_OVER,
        actor=acting_user,
        up=deal.up,
        deal=deal,
        subject_user=to_user,
        data={"from": from_user.display_name, "to_role": to_role},
        reason=reason,
        at=at,
    )
    customer_actions.record_event(
        deal.customer,
        CustomerEvent.Verb.TURNED_OVER,
        actor=acting_user,
        subject=f"{from_user.display_name} → {to_user.display_name}",
        reason=reason,
        at=at,
    )
    return to


def _close(deal: Deal, outcome: str, *, at) -> None:
    deal.outcome, deal.closed_at = outcome, at
    Up.objects.filter(pk=deal.up_id).update(status=Up.Status.CLOSED)
    ClockIn.objects.filter(with_up_id=deal.up_id).update(with_up=None)
    deal.turnovers.filter(result=TurnOver.Result.PENDING).update(result=outcome)


@transaction.atomic
def mark_sold(
    deal: Deal,
    *,
    acting_user,
    vehicle: str,
    vin: str = "",
    gross: Decimal | None = None,
    closer=None,
    notes: str = "",
    at=None,
) -> Deal:
    """Sold on the floor. The closer is whoever last had the customer after a T.O. unless
    named; the credit ledger is written at once from the store's policy."""
    deal = _lock_open_deal(deal)
    if not vehicle.strip():
        raise ValidationError({"vehicle": ["Which vehicle was sold?"]})
    if closer is None:
        last = deal.turnovers.order_by("-at", "-id").first()
        closer = last.to_user if last else None
    elif closer.dealership_id != deal.dealership_id:
        raise ValidationError({"closer": ["Pick a staff member of this store."]})
    at = at or timezone.now()
    deal.vehicle, deal.vin, deal.gross, deal.closer = vehicle.strip(), vin.strip(), gross, closer
    if notes:
        deal.notes = notes
    deal.full_clean(exclude=["dealership", "up", "customer", "salesperson", "closer"])
    _close(deal, Deal.Outcome.SOLD, at=at)
    deal.save(update_fields=["outcome", "closed_at", "vehicle", "vin", "gross", "closer", "notes"])
    record(
        deal.dealership_id,
        V.SOLD,
        actor=acting_user,
        up=deal.up,
        deal=deal,
        subject_user=closer or deal.salesperson,
        data={"vehicle": deal.vehicle, "gross": str(gross) if gross is not None else None},
        at=at,
    )
    customer_actions.record_event(
        deal.customer, CustomerEvent.Verb.SOLD, actor=acting_user, subject=deal.vehicle, at=at
    )
    write_credit_lines(deal, credit_policy(deal.dealership), at=at)
    referral_links.mark_won(deal, acting_user=acting_user, at=at)
    _hand_over_vehicle(deal, acting_user=acting_user, at=at)
    return deal


def _hand_over_vehicle(deal: Deal, *, acting_user, at) -> None:
    """The sold vehicle becomes the customer's (moved with its history when the store knew
    its VIN on a previous owner); apps above the floor (service) hear of it."""
    vehicle, previous = customer_actions.take_vehicle(
        deal.customer,
        acting_user=acting_user,
        vin=deal.vin,
        description=deal.vehicle,
        reason=f"Bought: {deal.vehicle}",
    )
    signals.vehicle_sold.send(
        sender=Deal,
        deal=deal,
        vehicle=vehicle,
        previous_owner=previous,
        actor=acting_user,
        at=at,
    )
    # Worth asking the customer how we did (the feedback app schedules the survey).
    experience_completed.send(
        sender=Deal,
        customer=deal.customer,
        department="sales",
        staff=deal.recovered_by or deal.closer or deal.salesperson,
        key=f"deal:{deal.public_id}",
        at=at,
        subject=f"your {deal.vehicle}",
    )


@transaction.atomic
def mark_not_sold(deal: Deal, *, acting_user, reason: str, notes: str = "", at=None) -> Deal:
    """Not sold, with a reason from the store's list. The deal enters the fails queue."""
    deal = _lock_open_deal(deal)
    rules = floor_settings(deal.dealership)
    if reason not in rules.reasons():
        raise ValidationError({"reason": [f"Pick one of: {'; '.join(rules.reasons())}."]})
    at = at or timezone.now()
    deal.not_sold_reason, deal.notes = reason, notes or deal.notes
    _close(deal, Deal.Outcome.NOT_SOLD, at=at)
    deal.save(update_fields=["outcome", "closed_at", "not_sold_reason", "notes"])
    record(
        deal.dealership_id,
        V.NOT_SOLD,
        actor=acting_user,
        up=deal.up,
        deal=deal,
        subject_user=deal.salesperson,
        data={"reason": reason},
        reason=notes,
        at=at,
    )
    customer_actions.record_event(
        deal.customer,
        CustomerEvent.Verb.NOT_SOLD,
        actor=acting_user,
        subject=reason,
        reason=notes,
        at=at,
    )
    # Every not-sold deal enters the Fails queue (fails receives this in the transaction).
    signals.deal_not_sold.send(sender=Deal, deal=deal, actor=acting_user, at=at)
    return deal


@transaction.atomic
def mark_recovered(
    deal: Deal, *, specialist, vehicle: str, vin: str = "", gross=None, at=None
) -> Deal:
    """A not-sold deal the Fails Department turned into a sale. The original salesperson
    stays the upper and keeps the share the policy gives; the specialist gets theirs."""
    deal = Deal.objects.select_for_update().select_related("up", "customer").get(pk=deal.pk)
    if deal.outcome != Deal.Outcome.NOT_SOLD:
        raise ValidationError({"deal": ["Only a not-sold deal can be recovered."]})
    if not vehicle.strip():
        raise ValidationError({"vehicle": ["Which vehicle was sold?"]})
    at = at or timezone.now()
    deal.outcome, deal.closed_at, deal.recovered_by = Deal.Outcome.SOLD, at, specialist
    deal.vehicle, deal.vin, deal.gross = vehicle.strip(), vin.strip(), gross
    deal.full_clean(exclude=["dealership", "up", "customer", "salesperson", "closer"])
    deal.save(update_fields=["outcome", "closed_at", "recovered_by", "vehicle", "vin", "gross"])
    record(
        deal.dealership_id,
        V.SOLD,
        actor=specialist,
        up=deal.up,
        deal=deal,
        subject_user=specialist,
        data={
            "vehicle": deal.vehicle,
            "gross": str(gross) if gross is not None else None,
            "recovered": True,
        },
        at=at,
    )
    customer_actions.record_event(
        deal.customer,
        CustomerEvent.Verb.SOLD,
        actor=specialist,
        subject=deal.vehicle,
        reason="Fails recovery",
        at=at,
    )
    write_credit_lines(deal, credit_policy(deal.dealership), at=at)
    referral_links.mark_won(deal, acting_user=specialist, at=at)
    _hand_over_vehicle(deal, acting_user=specialist, at=at)
    return deal


# --- appointments ---------------------------------------------------------------------------


@transaction.atomic
def set_appointment(
    customer,
    *,
    salesperson,
    acting_user,
    starts_at,
    minutes: int = 60,
    purpose: str = "",
    deal=None,
) -> Appointment:
    _check_staff(salesperson, customer.dealership, "salesperson")
    # Appointments are made to the minute; sub-second parts would only make two copies of
    # the same time print differently (invites, API replays).
    starts_at = starts_at.replace(second=0, microsecond=0)
    if starts_at < timezone.now() - timezone.timedelta(minutes=5):
        raise ValidationError({"starts_at": ["Pick a time in the future."]})
    appointment = Appointment(
        dealership_id=customer.dealership_id,
        customer=customer,
        deal=deal,
        salesperson=salesperson,
        set_by=acting_user,
        starts_at=starts_at,
        minutes=minutes,
        purpose=purpose,
    )
    appointment.full_clean(exclude=["dealership", "customer", "deal", "salesperson", "set_by"])
    appointment.save(force_insert=True)
    record(
        customer.dealership_id,
        V.APPOINTMENT_SET,
        actor=acting_user,
        deal=deal,
        subject_user=salesperson,
        data={"starts_at": starts_at.isoformat(), "appointment": str(appointment.public_id)},
    )
    customer_actions.record_event(
        customer,
        CustomerEvent.Verb.APPOINTMENT_SET,
        actor=acting_user,
        subject=timezone.localtime(starts_at).strftime("%b %-d, %Y %-I:%M %p"),
        reason=purpose,
    )
    return appointment


@transaction.atomic
def set_appointment_status(appointment: Appointment, status: str, *, acting_user) -> Appointment:
    if status not in Appointment.Status.values:
        raise ValidationError({"status": [f"Pick one of {', '.join(Appointment.Status.values)}."]})
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    old = appointment.status
    if old == status:
        return appointment
    appointment.status = status
    appointment.sequence += 1
    appointment.save(update_fields=["status", "sequence"])
    record(
        appointment.dealership_id,
        V.APPOINTMENT_UPDATED,
        actor=acting_user,
        deal=appointment.deal,
        subject_user=appointment.salesperson,
        data={"status": [old, status], "appointment": str(appointment.public_id)},
    )
    if status == Appointment.Status.NO_SHOW:
        # A missed visit starts the gentle be-back cadence (consent and weekly cap apply).
        signals.appointment_missed.send(sender=Appointment, appointment=appointment)
    return appointment


# --- store policy ---------------------------------------------------------------------------


@transaction.atomic
def update_credit_policy(dealership, *, acting_user, **shares) -> CreditPolicy:
    if not acting_user.is_manager:
        raise ValidationError({"__all__": ["Only a manager can change the credit policy."]})
    policy = CreditPolicy.objects.select_for_update().get(pk=credit_policy(dealership).pk)
    changes = {}
    for field, value in shares.items():
        old = getattr(policy, field)
        if Decimal(value) != old:
            changes[field] = [str(old), str(value)]
            setattr(policy, field, Decimal(value))
    policy.full_clean(exclude=["dealership"])
    if policy.upper_share + policy.closer_share != 100:
        raise ValidationError({"closer_share": ["Upper and closer shares must add up to 100."]})
    if policy.referrer_share + policy.appointment_setter_share > 100:
        raise ValidationError({"referrer_share": ["Off-the-top shares cannot pass 100."]})
    policy.save()
    if changes:
        record(dealership, V.POLICY_CHANGED, actor=acting_user, data=changes)
        audit.record(acting_user, audit.Verb.SETTINGS_CHANGED, settings="credit", changes=changes)
    return policy


SETTINGS_FIELDS = (
    "skip_with_customer",
    "skip_overdue_follow_ups",
    "tracks_gross",
    "not_sold_reasons",
)


@transaction.atomic
def update_floor_settings(dealership, *, acting_user, **values) -> FloorSettings:
    if not acting_user.is_manager:
        raise ValidationError({"__all__": ["Only a manager can change the floor settings."]})
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown floor settings: {sorted(unknown)}")
    rules = _lock_rotation(dealership)
    changes = {}
    for field, value in values.items():
        if getattr(rules, field) != value:
            changes[field] = [str(getattr(rules, field)), str(value)]
            setattr(rules, field, value)
    rules.full_clean(exclude=["dealership"])
    rules.save()
    if changes:
        record(dealership, V.SETTINGS_CHANGED, actor=acting_user, data=changes)
        audit.record(acting_user, audit.Verb.SETTINGS_CHANGED, settings="floor", changes=changes)
    return rules
