from django.db.models import Q
from django.utils import timezone
from ninja.security import HttpBearer

from goodwill.api.models import hash_token
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
    one query.

    Asked from the user's side with a slice rather than `ApiToken…select_related(
    "user__dealership").first()`: the same SQL less a token row to build and no ORDER BY,
    2,671 Python calls per lookup instead of 3,771 (a create is ~13,000). The token's
    conditions sit in one `filter()` so that they all apply to the same token row."""
    users = User.objects.select_related("dealership").filter(
        Q(api_tokens__expires_at__isnull=True) | Q(api_tokens__expires_at__gt=timezone.now()),
        api_tokens__token_hash=hash_token(token),
        api_tokens__revoked_at__isnull=True,
        is_active=True,
    )[:1]
    return next(iter(users), None)
