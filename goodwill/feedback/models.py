"""Feedback: "how did we do?" after every visit, what the answers lead to.

A `Survey` is scheduled when an experience ends (`outreach.signals.experience_completed`:
a sale, a handled referral, a closed repair order) and sent by a background job the store's
delay later, under the ask policy (consent, caps, holds). The customer answers through a
private link (a random token; only its hash is stored) with a `SurveyResponse`: one per
survey, a second answer updates it. Promoters (9–10) are invited to refer through their own
`ReferralLink`; detractors (0–6) get a `RecoveryTask` for the department's manager and are
left out of every ask until a later answer says otherwise."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer, OfCustomerQuerySet
from goodwill.dealerships.models import Dealership


class FeedbackSettings(models.Model):
    """A store's survey rules: how long after the visit the survey goes out, how long its
    link works."""

    dealership = models.OneToOneField(
        Dealership, on_delete=models.PROTECT, related_name="feedback_settings"
    )
    survey_delay_hours = models.PositiveSmallIntegerField(
        "hours before the survey goes out",
        default=24,
        validators=[MaxValueValidator(24 * 30)],
        help_text="How long after the sale, repair order or referral the survey is sent.",
    )
    survey_valid_days = models.PositiveSmallIntegerField(
        "days the survey link works",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "feedback settings"


class Department(models.TextChoices):
    """What the survey is about (and whose manager recovers an unhappy answer)."""

    SALES = "sales", "Sales"
    SERVICE = "service", "Service"
    REFERRAL = "referral", "Referral"


class Survey(models.Model):
    """One "how did we do?" for one experience of one customer (one per event key)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENT = "sent", "Sent"
        NOT_SENT = "not_sent", "Not sent"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="surveys")
    department = models.CharField(max_length=10, choices=Department.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The salesperson or advisor the survey names.",
    )
    # "your 2024 Ford F-150", "your Silverado's repair": words for the customer.
    subject = models.CharField(max_length=120, blank=True)
    # The event it is for ("deal:<uuid>", "ro:<uuid>"): one survey per event, however often
    # the event is reported.
    event_key = models.CharField(max_length=120)
    event_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Why it did not go out ("Robert has not given consent to be contacted by email.").
    status_note = models.CharField(max_length=300, blank=True)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the link's token; the token itself is only in the email.
    token_hash = models.CharField(max_length=64, blank=True)
    ask = models.ForeignKey(
        "outreach.Ask", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    EXPORT_EXCLUDE = ("token_hash",)  # the store's export never carries a credential

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "customer"], name="feedback_survey_customer"),
            # The survey list and the NPS report: a store's surveys by time.
            models.Index(fields=["dealership", "due_at"], name="feedback_survey_store"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "event_key"],
                name="%(app_label)s_%(class)s_one_per_event",
                violation_error_message="This event already has its survey.",
            ),
            # The link's lookup (by hash, from no store: the link is the key).
            models.UniqueConstraint(
                fields=["token_hash"],
                condition=~Q(token_hash=""),  # nosec B106 # an empty token hash in a condition, not a password
                name="%(app_label)s_%(class)s_token",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey of {self.customer} ({self.get_department_display().lower()})"


def category_of(score: int) -> str:
    """Net Promoter categories: 9–10 promoter, 7–8 passive, 0–6 detractor."""
    if score >= 9:
        return SurveyResponse.Category.PROMOTER
    if score >= 7:
        return SurveyResponse.Category.PASSIVE
    return SurveyResponse.Category.DETRACTOR


class SurveyResponse(models.Model):
    """The customer's answer to a survey; a second answer updates it (and says so)."""

    class Category(models.TextChoices):
        PROMOTER = "promoter", "Promoter (9–10)"
        PASSIVE = "passive", "Passive (7–8)"
        DETRACTOR = "detractor", "Detractor (0–6)"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survey = models.OneToOneField(Survey, on_delete=models.PROTECT, related_name="response")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    # Copied from the survey so reports group without a join.
    department = models.CharField(max_length=10, choices=Department.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    category = models.CharField(max_length=10, choices=Category.choices)
    comment = models.TextField(blank=True, max_length=2000)
    first_answered_at = models.DateTimeField()
    answered_at = models.DateTimeField()
    times_answered = models.PositiveSmallIntegerField(default=1)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [
            # The NPS report: a store's answers by time.
            models.Index(fields=["dealership", "answered_at"], name="feedback_response_store"),
            models.Index(fields=["dealership", "customer"], name="feedback_response_customer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__lte=10),
                name="%(app_label)s_%(class)s_score_0_10",
                violation_error_message="A score is from 0 to 10.",
            )
        ]

    @property
    def is_promoter(self) -> bool:
        return self.category == self.Category.PROMOTER

    @property
    def is_detractor(self) -> bool:
        return self.category == self.Category.DETRACTOR


class RecoveryTaskQuerySet(TenantQuerySet):
    def visible_to(self, user):
        """Managers see every recovery task of their store; others the ones given to them."""
        if not user.is_authenticated or user.dealership_id is None:
            return self.none()
        rows = self.filter(dealership_id=user.dealership_id)
        return rows if user.is_manager else rows.filter(manager=user)


class RecoveryTask(models.Model):
    """A detractor's answer (0–6) to work back, for the manager of the department involved:
    what the customer said, what was done, whether they were won back."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    response = models.OneToOneField(
        SurveyResponse, on_delete=models.PROTECT, related_name="recovery"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    department = models.CharField(max_length=10, choices=Department.choices)
    # Empty only when the store had no manager at all: every manager's list shows it.
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recovery_tasks",
    )
    # The answer when the task opened (kept up to date while it is open).
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_taken = models.TextField("what was done", blank=True, max_length=2000)
    won_back = models.BooleanField(null=True, blank=True)

    objects = RecoveryTaskQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # The manager's list: open tasks first, oldest first.
            models.Index(
                fields=["dealership", "manager", "status", "opened_at"],
                name="feedback_recovery_manager",
            ),
            models.Index(fields=["dealership", "opened_at"], name="feedback_recovery_store"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False, won_back__isnull=False),
                name="%(app_label)s_%(class)s_closed_says_how",
                violation_error_message="A closed recovery task says whether the customer "
                "was won back.",
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class ReferralLink(models.Model):
    """A promoter's own referral link (and its QR code): whoever arrives through it becomes
    a referral credited to that customer, counted as earned (source "card or link").

    The link's token is derived from `salt` with the installation's SECRET_KEY (so the
    thank-you page can show the same link again) and only its sha256 is stored: the
    database alone does not give the link away."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    # Who the friends are sent to (the salesperson or advisor the survey named).
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    arrivals = models.PositiveIntegerField(default=0)

    EXPORT_EXCLUDE = ("salt", "token_hash")  # the store's export never carries a credential

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "customer"],
                name="%(app_label)s_%(class)s_one_per_customer",
                violation_error_message="This customer already has a referral link.",
            )
        ]


class LinkHit(models.Model):
    """One request to a customer's private link, by address: the rate limit counts these
    (gunicorn runs several processes, so the count lives in the database). Not a store's
    row: an unknown token belongs to no store. Rows older than the window are pruned."""

    address = models.CharField(max_length=45)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="feedback_linkhit_address")]
