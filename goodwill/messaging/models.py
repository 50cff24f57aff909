"""Texts and emails between staff and a customer: the conversation, the store's templates
and its texting number. Every outbound message is also an `outreach.Ask` (the contact cap
counts it); inbound ones are not asks."""

import string
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer, OfCustomerQuerySet
from goodwill.dealerships.models import Dealership
from goodwill.outreach.models import Ask

# What a template may say, filled in when the message is written.
PLACEHOLDERS = {
    "first_name": "the customer's first name",
    "last_name": "the customer's last name",
    "name": "the customer's full name",
    "my_name": "your name",
    "my_first_name": "your first name",
    "store": "the store's name",
    "store_phone": "the store's phone number",
}


def placeholders_in(text: str) -> set[str]:
    """The `{names}` a template uses (ValueError on a stray brace)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class MessagingSettings(models.Model):
    """A store's texting number (E.164): what outbound texts come from and how an inbound
    text finds its store."""

    dealership = models.OneToOneField(
        Dealership, on_delete=models.PROTECT, related_name="messaging_settings"
    )
    sms_number = models.CharField("texting number", max_length=20, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "messaging settings"
        constraints = [
            models.UniqueConstraint(
                fields=["sms_number"],
                condition=~Q(sms_number=""),
                name="%(app_label)s_%(class)s_one_store_per_number",
                violation_error_message="Another store texts from this number.",
            )
        ]


class MessageTemplate(models.Model):
    """A store's ready-made text or email with placeholders such as {first_name}."""

    class Channel(models.TextChoices):
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=80)
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.TEXT)
    subject = models.CharField(max_length=150, blank=True)
    body = models.TextField(max_length=1600)
    active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "name"],
                name="%(app_label)s_%(class)s_unique_name",
                violation_error_message="The store already has a template with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """One text or email to or from a customer."""

    class Channel(models.TextChoices):
        TEXT = "text", "Text message"
        EMAIL = "email", "Email"

    class Direction(models.TextChoices):
        OUT = "out", "Sent"
        IN = "in", "Received"

    class Status(models.TextChoices):
        QUEUED = "queued", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Not delivered"
        RECEIVED = "received", "Received"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=8, choices=Status.choices)
    subject = models.CharField(max_length=150, blank=True)
    body = models.TextField(max_length=1600)
    to_address = models.CharField(max_length=254)
    from_address = models.CharField(max_length=254, blank=True)
    # Outbound: who wrote it (empty for the automatic STOP/START confirmation).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Inbound: whose My day it lands in (the last to write to the customer, else theirs).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField()
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The ask that counted it toward the contact cap (outbound written by staff).
    ask = models.OneToOneField(
        Ask, on_delete=models.PROTECT, null=True, blank=True, related_name="message"
    )
    provider_id = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The conversation on the customer's page.
            models.Index(fields=["dealership", "customer", "at"], name="messaging_msg_thread"),
            # My day: replies nobody has read yet, per recipient.
            models.Index(
                fields=["dealership", "recipient", "at"],
                condition=Q(direction="in", read_at__isnull=True),
                name="messaging_msg_unread",
            ),
            # An inbound text finds the last outbound text to its number.
            models.Index(fields=["to_address", "at"], name="messaging_msg_to"),
        ]
