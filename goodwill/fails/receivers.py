"""How fails answers the floor's signals (connected in `FailsConfig.ready`).

Fails sits above the floor: the floor closes deals and keeps appointments, fails works back
everyone who left without buying: every not-sold deal enters its queue, a missed appointment
starts the be-back cadence, and the rotation asks who has follow-ups overdue."""

from django.utils import timezone

from goodwill.fails import actions, cadence
from goodwill.fails.models import FollowUp
from goodwill.floor import signals


def queue_not_sold_deal(*, deal, actor, at=None, **_signal):
    actions.enter_queue(deal, actor=actor, at=at)


def start_be_back_cadence(*, appointment, **_signal):
    cadence.schedule(
        appointment.customer,
        FollowUp.Kind.BE_BACK,
        owner=appointment.salesperson,
        deal=appointment.deal,
    )


def overdue_owner_ids(*, dealership, user_ids, **_signal) -> set[int]:
    return set(
        FollowUp.objects.for_dealership(dealership)
        .filter(status=FollowUp.Status.DUE, owner_id__in=user_ids, due_at__lt=timezone.now())
        .values_list("owner_id", flat=True)
        .distinct()
    )


def connect() -> None:
    signals.deal_not_sold.connect(queue_not_sold_deal, dispatch_uid="fails.queue")
    signals.appointment_missed.connect(start_be_back_cadence, dispatch_uid="fails.be_back")
    signals.overdue_owners.connect(overdue_owner_ids, dispatch_uid="fails.overdue")
