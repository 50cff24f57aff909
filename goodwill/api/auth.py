from django.db.models import Q
from ninja.security import HttpBearer

from goodwill.api.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gw_…`. The token's user becomes request.user, so the API uses
    the same scoped querysets (`visible_to(request.user)`) as the pages."""

    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user__dealership")
            .filter(Q(revoked_at__isnull=True), token_hash=hash_token(token), user__is_active=True)
            .first()
        )
        if row is None or row.user.dealership_id is None:
            return None
        request.user = row.user
        request.dealership = row.user.dealership
        return row.user
