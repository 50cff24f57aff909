"""Referral partners: the people and businesses who send the store customers (customers
and friends, body shops, fleet managers, pros at other stores) as a relationship of its own.

A `Partner` row points at the person's `Customer` row, at the store's card of a pro
(`network.Pro`), or at both. `Customer.relationship` keeps saying what the person is to the
store today (a customer once they buy); the partner row keeps saying that they also send
us people. So a partner who buys is a customer *and* still a partner, and a customer can
hold several relationships (customer, partner, the pro a salesperson refers to)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer
from goodwill.dealerships.models import Dealership


class PartnerQuerySet(TenantQuerySet):
    def visible_to(self, user):
        """My store's partners. A salesperson of a store that hides colleagues' customers
        sees partners who are customers they may open, and partners who are no customer."""
        if not user.is_authenticated or user.dealership_id is None:
            return self.none()
        rows = self.filter(dealership_id=user.dealership_id)
        if user.sees_all_customers:
            return rows
        return rows.filter(
            Q(customer__isnull=True) | Q(customer__in=Customer.objects.visible_to(user))
        )


class Partner(models.Model):
    """Someone who sends the store customers: a relationship of its own, linked to the
    person's customer row and/or the store's card of a pro."""

    class Kind(models.TextChoices):
        PERSON = "person", "Customer or friend"
        BODY_SHOP = "body_shop", "Body shop"
        FLEET = "fleet", "Fleet manager"
        PRO = "pro", "Pro at another store"
        BUSINESS = "business", "Other business"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSON)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_roles",
    )
    pro = models.ForeignKey(
        "network.Pro",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_roles",
    )
    since = models.DateTimeField(help_text="When they became a partner (their first referral)")
    became_customer_at = models.DateTimeField(
        null=True, blank=True, help_text="When the partner first bought (or was a customer)"
    )
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["-since", "-id"]
        indexes = [
            # The partners page and GET /api/v1/partners, newest partners first.
            models.Index(fields=["dealership", "since"], name="partners_store_since"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(pro__isnull=False),
                name="%(app_label)s_%(class)s_is_someone",
                violation_error_message="A partner is a customer of the store or a pro.",
            ),
            models.UniqueConstraint(
                fields=["dealership", "customer"],
                condition=Q(customer__isnull=False),
                name="%(app_label)s_%(class)s_one_per_customer",
                violation_error_message="This customer is already a partner.",
            ),
            models.UniqueConstraint(
                fields=["dealership", "pro"],
                condition=Q(pro__isnull=False),
                name="%(app_label)s_%(class)s_one_per_pro",
                violation_error_message="This pro is already a partner.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.customer_id:
            return self.customer.display_name
        return self.pro.name

    @property
    def is_customer(self) -> bool:
        """A customer of the store as well as a partner (they bought, or already had)."""
        return self.became_customer_at is not None or (
            self.customer_id is not None
            and self.customer.relationship == Customer.Relationship.CUSTOMER
        )


class PartnerEvent(models.Model):
    """Append-only history of a partner: added, changed, bought, deactivated."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    verb = models.CharField(max_length=20)
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    objects = TenantQuerySet.as_manager()

    LABELS = {
        "added": "Became a partner",
        "updated": "Changed",
        "bought": "Became a customer",
        "deactivated": "No longer a partner",
        "reactivated": "A partner again",
    }

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["dealership", "partner", "at"], name="partners_event")]

    @property
    def verb_label(self) -> str:
        return self.LABELS.get(self.verb, self.verb)
