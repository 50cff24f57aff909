from django.db.models import Q
from django.utils import timezone
from ninja.security import HttpBearer

from goodwill.api.models import ApiToken, hash_token
from goodwill.dealerships.models import User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gw_…`. The token's user becomes request.user, so the API uses
    the same scoped querysets (`visible_to(request.user)`) as the pages."""

    def authenticate(self, request, token):
        user = token_user(token)
        if user is None:
            return None
        request.user = user
        request.dealership = user.dealership
        # Times in answers in the store's zone (the middleware switches it off afterwards).
        timezone.activate(user.dealership.zone)
        return user


def token_user(token: str) -> User | None:
    """The active user (with their store) holding this unrevoked, unexpired token, or None:
    one query, the token joined to its user and the user's store."""
    row = (
        ApiToken.objects.select_related("user__dealership")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .first()
    )
    return row.user if row else None
