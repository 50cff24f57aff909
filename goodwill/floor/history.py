"""The floor's append-only history: every state change of the floor and of Fails is a
`FloorEvent` (who, when, whom, data). Reports read only these rows (`floor.reports`)."""

from django.utils import timezone

from goodwill.floor.models import FloorEvent


def record(
    dealership, verb, *, actor, up=None, deal=None, subject_user=None, data=None, reason="", at=None
) -> FloorEvent:
    return FloorEvent.objects.create(
        dealership_id=getattr(dealership, "pk", dealership),
        verb=verb,
        actor=actor,
        at=at or timezone.now(),
        up=up,
        deal=deal,
        subject_user=subject_user,
        data=data or {},
        reason=reason[:300],
    )
