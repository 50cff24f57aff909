"""The audit log: who read, searched, exported, imported, merged, shared or changed what.

Append-only, like the history tables, but about people's access rather than a record's
life: a dealership's auditor (the FTC Safeguards Rule asks for an audit trail) reads it on
`/audit/` and through `GET /api/v1/audit`. The model refuses updates and deletes; on
PostgreSQL a trigger refuses them in the database too (migration `0001_initial`)."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from goodwill.core.tenancy import TenantQuerySet

APPEND_ONLY = "The audit log is append-only: entries are never changed or deleted."


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class AppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditQuerySet(TenantQuerySet):
    def visible_to(self, user):
        """The store's dealer admins read its log; nobody else reads any of it."""
        if not getattr(user, "is_dealer_admin", False):
            return self.none()
        return self.for_dealership(user.dealership_id)

    def matching(self, *, user=None, verb="", since=None, until=None, customer=None):
        """The filters of the log page and the API, written once. `since`/`until` are
        dates, read in the current time zone (the store's) and both included; `user` and
        `customer` are public ids."""
        qs = self
        if user:
            qs = qs.filter(user__public_id=user)
        if verb:
            qs = qs.filter(verb=verb)
        if since:
            qs = qs.filter(at__gte=_start_of(since))
        if until:
            qs = qs.filter(at__lt=_start_of(until + timedelta(days=1)))
        if customer:
            qs = qs.filter(object_kind="customer", object_id=str(customer))
        return qs

    def update(self, **kwargs):
        raise AppendOnly(APPEND_ONLY)

    def delete(self):
        raise AppendOnly(APPEND_ONLY)


class AuditEntry(models.Model):
    """One act of one person in one store: who, when, what, on which record, from where."""

    class Verb(models.TextChoices):
        VIEWED = "viewed", "Viewed a customer"
        SEARCHED = "searched", "Searched customers"
        EXPORTED = "exported", "Exported"
        DOWNLOADED = "downloaded", "Downloaded a file"
        IMPORTED = "imported", "Imported"
        IMPORT_UNDONE = "import_undone", "Undid an import"
        MERGED = "merged", "Merged customers"
        MERGE_UNDONE = "merge_undone", "Undid a merge"
        SHARED = "shared", "Shared with a partner"
        SETTINGS_CHANGED = "settings_changed", "Changed settings"
        STAFF_CHANGED = "staff_changed", "Changed a staff member's access"
        SIGNED_IN = "signed_in", "Signed in"
        SIGNED_OUT = "signed_out", "Signed out"
        TOKEN_CREATED = "token_created", "Created an API token"
        TOKEN_REVOKED = "token_revoked", "Revoked an API token"

    class Via(models.TextChoices):
        PAGE = "page", "Page"
        API = "api", "API"
        SYSTEM = "system", "Command or background job"

    dealership = models.ForeignKey(
        "dealerships.Dealership", on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    verb = models.CharField(max_length=30, choices=Verb.choices)
    # The record acted on, named the way URLs name it (its public id), so no foreign key
    # ties the log to a row that may later be merged away.
    object_kind = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.SYSTEM)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "audit entries"
        # The log page and the API read newest first; `id` breaks ties of equal times.
        ordering = ["-at", "-id"]
        indexes = [
            # /audit/ and GET /api/v1/audit: a store's entries newest first.
            models.Index(fields=["dealership", "at", "id"], name="audit_store_at"),
            # "Who looked at this customer?": the customer filter.
            models.Index(
                fields=["dealership", "object_kind", "object_id"], name="audit_store_object"
            ),
            # "What did this person do?": the who filter.
            models.Index(fields=["dealership", "user", "at"], name="audit_store_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verb_display()} {self.object_label}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(APPEND_ONLY)
