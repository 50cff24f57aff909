"""Dealerships are the tenants; staff are users who belong to exactly one of them."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Dealership(models.Model):
    """A store: one rooftop selling one or more makes. Every tenant-owned row points here."""

    class Department(models.TextChoices):
        SALES = "sales", "Sales"
        SERVICE = "service", "Service"
        PARTS = "parts", "Parts"
        FAILS = "fails", "Fails Department"
        BDC = "bdc", "BDC"
        COMMERCIAL = "commercial", "Commercial / fleet"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    makes = models.JSONField(default=list, blank=True, help_text="Makes sold, e.g. ['Ford']")
    specialties = models.JSONField(default=list, blank=True)
    departments = models.JSONField(default=list, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    website = models.URLField(blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state", max_length=50, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    country = models.CharField(max_length=2, default="US")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    phone_region = models.CharField(
        max_length=2, default="US", help_text="Region used to read phone numbers typed locally"
    )
    salespeople_see_all = models.BooleanField(
        default=True,
        help_text="When off, salespeople see only their own and unassigned customers.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def makes_display(self) -> str:
        return ", ".join(self.makes)


class User(AbstractUser):
    """A staff member of one dealership. Deactivated (is_active=False), never deleted."""

    class Role(models.TextChoices):
        SALESPERSON = "sales", "Salesperson"
        SALES_MANAGER = "sales_mgr", "Sales manager"
        FAILS_SPECIALIST = "fails", "Fails specialist"
        BDC_AGENT = "bdc", "BDC agent"
        SERVICE_ADVISOR = "advisor", "Service advisor"
        SERVICE_MANAGER = "service_mgr", "Service manager"
        DEALER_ADMIN = "admin", "Dealer admin"

    MANAGER_ROLES = frozenset({Role.SALES_MANAGER, Role.SERVICE_MANAGER, Role.DEALER_ADMIN})
    # Roles that may be assigned to a customer as salesperson / service advisor.
    SALES_ROLES = frozenset(
        {Role.SALESPERSON, Role.SALES_MANAGER, Role.BDC_AGENT, Role.FAILS_SPECIALIST}
    )
    SERVICE_ROLES = frozenset({Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER})

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dealership = models.ForeignKey(
        Dealership, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.SALESPERSON)
    phone = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=80, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        indexes = [models.Index(fields=["dealership", "role"], name="dealerships_user_store_role")]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_manager(self) -> bool:
        return self.role in self.MANAGER_ROLES

    @property
    def is_dealer_admin(self) -> bool:
        return self.role == self.Role.DEALER_ADMIN

    @property
    def sees_all_customers(self) -> bool:
        """Managers always see every customer; salespeople only if the store allows it."""
        if self.role != self.Role.SALESPERSON:
            return True
        return self.dealership is not None and self.dealership.salespeople_see_all


class StaffEvent(models.Model):
    """Append-only history of staff changes (role, activation), who made them and why."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="staff_events")
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", blank=True
    )
    at = models.DateTimeField(auto_now_add=True)
    verb = models.CharField(max_length=40)
    changes = models.JSONField(default=dict)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "user", "at"], name="dealerships_staffevent_user")
        ]
