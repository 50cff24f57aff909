"""What rivals offered: a rival store's offer to one of our customers or referral partners,
as staff heard it (essay 4: "partners tell you what rivals offered"). The Fails Department
reads it beside the deal it is working; managers read them by rival store and make."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from goodwill.customers.models import Customer, OfCustomerQuerySet
from goodwill.dealerships.models import Dealership
from goodwill.floor.models import Deal


def percent(value) -> str:
    """An APR as people write it: 4.9, 0, 10 (never "1E+1" or "4.90")."""
    return "" if value is None else f"{value.normalize():f}"


class RivalOffer(models.Model):
    """One offer a rival store made a customer or partner: who, what, for how much, when,
    and how we know."""

    class Source(models.TextChoices):
        TOLD = "told", "The customer told us"
        PAPER = "paper", "The customer showed the offer (quote, buyer's order)"
        PARTNER = "partner", "A referral partner told us"
        ADVERT = "advert", "Advertised (website, mailer)"
        OTHER = "other", "Other"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="rival_offers")
    # The deal it was offered against, when there was one (the Fails queue shows it there).
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, null=True, blank=True, related_name="rival_offers"
    )
    rival_store = models.CharField(max_length=120)
    make = models.CharField(max_length=40)
    vehicle = models.CharField(max_length=200, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    monthly_payment = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(null=True, blank=True)
    apr = models.DecimalField("APR (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    offered_on = models.DateField()
    source = models.CharField(max_length=8, choices=Source.choices)
    source_detail = models.CharField(max_length=200, blank=True)
    notes = models.TextField(max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-offered_on", "-id"]
        indexes = [
            # The report: a store's offers of the last N days, by rival store and make.
            models.Index(fields=["dealership", "offered_on"], name="rivals_offer_store_day"),
            # The customer page and the Fails queue: a customer's offers, newest first.
            models.Index(
                fields=["dealership", "customer", "offered_on"], name="rivals_offer_customer"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__isnull=False) | Q(monthly_payment__isnull=False),
                name="%(app_label)s_%(class)s_price_or_payment",
                violation_error_message="Give the rival's price or their monthly payment.",
            ),
            models.CheckConstraint(
                condition=Q(apr__isnull=True) | Q(apr__gte=0, apr__lte=40),
                name="%(app_label)s_%(class)s_apr_range",
                violation_error_message="An APR is between 0 and 40 %.",
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gt=0),
                name="%(app_label)s_%(class)s_price_positive",
                violation_error_message="A price is more than $0.",
            ),
            models.CheckConstraint(
                condition=Q(monthly_payment__isnull=True) | Q(monthly_payment__gt=0),
                name="%(app_label)s_%(class)s_payment_positive",
                violation_error_message="A monthly payment is more than $0.",
            ),
            models.CheckConstraint(
                condition=Q(term_months__isnull=True) | Q(term_months__gte=1, term_months__lte=120),
                name="%(app_label)s_%(class)s_term_range",
                violation_error_message="A term is 1 to 120 months.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rival_store}: {self.make} {self.vehicle}".strip()

    @property
    def apr_text(self) -> str:
        return percent(self.apr)

    @property
    def terms(self) -> str:
        """The numbers as people say them: "$38,900 · $512/mo × 72 · 5.9 % APR"."""
        parts = []
        if self.price is not None:
            parts.append(f"${self.price:,.0f}")
        if self.monthly_payment is not None:
            payment = f"${self.monthly_payment:,.0f}/mo"
            if self.term_months:
                payment += f" × {self.term_months}"
            parts.append(payment)
        if self.apr is not None:
            parts.append(f"{percent(self.apr)} % APR")
        return " · ".join(parts)
