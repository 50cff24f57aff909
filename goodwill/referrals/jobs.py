"""Background work of referrals, run by `goodwill worker`."""

from django.utils import timezone

from goodwill.referrals import actions
from goodwill.referrals.models import Referral


def remind_unacknowledged(now=None, *, batch: int = 200) -> int:
    """Referrals nobody acknowledged within the receiving store's time limit: the pro and
    their managers get one reminder. Safe to run often and from two workers (row locks)."""
    now = now or timezone.now()
    due = (
        Referral.objects.filter(
            status=Referral.Status.SENT, reminded_at__isnull=True, ack_due_at__lte=now
        )
        .order_by("ack_due_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    reminded = 0
    for pk in list(due):
        actions.remind(Referral(pk=pk), at=now)
        reminded += 1
    return reminded


PERIODIC_JOBS = [(remind_unacknowledged, 300)]
