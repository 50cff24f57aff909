"""Duplicate detection and merges: bulk runs, the clusters they propose, pairs a person said
are different people, and merge records complete enough to undo a merge later."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer
from goodwill.dealerships.models import Dealership


class DedupeRun(models.Model):
    """One bulk pass over a store: how much it compared and what it found."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    started_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    customers_scanned = models.PositiveIntegerField(default=0)
    pairs_compared = models.PositiveBigIntegerField(default=0)
    clusters_found = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["dealership", "started_at"], name="dedupe_run_store_at")]


class DuplicateCluster(models.Model):
    """Customers the bulk pass believes are one person: a proposal, never merged by itself."""

    class Status(models.TextChoices):
        OPEN = "open", "To review"
        MERGED = "merged", "Merged"
        DISMISSED = "dismissed", "Not duplicates"

    # A merge moves every row pointing at the merged customer; bookkeeping that must stay
    # where it is (this proposal, its members, merge records) says so with this flag.
    MERGE_LEAVES_IN_PLACE = True

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    run = models.ForeignKey(
        DedupeRun, on_delete=models.SET_NULL, null=True, related_name="clusters"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    score = models.FloatField(help_text="Match probability of the strongest pair, 0-100")
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "id"]
        indexes = [
            # The review screen: open clusters of a store, strongest first.
            models.Index(fields=["dealership", "status", "score"], name="dedupe_cluster_review"),
        ]


class DuplicateMember(models.Model):
    """One customer of a cluster. The customer link survives the customer's deletion by a
    merge (no database constraint), so an undone merge finds its cluster whole again."""

    MERGE_LEAVES_IN_PLACE = True

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    cluster = models.ForeignKey(DuplicateCluster, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["dealership", "customer"], name="dedupe_member_store_cust"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "customer"],
                name="%(app_label)s_%(class)s_once_per_cluster",
                violation_error_message="This customer is already in the cluster.",
            )
        ]


class DismissedPair(models.Model):
    """Two customers a person said are different people; the bulk pass skips the pair."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    # Internal ids, lower first; no foreign keys so a later merge does not rewrite them.
    customer_low = models.BigIntegerField()
    customer_high = models.BigIntegerField()
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    dismissed_at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "customer_low", "customer_high"],
                name="%(app_label)s_%(class)s_once",
                violation_error_message="This pair is already dismissed.",
            ),
            models.CheckConstraint(
                condition=Q(customer_low__lt=models.F("customer_high")),
                name="%(app_label)s_%(class)s_ordered",
                violation_error_message="Store the lower id first.",
            ),
        ]


class Merge(models.Model):
    """One merge: who survived, what each field became, which rows moved, and everything
    needed to put it back (the merged customer's row, rows dropped as exact repeats, the
    survivor's fields and consents as they were)."""

    MERGE_LEAVES_IN_PLACE = True

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cluster = models.ForeignKey(
        DuplicateCluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="merges"
    )
    survivor = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    merged_pk = models.BigIntegerField()
    merged_public_id = models.UUIDField()
    merged_name = models.CharField(max_length=320)
    survivor_name = models.CharField(max_length=320)
    snapshot = models.JSONField(help_text="The merged customer's row, serialised")
    fields = models.JSONField(default=dict, help_text="{field: {choice, old, new}}")
    moved = models.JSONField(default=list, help_text="[{model, field, pks}]")
    relabelled = models.JSONField(default=list, help_text="[{model, pk, label}]")
    dropped = models.JSONField(default=list, help_text="serialised rows removed as repeats")
    consents = models.JSONField(default=list, help_text="survivor consents before the merge")
    reason = models.CharField(max_length=300, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    merged_at = models.DateTimeField()
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-merged_at", "-id"]
        indexes = [models.Index(fields=["dealership", "merged_at"], name="dedupe_merge_store_at")]

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None
