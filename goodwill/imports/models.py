"""Imports: an uploaded file, how its columns map to customer fields (remembered per
source), the counts of its dry run, its row-by-row errors, and the records it created or
filled in, so the whole import can be undone."""

import uuid

from django.conf import settings
from django.db import models

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer
from goodwill.dealerships.models import Dealership


class ImportMapping(models.Model):
    """The column mapping last used for files with this header row (one source, e.g. a
    HubSpot export), so the next file from the same tool maps itself."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    # What the file's rows become: customers here, repair orders in the service app.
    target = models.CharField(max_length=14, default="customers")
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the normalised headers")
    source_name = models.CharField(max_length=80, blank=True)
    mapping = models.JSONField(default=dict, help_text="{column header: field}")
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "target", "fingerprint"],
                name="%(app_label)s_%(class)s_one_per_source",
                violation_error_message="This store already has a mapping for these columns.",
            )
        ]


class ImportBatch(models.Model):
    class Target(models.TextChoices):
        CUSTOMERS = "customers", "Customers"
        REPAIR_ORDERS = "repair_orders", "Repair orders"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        CHECKED = "checked", "Dry run done"
        COMMITTED = "committed", "Imported"
        UNDONE = "undone", "Undone"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        VCARD = "vcard", "vCard"

    class OnDuplicate(models.TextChoices):
        CREATE = "create", "Create them, I will review duplicates afterwards"
        SKIP = "skip", "Skip rows that look like an existing customer"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    format = models.CharField(max_length=8, choices=Format.choices)
    target = models.CharField(max_length=14, choices=Target.choices, default=Target.CUSTOMERS)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    stored_as = models.CharField(max_length=300, help_text="path of the uploaded bytes")
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    headers = models.JSONField(default=list)
    source_name = models.CharField(max_length=80, blank=True)
    mapping = models.JSONField(default=dict)
    on_duplicate = models.CharField(
        max_length=8, choices=OnDuplicate.choices, default=OnDuplicate.CREATE
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    counts = models.JSONField(default=dict, help_text="{rows, new, updated, duplicate, invalid}")
    fatal_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dealership", "created_at"], name="imports_batch_store_at")]

    def __str__(self) -> str:
        return self.filename


class RowError(models.Model):
    """One problem with one row: row number (1 = first data row), column, reason."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=120, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["row", "id"]
        indexes = [
            models.Index(fields=["dealership", "batch", "row"], name="imports_error_batch_row")
        ]


class ImportedRecord(models.Model):
    """A customer an import created or filled in; what the undo works from. The link has no
    database constraint, so a later merge or deletion of the customer does not erase it."""

    MERGE_LEAVES_IN_PLACE = True

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Filled in"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records")
    row = models.PositiveIntegerField()
    customer = models.ForeignKey(
        Customer, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    duplicate_of = models.BigIntegerField(null=True, blank=True)
    external_id = models.CharField(max_length=100, blank=True, help_text="id in the source")
    before = models.JSONField(default=dict, help_text="fields an update filled, as they were")

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["dealership", "batch"], name="imports_record_batch")]
