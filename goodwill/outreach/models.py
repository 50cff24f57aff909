"""Every ask of a customer, counted and capped in one place.

An *ask* is a message that asks something of a customer (a survey, a referral invitation, a
review request, a follow-up); plain messages (texts and emails from staff) and replies are
logged here too, because the store's contact cap counts them. `policy.may_ask` decides,
`actions.record_ask` logs; every sender in the code goes through them."""

import uuid
from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer, OfCustomerQuerySet
from goodwill.dealerships.models import Dealership


class OutreachSettings(models.Model):
    """A store's ask policy: the caps and the quiet hours. Changes are in the staff history."""

    dealership = models.OneToOneField(
        Dealership, on_delete=models.PROTECT, related_name="outreach_settings"
    )
    asks_per_week = models.PositiveSmallIntegerField(
        "asks and messages per week",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
        help_text="At most this many asks, follow-ups and messages to one customer in any 7 "
        "days (replies to the customer's own message do not count).",
    )
    referral_invite_days = models.PositiveSmallIntegerField(
        "days between referral invitations",
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text="At most one referral invitation to a customer in this many days.",
    )
    quiet_from = models.TimeField(
        "quiet hours from",
        default=time(21, 0),
        help_text="No text, call or email goes out from this time …",
    )
    quiet_until = models.TimeField(
        "quiet hours until", default=time(8, 0), help_text="… until this time, store time."
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "outreach settings"


class AskQuerySet(OfCustomerQuerySet):
    def counted(self):
        """Asks the caps count: everything that went out (a failed delivery did not reach the
        customer) except replies to the customer's own message."""
        return self.exclude(outcome=Ask.Outcome.FAILED).exclude(kind=Ask.Kind.REPLY)


class Ask(models.Model):
    """One ask or message that went to a customer: what, how, by whom, when, and what came of
    it. Written only by `actions.record_ask`, after `policy.may_ask` said yes."""

    class Kind(models.TextChoices):
        SURVEY = "survey", "Survey"
        REFERRAL_INVITE = "referral_invite", "Referral invitation"
        REVIEW_REQUEST = "review_request", "Review request"
        FOLLOW_UP = "follow_up", "Follow-up"
        MESSAGE = "message", "Message"
        REPLY = "reply", "Reply"

    # Kinds that ask something of the customer: never sent while asks are on hold (an
    # unhappy answer, or the customer said stop). Messages and replies are not asks.
    ASKING = frozenset({Kind.SURVEY, Kind.REFERRAL_INVITE, Kind.REVIEW_REQUEST, Kind.FOLLOW_UP})

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"
        PHONE = "phone", "Phone call"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"
        # On a page the customer opened themselves (the survey's thank-you page): no consent
        # or quiet hours to respect, still counted by the caps.
        WEB = "web", "On our page"

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        ANSWERED = "answered", "Answered"
        DECLINED = "declined", "Declined"
        NO_ANSWER = "no_answer", "No answer"
        FAILED = "failed", "Not delivered"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="asks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system sent it (a survey after a sale, say).",
    )
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SENT)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # What sent it, for people ("Fails follow-up", "Survey after the sale of …").
    source = models.CharField(max_length=120, blank=True)
    # The event it was sent for, e.g. "survey:deal:<uuid>": one ask per key, so a job that runs
    # twice sends nothing twice.
    key = models.CharField(max_length=120, blank=True)
    # What allowed it: "email consent given Mar 1, 2025 (web form)".
    basis = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = AskQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The caps (asks of one customer in a window) and the customer page.
            models.Index(fields=["dealership", "customer", "at"], name="outreach_ask_customer"),
            # The store's ask log, newest first.
            models.Index(fields=["dealership", "at"], name="outreach_ask_store"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "key"],
                condition=~Q(key=""),
                name="%(app_label)s_%(class)s_one_per_key",
                violation_error_message="This event already has its ask.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display().lower()}"


class AskHold(models.Model):
    """ "Do not ask": while a hold is open, no ask (survey, invitation, review request,
    follow-up) goes to the customer. An unhappy answer opens one and a later happy answer
    ends it; staff open one when the customer says "stop asking me"."""

    class Reason(models.TextChoices):
        DETRACTOR = "detractor", "Unhappy answer (0–6): recovering"
        REQUESTED = "requested", "The customer asked us to stop"
        OTHER = "other", "Other"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ask_holds")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    # What opened it, e.g. "survey-response:<uuid>".
    source = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_note = models.CharField(max_length=300, blank=True)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # "Is this customer on hold?" — every may_ask reads it.
            models.Index(
                fields=["dealership", "customer"],
                condition=Q(ended_at__isnull=True),
                name="outreach_hold_open",
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
