"""The Fails Department: every not-sold deal is worked back, by one specialist at a time.

Save-a-deal is an optional first step, not the process. Follow-ups (for fails and for
be-backs) are paced by the store's ask policy (`goodwill.outreach`): a weekly cap per
customer across every ask, and never a channel the customer refused."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer, OfCustomerQuerySet
from goodwill.dealerships.models import Dealership
from goodwill.floor.models import Appointment, Deal
from goodwill.outreach.models import Ask


class FailsCase(models.Model):
    """A not-sold deal in the fails queue, from entry to recovered / referred out / lost."""

    class Status(models.TextChoices):
        OPEN = "open", "In the queue"
        CLAIMED = "claimed", "Being worked"
        RECOVERED = "recovered", "Recovered (sold)"
        REFERRED = "referred", "Referred out"
        LOST = "lost", "Lost"

    OPEN_STATUSES = (Status.OPEN, Status.CLAIMED)

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deal = models.OneToOneField(Deal, on_delete=models.PROTECT, related_name="fails_case")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="fails_cases")
    # Copied from the deal when it failed, so the queue reads one table.
    reason = models.CharField(max_length=100)
    notes = models.TextField(max_length=2000, blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    entered_at = models.DateTimeField()
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fails_claimed",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=300, blank=True)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["entered_at", "id"]
        indexes = [
            # The fails queue: open and claimed cases, oldest first.
            models.Index(
                fields=["dealership", "entered_at"],
                condition=Q(status__in=["open", "claimed"]),
                name="fails_case_queue",
            ),
            models.Index(fields=["dealership", "status", "closed_at"], name="fails_case_closed"),
        ]

    def __str__(self) -> str:
        return f"Fails: {self.customer}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class FailsStep(models.Model):
    """One thing the specialist did on a case, in order."""

    class Kind(models.TextChoices):
        SAVE_A_DEAL = "save_a_deal", "Save-a-deal (desk)"
        CALL_BACK = "call_back", "Called back"
        NEW_NUMBERS = "new_numbers", "New numbers"
        ANOTHER_VEHICLE = "another_vehicle", "Another vehicle"
        BE_BACK = "be_back", "Be-back appointment"
        REFERRAL_OUT = "referral_out", "Referred to a competitor's pro"
        NOTE = "note", "Note"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    case = models.ForeignKey(FailsCase, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    notes = models.TextField(max_length=2000, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dealership", "case"], name="fails_step_store_case")]


class FollowUp(models.Model):
    """A planned contact in a cadence (be-back or fails). Done by a person; the cadence job
    only moves it when the weekly cap or a missing consent forbids it."""

    class Kind(models.TextChoices):
        BE_BACK = "be_back", "Be-back follow-up"
        FAILS = "fails", "Fails follow-up"

    class Channel(models.TextChoices):
        PHONE = "phone", "Call"
        TEXT = "text", "Text"
        EMAIL = "email", "Email"

    class Status(models.TextChoices):
        DUE = "due", "Due"
        DONE = "done", "Done"
        BLOCKED = "blocked", "No consent"
        CANCELLED = "cancelled", "Cancelled"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="follow_ups")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    channel = models.CharField(max_length=6, choices=Channel.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups"
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        FailsCase, on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ups"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    note = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # The contact that did it, in the one ask log the caps count.
    ask = models.OneToOneField(
        Ask, on_delete=models.PROTECT, null=True, blank=True, related_name="follow_up"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # "Overdue follow-ups" of a salesperson (rotation rule) and the cadence job.
            models.Index(
                fields=["dealership", "owner", "due_at"],
                condition=Q(status="due"),
                name="fails_followup_due",
            ),
        ]
