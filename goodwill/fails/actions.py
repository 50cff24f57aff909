"""Every change in the Fails Department goes through here, each with its FloorEvent (the
manager's reports read fails and floor events from the same table)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from goodwill.customers import actions as customer_actions
from goodwill.customers.models import CustomerEvent
from goodwill.dealerships.models import User
from goodwill.fails import cadence
from goodwill.fails.models import FailsCase, FailsStep, FollowUp
from goodwill.floor import actions as floor_actions
from goodwill.floor.history import record
from goodwill.floor.models import Deal, FloorEvent
from goodwill.referrals.actions import send_referral

V = FloorEvent.Verb
CAN_WORK_FAILS = frozenset({User.Role.FAILS_SPECIALIST, *User.MANAGER_ROLES})


def enter_queue(deal: Deal, *, actor, at=None) -> FailsCase:
    """Called by floor.actions.mark_not_sold, inside its transaction."""
    at = at or timezone.now()
    case, created = FailsCase.objects.get_or_create(
        deal=deal,
        defaults={
            "dealership_id": deal.dealership_id,
            "customer_id": deal.customer_id,
            "reason": deal.not_sold_reason,
            "notes": deal.notes,
            "salesperson_id": deal.salesperson_id,
            "entered_at": at,
        },
    )
    if created:
        record(
            deal.dealership_id,
            V.FAILS_ENTERED,
            actor=actor,
            deal=deal,
            subject_user=deal.salesperson,
            data={"reason": deal.not_sold_reason},
            at=at,
        )
    return case


def _check_worker(user, case) -> None:
    if user.dealership_id != case.dealership_id or user.role not in CAN_WORK_FAILS:
        raise ValidationError({"__all__": ["Only a fails specialist or a manager can do this."]})


def _lock(case) -> FailsCase:
    # Only inner joins here: after waiting for a lock PostgreSQL re-reads the locked row but
    # not an outer-joined one (claimed_by would come back empty), so that is read after.
    return FailsCase.objects.select_for_update().select_related("deal", "customer").get(pk=case.pk)


@transaction.atomic
def claim(case: FailsCase, *, specialist, at=None) -> FailsCase:
    """Only one specialist can hold a case: the row lock makes a second claim wait, then see
    the first and be refused."""
    _check_worker(specialist, case)
    case = _lock(case)
    if case.claimed_by_id:
        who = "you" if case.claimed_by_id == specialist.pk else case.claimed_by.display_name
        raise ValidationError({"__all__": [f"Already claimed by {who}."]})
    if not case.is_open:
        raise ValidationError({"__all__": [f"This case is closed ({case.get_status_display()})."]})
    at = at or timezone.now()
    case.claimed_by, case.claimed_at, case.status = specialist, at, FailsCase.Status.CLAIMED
    case.save(update_fields=["claimed_by", "claimed_at", "status"])
    record(case.dealership_id, V.FAILS_CLAIMED, actor=specialist, deal=case.deal, at=at)
    customer_actions.record_event(
        case.customer,
        CustomerEvent.Verb.FAILS_CLAIMED,
        actor=specialist,
        subject=specialist.display_name,
        at=at,
    )
    cadence.schedule(
        case.customer, FollowUp.Kind.FAILS, owner=specialist, deal=case.deal, case=case, start=at
    )
    return case


def _check_holder(case, user) -> None:
    _check_worker(user, case)
    if not case.is_open:
        raise ValidationError({"__all__": [f"This case is closed ({case.get_status_display()})."]})
    if case.claimed_by_id != user.pk and not user.is_manager:
        raise ValidationError({"__all__": ["Claim the case first."]})


@transaction.atomic
def add_step(
    case: FailsCase,
    kind: str,
    *,
    actor,
    notes: str = "",
    appointment_at=None,
    pro=None,
    interest: str = "",
    at=None,
) -> FailsStep:
    """Record work on a case. Save-a-deal may come before the claim (the desk's first try);
    every other step needs the case to be yours. A be-back step sets the appointment."""
    if kind not in FailsStep.Kind.values:
        raise ValidationError({"kind": [f"Pick one of {', '.join(FailsStep.Kind.values)}."]})
    case = _lock(case)
    if kind == FailsStep.Kind.SAVE_A_DEAL:
        _check_worker(actor, case)
        if not case.is_open:
            raise ValidationError({"__all__": ["This case is closed."]})
    else:
        _check_holder(case, actor)
    appointment = referral = None
    if kind == FailsStep.Kind.REFERRAL_OUT:
        if pro is None:
            raise ValidationError({"pro": ["Pick the pro at the other store."]})
        # The referrals app checks the pro, the share consent and what may leave the store.
        referral = send_referral(
            case.customer,
            acting_user=actor,
            interest=interest or case.deal.up.interest or "A vehicle we could not offer",
            pro=pro,
            note=notes,
            at=at,
        )
    elif kind == FailsStep.Kind.BE_BACK:
        if appointment_at is None:
            raise ValidationError({"appointment_at": ["When is the customer coming back?"]})
        appointment = floor_actions.set_appointment(
            case.customer,
            salesperson=actor,
            acting_user=actor,
            starts_at=appointment_at,
            purpose="Be-back (Fails Department)",
            deal=case.deal,
        )
    elif not notes.strip() and kind != FailsStep.Kind.SAVE_A_DEAL:
        raise ValidationError({"notes": ["Say what happened."]})
    return _write_step(
        case, kind, actor=actor, notes=notes, appointment=appointment, referral=referral, at=at
    )


def _write_step(
    case, kind, *, actor, notes="", appointment=None, referral=None, at=None
) -> FailsStep:
    at = at or timezone.now()
    step = FailsStep.objects.create(
        dealership_id=case.dealership_id,
        case=case,
        kind=kind,
        actor=actor,
        at=at,
        notes=notes,
        appointment=appointment,
        referral=referral,
    )
    record(
        case.dealership_id,
        V.FAILS_STEP,
        actor=actor,
        deal=case.deal,
        data={"kind": kind},
        reason=notes,
        at=at,
    )
    customer_actions.record_event(
        case.customer,
        CustomerEvent.Verb.FAILS_STEP,
        actor=actor,
        subject=FailsStep.Kind(kind).label,
        reason=notes[:300],
        at=at,
    )
    return step


CLOSE_VERBS = {
    FailsCase.Status.RECOVERED: V.FAILS_RECOVERED,
    FailsCase.Status.REFERRED: V.FAILS_REFERRED,
    FailsCase.Status.LOST: V.FAILS_LOST,
}


@transaction.atomic
def close(
    case: FailsCase,
    status: str,
    *,
    actor,
    reason: str = "",
    vehicle: str = "",
    vin: str = "",
    gross=None,
    at=None,
) -> FailsCase:
    """Recovered (sold: the deal becomes a sale with the specialist's credit), referred out,
    or lost with a reason. Pending follow-ups of the case are cancelled."""
    if status not in CLOSE_VERBS:
        raise ValidationError({"status": ["Close as recovered, referred or lost."]})
    case = _lock(case)
    _check_holder(case, actor)
    if status == FailsCase.Status.LOST and not reason.strip():
        raise ValidationError({"reason": ["Why was it lost?"]})
    at = at or timezone.now()
    if status == FailsCase.Status.RECOVERED:
        specialist = case.claimed_by or actor
        floor_actions.mark_recovered(
            case.deal, specialist=specialist, vehicle=vehicle, vin=vin, gross=gross, at=at
        )
    case.status, case.closed_at, case.close_reason = status, at, reason.strip()
    case.save(update_fields=["status", "closed_at", "close_reason"])
    FollowUp.objects.filter(case=case, status=FollowUp.Status.DUE).update(
        status=FollowUp.Status.CANCELLED
    )
    record(
        case.dealership_id,
        CLOSE_VERBS[status],
        actor=actor,
        deal=case.deal,
        subject_user=case.claimed_by,
        data={
            "reason": case.reason,
            "hours": round((at - case.entered_at).total_seconds() / 3600, 1),
        },
        reason=reason,
        at=at,
    )
    customer_actions.record_event(
        case.customer,
        CustomerEvent.Verb(f"fails_{status}"),
        actor=actor,
        subject=FailsCase.Status(status).label,
        reason=reason,
        at=at,
    )
    return case
