"""API tokens and idempotency records."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from goodwill.dealerships.models import Dealership


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user bearer token. Only its SHA-256 is stored; the token is shown once."""

    EXPORT_EXCLUDE = ("token_hash",)  # the store's export never carries a credential

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["dealership", "user"], name="api_token_store_user")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name or 'token'} ({self.prefix}…)"  # never the secret

    @classmethod
    def issue(cls, user, *, name: str = "", expires_at=None) -> tuple["ApiToken", str]:
        secret = secrets.token_urlsafe(32)
        prefix = secret[:8]
        token = f"gw_{secret}"
        row = cls.objects.create(
            dealership_id=user.dealership_id,
            user=user,
            name=name,
            prefix=prefix,
            token_hash=hash_token(token),
            expires_at=expires_at,
        )
        return row, token

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    def revoke(self, *, by=None) -> bool:
        if self.revoked_at:
            return False
        self.revoked_at, self.revoked_by = timezone.now(), by
        self.save(update_fields=["revoked_at", "revoked_by"])
        return True

    @classmethod
    def revoke_all(cls, user) -> int:
        """Kept, not deleted: a revoked token still says whose it was and when it ended."""
        return cls.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


class IdempotencyRecord(models.Model):
    """The first answer to a create sent with an Idempotency-Key, replayed on retries."""

    EXPORT_SKIP = "a 24-hour replay cache of API answers, not the store's records"

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "user", "key"],
                name="%(app_label)s_%(class)s_one_per_key",
                violation_error_message="This Idempotency-Key was already used.",
            )
        ]
