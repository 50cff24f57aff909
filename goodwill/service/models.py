"""Service: repair orders, booked visits, fleets and their downtime, the store's service
specials, and the sales opportunities that service events raise (each with its reason in
plain words and the numbers behind it). An opportunity becomes an internal referral to sales
on the one referral ledger, so both departments' reports read the same rows."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer, OfCustomerQuerySet, Vehicle
from goodwill.dealerships.models import Dealership

MONEY = {"max_digits": 10, "decimal_places": 2}


class VehicleClass(models.TextChoices):
    CAR = "car", "Car / SUV"
    LIGHT = "light", "Light-duty truck or van"
    HEAVY = "heavy", "Heavy-duty / upfitted truck"


_LIGHT, _HEAVY = VehicleClass.LIGHT.value, VehicleClass.HEAVY.value
DEFAULT_DOWNTIME = {VehicleClass.CAR: 150, VehicleClass.LIGHT: 250, VehicleClass.HEAVY: 450}


class ServiceSettings(models.Model):
    """A store's service rules: every threshold of the opportunity rules, the downtime cost
    defaults per vehicle class and what a sale books. Changes land in the staff history."""

    dealership = models.OneToOneField(
        Dealership, on_delete=models.PROTECT, related_name="service_settings"
    )
    estimate_share = models.PositiveSmallIntegerField(
        "Repair estimate above (% of the vehicle's value)",
        default=50,
        validators=[MinValueValidator(5), MaxValueValidator(500)],
    )
    age_years = models.PositiveSmallIntegerField(
        "Vehicle older than (years)", default=10, validators=[MinValueValidator(1)]
    )
    mileage = models.PositiveIntegerField(
        "Or mileage above", default=120_000, validators=[MinValueValidator(1000)]
    )
    repeat_visits = models.PositiveSmallIntegerField(
        "Back this many times", default=3, validators=[MinValueValidator(2)]
    )
    repeat_days = models.PositiveSmallIntegerField(
        "Within (days)", default=90, validators=[MinValueValidator(7), MaxValueValidator(730)]
    )
    downtime_cost = models.PositiveIntegerField(
        "Fleet vehicle's downtime cost this year above ($)", default=5000
    )
    term_ending_days = models.PositiveSmallIntegerField(
        "Lease or warranty ending within (days)", default=90, validators=[MinValueValidator(7)]
    )
    refer_within_days = models.PositiveSmallIntegerField(
        "Send to sales only for ROs of the last (days)",
        default=30,
        validators=[MinValueValidator(1)],
        help_text="Older ROs (an import of last year's history) raise opportunities that "
        "wait for an advisor to refer them by hand.",
    )
    downtime_car = models.PositiveIntegerField("Downtime $/day: car or SUV", default=150)
    downtime_light = models.PositiveIntegerField("Downtime $/day: light truck or van", default=250)
    downtime_heavy = models.PositiveIntegerField(
        "Downtime $/day: heavy-duty or upfitted truck", default=450
    )
    first_service_days = models.PositiveSmallIntegerField(
        "First service after a sale (days)", default=120, validators=[MinValueValidator(7)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "service settings"

    def downtime_default(self, vehicle_class: str) -> int:
        # Asked for every RO of the nightly pass: comparisons, not a dict made per call.
        if vehicle_class == _LIGHT:
            return self.downtime_light
        if vehicle_class == _HEAVY:
            return self.downtime_heavy
        return self.downtime_car


class VehicleFacts(models.Model):
    """What service knows about a vehicle beyond the customer record: the store's own value,
    its class and downtime cost, when its lease or warranty ends and when maintenance is due."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    vehicle = models.OneToOneField(Vehicle, on_delete=models.CASCADE, related_name="service")
    vehicle_class = models.CharField(
        max_length=6, choices=VehicleClass.choices, default=VehicleClass.CAR
    )
    value = models.DecimalField(
        "Store's value ($)", null=True, blank=True, help_text="Leave empty to estimate.", **MONEY
    )
    downtime_cost_per_day = models.PositiveIntegerField(
        "Downtime $/day", null=True, blank=True, help_text="Empty: the store's class default."
    )
    lease_ends_on = models.DateField(null=True, blank=True)
    warranty_ends_on = models.DateField(null=True, blank=True)
    maintenance_due_on = models.DateField(null=True, blank=True)
    maintenance_due_miles = models.PositiveIntegerField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "vehicle facts"


class Fleet(models.Model):
    """A business customer's fleet: its vehicles are the customer's vehicles; the fleet adds
    a contact and a downtime cost that overrides the store's class defaults."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="fleet")
    contact_name = models.CharField(max_length=120, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    contact_email = models.CharField(max_length=254, blank=True)
    downtime_cost_per_day = models.PositiveIntegerField(
        "Downtime $/day for every vehicle", null=True, blank=True
    )
    notes = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["dealership", "created_at"], name="service_fleet_store")]

    def __str__(self) -> str:
        return self.customer.display_name


class ServiceSpecial(models.Model):
    """An offer of the service department salespeople can show a prospect."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    price = models.DecimalField(null=True, blank=True, **MONEY)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "title", "id"]
        indexes = [models.Index(fields=["dealership", "starts_on"], name="service_special_store")]

    def __str__(self) -> str:
        return self.title

    def is_current(self, today: date) -> bool:
        return (
            self.active
            and self.starts_on <= today
            and (self.ends_on is None or self.ends_on >= today)
        )


class ServiceVisit(models.Model):
    """A booked service visit: by an advisor, by a salesperson prospecting through the
    service drive (origin "sales"), or the first service a sale books."""

    class Origin(models.TextChoices):
        SERVICE = "service", "Booked by service"
        SALES = "sales", "Booked by sales (prospecting)"
        FIRST_SERVICE = "first", "First service after a sale"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        DONE = "done", "Done"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="service_visits")
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.SERVICE)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.BOOKED)
    scheduled_for = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    special = models.ForeignKey(
        ServiceSpecial, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_visits",
    )
    # The sale that booked a first service (a floor Deal's public id: floor sits below).
    deal_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_for", "id"]
        indexes = [
            models.Index(fields=["dealership", "scheduled_for"], name="service_visit_store_when"),
            models.Index(fields=["dealership", "customer"], name="service_visit_store_cust"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["deal_id"],
                condition=Q(deal_id__isnull=False),
                name="%(app_label)s_%(class)s_one_first_service_per_sale",
                violation_error_message="This sale already booked its first service.",
            )
        ]


class RepairOrderQuerySet(OfCustomerQuerySet):
    def open(self):
        return self.exclude(status=RepairOrder.Status.CLOSED)


class RepairOrder(models.Model):
    """An RO: one visit of one vehicle to the shop, with its estimate (labour and parts) and
    the times that say how long the vehicle was down."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "working", "In the shop"
        WAITING_PARTS = "parts", "Waiting for parts"
        READY = "ready", "Ready for pickup"
        CLOSED = "closed", "Closed"

    class PayType(models.TextChoices):
        CUSTOMER = "C", "Customer pay"
        WARRANTY = "W", "Warranty"
        INTERNAL = "I", "Internal"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField("RO number", max_length=20)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="repair_orders")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="repair_orders")
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_orders",
    )
    advisor_name = models.CharField(
        max_length=80, blank=True, help_text="As the DMS names them, when not a login here."
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    pay_type = models.CharField(max_length=1, choices=PayType.choices, default=PayType.CUSTOMER)
    complaint = models.CharField(max_length=500)
    cause = models.CharField(max_length=500, blank=True)
    labor = models.DecimalField("Labour ($)", default=Decimal(0), **MONEY)
    parts = models.DecimalField("Parts ($)", default=Decimal(0), **MONEY)
    mileage_in = models.PositiveIntegerField(null=True, blank=True)
    opened_at = models.DateTimeField()
    promised_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Calendar days out of service, kept by the actions when the RO closes (0 while open).
    days_down = models.PositiveSmallIntegerField(default=0)
    visit = models.ForeignKey(
        ServiceVisit, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    import_batch = models.ForeignKey(
        "imports.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RepairOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # The advisor's day and the store's RO list, newest first.
            models.Index(fields=["dealership", "opened_at"], name="service_ro_store_opened"),
            # Repeat visits and a vehicle's history; the nightly pass reads every RO through
            # it in its windows' order (store, vehicle, opened, id), and with the columns it
            # reads included, without visiting the table: an index-only scan instead of a
            # sort of a million rows (`nightly.CANDIDATES_SQL`; EXPLAIN in
            # docs/closing-notes/issue-13.md). Updating an included column (the estimate,
            # the days down) is no longer a HOT update: one index entry more per update.
            models.Index(
                fields=["dealership", "vehicle", "opened_at", "id"],
                include=["customer", "labor", "parts", "mileage_in", "days_down"],
                name="service_ro_vehicle_visits",
            ),
            models.Index(fields=["dealership", "advisor", "opened_at"], name="service_ro_advisor"),
            # "In the shop now": open ROs among years of closed ones.
            models.Index(
                fields=["dealership", "promised_at"],
                condition=~Q(status="closed"),
                name="service_ro_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "number"],
                name="%(app_label)s_%(class)s_one_number_per_store",
                violation_error_message="This store already has an RO with this number.",
            ),
            models.CheckConstraint(
                condition=Q(labor__gte=0) & Q(parts__gte=0),
                name="%(app_label)s_%(class)s_amounts_not_negative",
                violation_error_message="Labour and parts cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"RO {self.number}"

    @property
    def total(self) -> Decimal:
        return (self.labor or Decimal(0)) + (self.parts or Decimal(0))

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


def days_between(opened, closed) -> int:
    """Calendar days a vehicle was out of service: at least one (it was not earning that
    day), else the number of nights it spent at the shop."""
    return max(1, (closed.date() - opened.date()).days)


class OpportunityQuerySet(OfCustomerQuerySet):
    def for_user(self, user):
        """Opportunities a person should act on: sent to them (salesperson) or raised on
        their ROs (advisor); managers see the store's. For home pages (`myday`)."""
        rows = self.visible_to(user)
        if user.is_manager:
            return rows
        return rows.filter(Q(referral__to_user=user) | Q(repair_order__advisor=user))


class Opportunity(models.Model):
    """A sales opportunity a service event raised, with its reason in words and numbers.
    One per rule and RO (the unique key makes the rule runs idempotent)."""

    class Rule(models.TextChoices):
        ESTIMATE = "estimate", "Repair vs. value"
        AGE_MILEAGE = "age", "Age or mileage"
        REPEAT = "repeat", "Back again and again"
        DOWNTIME = "downtime", "Fleet downtime cost"
        TERM_ENDING = "term", "Lease or warranty ending"
        MANUAL = "manual", "Referred by the advisor"

    class Stage(models.TextChoices):
        OPEN = "open", "Not sent to sales yet"
        REFERRED = "referred", "With sales"
        WORKING = "working", "Being worked"
        WON = "won", "Sold"
        LOST = "lost", "Lost"
        DISMISSED = "dismissed", "Dismissed"

    # No index of their own: `service_opp_store_created` leads with the store, the unique
    # key with the RO (see Meta).
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rule = models.CharField(max_length=8, choices=Rule.choices)
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="opportunities", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=400)
    numbers = models.JSONField(default=dict, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The advisor who referred by hand; empty when a rule raised it.",
        db_index=False,
    )
    # Several opportunities about one vehicle share one open referral: sales hears of a
    # customer once, with every reason.
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        db_index=False,
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    dismiss_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "opportunities"
        # Each index is one a query uses (EXPLAIN over 1,000,000 ROs; docs/closing-notes/
        # issue-13.md): the store's list (and the store's own foreign key), the RO's rules
        # (the unique key), the vehicle's (one RO's quiet rules, the open referral about it),
        # the customer's. Who referred or dismissed, and the referral, are empty on nearly
        # every row: partial indexes. Each index is paid by every insert — the first nightly
        # pass after an import of years of history inserts half a million rows.
        indexes = [
            models.Index(fields=["dealership", "created_at"], name="service_opp_store_created"),
            models.Index(
                fields=["referral"],
                condition=Q(referral__isnull=False),
                name="service_opp_referral",
            ),
            models.Index(
                fields=["raised_by"],
                condition=Q(raised_by__isnull=False),
                name="service_opp_raised_by",
            ),
            models.Index(
                fields=["dismissed_by"],
                condition=Q(dismissed_by__isnull=False),
                name="service_opp_dismissed_by",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["repair_order", "rule"],
                name="%(app_label)s_%(class)s_one_per_rule_and_ro",
                violation_error_message="This RO already raised this opportunity.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.reason}"

    @property
    def stage(self) -> str:
        """Read from the referral (one fact, one place): the referral ledger says whether
        sales acknowledged, worked, won or lost it. Reads `self.referral` (select it)."""
        S = self.Stage
        if self.dismissed_at:
            return S.DISMISSED
        if self.referral_id is None:
            return S.OPEN
        status = self.referral.status
        return {
            "sent": S.REFERRED,
            "acknowledged": S.REFERRED,
            "contacted": S.WORKING,
            "appointment": S.WORKING,
            "won": S.WON,
        }.get(status, S.LOST)

    @property
    def stage_label(self) -> str:
        return self.Stage(self.stage).label


# Stage filters as queryset conditions (the reports and lists filter with these).
STAGE_FILTERS = {
    "open": Q(dismissed_at__isnull=True, referral__isnull=True),
    "referred": Q(referral__status__in=["sent", "acknowledged"]),
    "working": Q(referral__status__in=["contacted", "appointment"]),
    "won": Q(referral__status="won"),
    "lost": Q(referral__status__in=["lost", "returned"]),
    "dismissed": Q(dismissed_at__isnull=False),
}

YEAR = timedelta(days=365)
