"""Dealerships are the tenants; staff are users who belong to exactly one of them."""

import uuid
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

# Roles whose sign-in needs a second factor unless the store decides otherwise.
DEFAULT_MFA_ROLES = ["admin", "sales_mgr", "service_mgr"]


def default_time_zone() -> str:
    return settings.TIME_ZONE


def default_mfa_roles() -> list[str]:
    return list(DEFAULT_MFA_ROLES)


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"“{value}” is not a time zone (e.g. America/Chicago).")


class DealerGroup(models.Model):
    """Stores under one owner. Joining one is the stores' agreement that the dealer admins of
    each see the group's figures side by side (NPS per store); customers stay each store's."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


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
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    hours = models.TextField(
        blank=True, max_length=500, help_text="Opening hours as customers should read them."
    )
    # Sign-in rules (issue 12): who needs a second factor, and how long a session lives.
    mfa_required_roles = models.JSONField(default=default_mfa_roles, blank=True)
    session_idle_minutes = models.PositiveIntegerField(
        default=240, help_text="Sign out after this many minutes without a click."
    )
    session_max_hours = models.PositiveIntegerField(
        default=12, help_text="Sign out this many hours after signing in, whatever happens."
    )
    # The dealer group the store belongs to (set by the installation's operator with
    # `goodwill group`); None for a store on its own.
    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="stores"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone or settings.TIME_ZONE)

    def local_now(self):
        return timezone.localtime(timezone.now(), self.zone)

    def requires_mfa(self, role: str) -> bool:
        return role in (self.mfa_required_roles or [])

    @property
    def makes_display(self) -> str:
        return ", ".join(self.makes)


def staff_name_of(first_name: str, last_name: str, username: str) -> str:
    """`User.display_name` from the three values alone (rows read with `.values()`): the
    full name as `AbstractUser.get_full_name` writes it, else the username."""
    return f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    """A staff member of one dealership. Deactivated (is_active=False), never deleted."""

    # Outside the second wall (core/storewall.py): sign-in reads the login before any store
    # is known. Every read of staff in the app still goes through the store's querysets.
    ROW_WALL_EXEMPT = True

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
    # Part of every session's signature: raised when the login is switched off, so every
    # session signed before stays invalid for good, even after a reactivation.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta:
        indexes = [models.Index(fields=["dealership", "role"], name="dealerships_user_store_role")]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return staff_name_of(self.first_name, self.last_name, self.username)

    def _get_session_auth_hash(self, secret=None):
        key_salt = "goodwill.dealerships.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def is_manager(self) -> bool:
        return self.role in self.MANAGER_ROLES

    @property
    def is_dealer_admin(self) -> bool:
        return self.role == self.Role.DEALER_ADMIN

    @property
    def sees_group(self) -> bool:
        """A dealer admin of a store in a dealer group sees the group's figures (several
        stores' NPS side by side); nobody sees another store's customers."""
        return bool(
            self.is_dealer_admin and self.dealership is not None and self.dealership.group_id
        )

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


class Invitation(models.Model):
    """An admin's invitation to join the store: a one-time link (only its hash is kept) that
    expires, through which the invitee picks a username and password."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=12, choices=User.Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "created_at"], name="dealerships_invite_store")
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.cancelled_at:
            return "cancelled"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
