"""A staff member switched off loses every API token at once and for good: the rows are
revoked (kept, saying whose they were and when they ended), so a reactivation revives none."""

from django.dispatch import receiver
from django.utils import timezone

from goodwill.api.models import ApiToken
from goodwill.dealerships.signals import staff_deactivating


@receiver(staff_deactivating, dispatch_uid="goodwill.api.revoke_tokens")
def revoke_tokens(sender, user, acting_user=None, **kwargs):
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(),
        revoked_by=acting_user,
    )
    return None  # hands over no records
