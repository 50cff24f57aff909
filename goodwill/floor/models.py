"""The showroom floor: ups, who is on the floor, turnovers, deals and who earned what.

Whose customer is it? The dealership's. The people who touched the sale — who took the up,
who set the appointment, who T.O.'d, who closed, who referred — each earn the share the
store's credit policy gives, written once into an append-only ledger with the reason."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer, OfCustomerQuerySet
from goodwill.dealerships.models import Dealership

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
DEFAULT_NOT_SOLD_REASONS = [
    "Payment too high",
    "Trade value",
    "Needs co-signer / credit",
    "Wants to shop around",
    "No vehicle in stock",
    "Spouse / partner not present",
    "Just looking",
]


class FloorSettings(models.Model):
    """A store's floor rules: rotation options, not-sold reasons, gross tracking.

    Its row is also the store's rotation lock: every take, skip and override locks it
    (select_for_update) so two presses of "take" are served one after the other."""

    dealership = models.OneToOneField(
        Dealership, on_delete=models.PROTECT, related_name="floor_settings"
    )
    skip_with_customer = models.BooleanField(
        default=True, help_text="Pass over salespeople who are with a customer."
    )
    skip_overdue_follow_ups = models.BooleanField(
        default=False, help_text="Pass over salespeople who have overdue follow-ups."
    )
    tracks_gross = models.BooleanField(default=True, help_text="Ask for the gross on a sale.")
    not_sold_reasons = models.JSONField(default=list, blank=True)
    # The weekly contact cap moved to the store's ask policy (`outreach.OutreachSettings`).

    class Meta:
        verbose_name_plural = "floor settings"

    def reasons(self) -> list[str]:
        return self.not_sold_reasons or DEFAULT_NOT_SOLD_REASONS


class CreditPolicy(models.Model):
    """How a sale's credit is shared. Off-the-top shares (referrer, appointment setter) come
    first; the rest goes to the upper, split with the closer when someone else closed; a
    deal the Fails Department recovers gives the specialist a share and the original
    salesperson keeps the rest of theirs."""

    dealership = models.OneToOneField(
        Dealership, on_delete=models.PROTECT, related_name="credit_policy"
    )
    upper_share = models.DecimalField(
        max_digits=5, decimal_places=2, default=50, validators=PERCENT
    )
    closer_share = models.DecimalField(
        max_digits=5, decimal_places=2, default=50, validators=PERCENT
    )
    referrer_share = models.DecimalField(
        max_digits=5, decimal_places=2, default=10, validators=PERCENT
    )
    appointment_setter_share = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=PERCENT
    )
    fails_share = models.DecimalField(
        "fails specialist share",
        max_digits=5,
        decimal_places=2,
        default=50,
        validators=PERCENT,
        help_text="Of a recovered deal; the original salesperson keeps the rest.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "credit policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(upper_share__gte=0) & Q(closer_share__gte=0),
                name="%(app_label)s_%(class)s_shares_not_negative",
                violation_error_message="Shares cannot be negative.",
            )
        ]


class ClockIn(models.Model):
    """A salesperson's shift on the floor. The open one (no `clocked_out_at`) puts them in
    the rotation; `queued_at` is their place in line, moved to the back when they take or
    pass; `with_up` is the up they are working right now."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clock_ins"
    )
    clocked_in_at = models.DateTimeField()
    clocked_out_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField()
    with_up = models.ForeignKey(
        "floor.Up", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["queued_at", "id"]
        indexes = [
            # The up board: who is on the floor now, in line order.
            models.Index(
                fields=["dealership", "queued_at"],
                condition=Q(clocked_out_at__isnull=True),
                name="floor_clockin_on_floor",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(clocked_out_at__isnull=True),
                name="%(app_label)s_%(class)s_one_open_per_user",
                violation_error_message="Already clocked in.",
            )
        ]


class Up(models.Model):
    """A customer arriving for a salesperson: on the lot, on the phone, from the web, sent by
    a referral, coming back, or walked over from the service drive."""

    class Source(models.TextChoices):
        WALK_IN = "walk_in", "Walk-in"
        PHONE = "phone", "Phone"
        INTERNET = "internet", "Internet lead"
        REFERRAL = "referral", "Referral"
        BE_BACK = "be_back", "Be-back"
        SERVICE = "service", "Service drive"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        WORKING = "working", "With a salesperson"
        CLOSED = "closed", "Closed"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ups")
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    interest = models.CharField("looking for", max_length=200, blank=True)
    notes = models.TextField(max_length=2000, blank=True)
    # Be-backs go to the salesperson who had them, referrals to whoever they were sent to.
    designated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ups_taken",
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    logged_at = models.DateTimeField()
    taken_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(
        max_length=120, blank=True, help_text="Lead id from an ADF/XML feed."
    )
    # The referral this customer came from: the up goes to its recipient and the referrer
    # earns the policy's share. Never logged twice, never re-logged as a walk-in.
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ups",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-logged_at", "-id"]
        indexes = [
            # The board's waiting list (a handful of rows in a store with 100,000 ups).
            models.Index(
                fields=["dealership", "logged_at"],
                condition=Q(status="waiting"),
                name="floor_up_waiting",
            ),
            # Reports: ups of a day by source.
            models.Index(fields=["dealership", "logged_at"], name="floor_up_store_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "external_id"],
                condition=~Q(external_id=""),
                name="%(app_label)s_%(class)s_one_per_lead",
                violation_error_message="This lead was already logged as an up.",
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(referral__isnull=False),
                name="%(app_label)s_%(class)s_one_per_referral",
                violation_error_message="This referral was already logged as an up.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} up: {self.customer}"


class Deal(models.Model):
    """The work that follows an up: open until sold or not sold. Not-sold deals go to the
    Fails Department, which may still turn them into a sale (`recovered_by`)."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Working"
        SOLD = "sold", "Sold"
        NOT_SOLD = "not_sold", "Not sold"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    up = models.OneToOneField(Up, on_delete=models.PROTECT, related_name="deal")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals"
    )
    closer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals_closed",
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    vehicle = models.CharField(max_length=200, blank=True)
    vin = models.CharField("VIN", max_length=17, blank=True)
    gross = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    not_sold_reason = models.CharField(max_length=100, blank=True)
    notes = models.TextField(max_length=2000, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # The fails specialist who turned a not-sold deal into a sale.
    recovered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "opened_at"], name="floor_deal_store_opened"),
            models.Index(
                fields=["dealership", "salesperson", "opened_at"], name="floor_deal_store_sales"
            ),
            # The board's "with you now": a seller's open deals among thousands of closed ones.
            models.Index(
                fields=["dealership", "salesperson", "opened_at"],
                condition=Q(outcome="open"),
                name="floor_deal_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Deal with {self.customer}"

    def can_be_worked_by(self, user) -> bool:
        """The salesperson, whoever has the customer after a T.O., or a manager.
        Note: reads the deal's T.O.s (one query) unless the first two tests decide."""
        if user.is_manager or self.salesperson_id == user.pk:
            return True
        return self.turnovers.filter(to_user=user).exists()


class TurnOver(models.Model):
    """A T.O.: the salesperson hands the customer to a manager, closer or colleague."""

    class ToRole(models.TextChoices):
        MANAGER = "manager", "Manager"
        CLOSER = "closer", "Closer"
        SALESPERSON = "salesperson", "Another salesperson"

    class Result(models.TextChoices):
        PENDING = "pending", "Still working"
        SOLD = "sold", "Sold"
        NOT_SOLD = "not_sold", "Not sold"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="turnovers")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_role = models.CharField(max_length=12, choices=ToRole.choices)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.PENDING)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dealership", "deal"], name="floor_to_store_deal")]


class Appointment(models.Model):
    """A time the customer agreed to come in, set by a salesperson or a BDC agent."""

    class Status(models.TextChoices):
        SET = "set", "Set"
        SHOWN = "shown", "Showed"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="appointments")
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    purpose = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SET)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The iCalendar UID must stay the same when the invite is re-sent or updated.
    sequence = models.PositiveIntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["dealership", "starts_at"], name="floor_appt_store_start"),
            # The reminder job: appointments still set and not yet reminded.
            models.Index(
                fields=["starts_at"],
                condition=Q(status="set", reminder_sent_at__isnull=True),
                name="floor_appt_to_remind",
            ),
        ]


class CreditLine(models.Model):
    """One line of the attribution ledger: who gets what share of a sale, and why.

    Append-only: lines are written once when the deal is sold; nothing edits them."""

    class Role(models.TextChoices):
        UPPER = "upper", "Took the up"
        CLOSER = "closer", "Closed"
        APPOINTMENT = "appointment", "Set the appointment"
        REFERRER = "referrer", "Referred the customer"
        FAILS = "fails", "Recovered in the Fails Department"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="credit_lines")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_lines",
    )
    party = models.CharField(
        max_length=150, blank=True, help_text="Who, when it is not a staff member here."
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    share = models.DecimalField(max_digits=5, decimal_places=2)
    why = models.CharField(max_length=300)
    at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-share", "id"]
        indexes = [
            models.Index(fields=["dealership", "deal"], name="floor_credit_store_deal"),
            models.Index(fields=["dealership", "user", "at"], name="floor_credit_store_user"),
        ]

    @property
    def who(self) -> str:
        return self.user.display_name if self.user_id else self.party


class FloorEvent(models.Model):
    """Append-only history of the floor and the Fails Department. Every state change writes
    one (who, when, what); the manager's reports are computed from these rows."""

    class Verb(models.TextChoices):
        CLOCKED_IN = "clocked_in", "Clocked in"
        CLOCKED_OUT = "clocked_out", "Clocked out"
        UP_LOGGED = "up_logged", "Up logged"
        UP_TAKEN = "up_taken", "Took the up"
        UP_SKIPPED = "up_skipped", "Passed"
        UP_OVERRIDDEN = "up_overridden", "Manager assigned the up"
        TURNED_OVER = "turned_over", "T.O."
        SOLD = "sold", "Sold"
        NOT_SOLD = "not_sold", "Not sold"
        APPOINTMENT_SET = "appointment_set", "Appointment set"
        APPOINTMENT_UPDATED = "appointment_updated", "Appointment updated"
        APPOINTMENT_REMINDED = "appointment_reminded", "Appointment reminder"
        POLICY_CHANGED = "policy_changed", "Credit policy changed"
        SETTINGS_CHANGED = "settings_changed", "Floor settings changed"
        FAILS_ENTERED = "fails_entered", "Entered the fails queue"
        FAILS_CLAIMED = "fails_claimed", "Claimed by a fails specialist"
        FAILS_STEP = "fails_step", "Fails step"
        FAILS_RECOVERED = "fails_recovered", "Recovered (sold)"
        FAILS_REFERRED = "fails_referred", "Referred out"
        FAILS_LOST = "fails_lost", "Lost"
        CONTACTED = "contacted", "Follow-up contact"
        FOLLOW_UP_PACED = "follow_up_paced", "Follow-up blocked or moved"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    verb = models.CharField(max_length=24, choices=Verb.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    up = models.ForeignKey(Up, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # Whom the event is about when it is not the actor (who got the up, the T.O., …).
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # Reports: events of a verb in a date range.
            models.Index(fields=["dealership", "verb", "at"], name="floor_event_store_verb"),
            models.Index(fields=["dealership", "deal", "at"], name="floor_event_store_deal"),
        ]
