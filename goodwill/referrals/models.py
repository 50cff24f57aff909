"""Referrals: one ledger for customers sent to a pro at another store and to a department or
person of one's own store, with their lifecycle, thank-you tasks and rewards.

A referral belongs to two stores at once (see docs/ARCHITECTURE.md, "Referrals belong to two
stores"): both ids are on the row, and the receiving store reads only the snapshot of what
was shared, never the sender's Customer row."""

import uuid
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Prefetch, Q, Value, When

from goodwill.core.tenancy import TenantQuerySet
from goodwill.customers.models import Customer
from goodwill.dealerships.models import Dealership
from goodwill.network.models import Pro


class ReferralQuerySet(TenantQuerySet):
    def visible_to(self, user):
        """Rows my store sent or received. Both ids are on the row: no join decides it."""
        if not user.is_authenticated or user.dealership_id is None:
            return self.none()
        me = user.dealership_id
        rows = self.filter(Q(from_dealership_id=me) | Q(to_dealership_id=me))
        if user.sees_all_customers:
            return rows
        # A salesperson of a store that hides colleagues' customers: what they sent or were
        # sent, a department's unassigned referrals, and what is about customers they may
        # open. A colleague's customer's snapshot (name, phone, email, note) stays hidden.
        return rows.filter(
            Q(sent_by=user)
            | Q(to_user=user)
            | Q(to_dealership_id=me, to_user__isnull=True)
            | Q(from_dealership_id=me, customer__in=Customer.objects.visible_to(user))
        )

    def read_by(self, store):
        """The rows as `store` reads them on a page or in the API: both stores and both
        people joined, and the sender's own rows behind a referral (its `customer`, its card
        of the pro) fetched for the referrals `store` sent only. A received referral gets
        `customer` and `pro` as None: the receiving store reads the snapshot, never the
        sender's tables — no join into them, so nothing depends on their rows being readable
        (on PostgreSQL row-level security hides them from the receiver, and an inner join to
        the sender's customer would drop the received referral altogether)."""
        me = getattr(store, "pk", store)
        return self.select_related(
            "from_dealership", "to_dealership", "sent_by", "to_user"
        ).prefetch_related(
            Prefetch("customer", queryset=Customer.objects.filter(dealership_id=me)),
            Prefetch("pro", queryset=Pro.objects.filter(dealership_id=me)),
        )

    def sent_by_store(self, dealership):
        return self.filter(from_dealership=dealership)

    def received_by_store(self, dealership):
        return self.filter(to_dealership=dealership)


class Referral(models.Model):
    """A customer sent, card in hand, to a pro at another store or inside one's own store."""

    class Kind(models.TextChoices):
        PARTNER = "partner", "To a pro at another store"
        INTERNAL = "internal", "Inside our store"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        CONTACTED = "contacted", "Contacted"
        APPOINTMENT = "appointment", "Appointment set"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        RETURNED = "returned", "Sent back"

    class Source(models.TextChoices):
        UNPROMPTED = "unprompted", "Unprompted (they brought it)"
        ASKED = "asked", "We asked"
        CARD = "card", "Referral card or link"

    class Referrer(models.TextChoices):
        STAFF = "staff", "Our staff"
        CUSTOMER = "customer", "A customer"
        FRIEND = "friend", "A friend"
        PARTNER = "partner", "A referral partner"

    OPEN = (Status.SENT, Status.ACKNOWLEDGED, Status.CONTACTED, Status.APPOINTMENT)
    CLOSED = (Status.WON, Status.LOST, Status.RETURNED)
    EARNED = (Source.UNPROMPTED, Source.CARD)

    # The second wall (core/storewall.py): the sender's rows and the receiver's.
    ROW_WALL_STORES = ("to_dealership",)

    # `dealership` is the sender (the tenant-FK convention); `from_dealership` repeats it so
    # the two sides read symmetrically in queries. `to_dealership` is null only for a pro who
    # is not on Goodwill (they get an email with the ADF lead instead of an inbox row).
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    from_dealership = models.ForeignKey(
        Dealership, on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_dealership = models.ForeignKey(
        Dealership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UNPROMPTED)
    referrer_kind = models.CharField(
        max_length=10, choices=Referrer.choices, default=Referrer.STAFF
    )
    # Sender side only: never read on the receiving side.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="referrals")
    referrer_customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
        help_text="The customer, friend or partner of the sending store who brought it.",
    )
    # A referral from outside Goodwill (issue 14, point 6): a pro of our network who is not
    # on Goodwill, or a person (`referrer_customer`), sent someone to us by phone, text or in
    # person; our staff logged it for them. The floor credits them, not whoever typed it in,
    # and the thank-you goes to them.
    referrer_pro = models.ForeignKey(
        "network.Pro",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_brought",
        help_text="The pro not on Goodwill who sent this customer to us.",
    )
    from_outside = models.BooleanField(
        default=False, help_text="Brought by someone not on Goodwill; logged by our staff."
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pro = models.ForeignKey(
        "network.Pro", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_to_me",
    )
    to_department = models.CharField(max_length=12, blank=True)
    interest = models.CharField(max_length=300)
    make = models.CharField(max_length=40, blank=True)
    # The snapshot of what was shared, taken at send time under the customer's consent.
    shared_first_name = models.CharField(max_length=80, blank=True)
    shared_last_name = models.CharField(max_length=80, blank=True)
    shared_company = models.CharField(max_length=150, blank=True)
    shared_phone = models.CharField(max_length=20, blank=True)
    shared_email = models.CharField(max_length=254, blank=True)
    shared_note = models.CharField(max_length=1000, blank=True)
    shared_full = models.BooleanField(
        default=False, help_text="Contact details went out (the customer directed it)."
    )
    # Outcome.
    value = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    lost_reason = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField()
    ack_due_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            # "Sent" list and the reciprocity ledger of the sending store.
            models.Index(fields=["from_dealership", "sent_at"], name="referrals_sent_list"),
            # The inbox of the receiving store.
            models.Index(fields=["to_dealership", "status", "sent_at"], name="referrals_inbox"),
            models.Index(fields=["dealership", "customer"], name="referrals_store_customer"),
            models.Index(fields=["dealership", "pro"], name="referrals_store_pro"),
            # A pro's page: the customers they sent us from outside Goodwill.
            models.Index(
                fields=["dealership", "referrer_pro"],
                condition=Q(referrer_pro__isnull=False),
                name="referrals_store_referrer_pro",
            ),
            # The reminder job: open referrals past their acknowledgement deadline.
            models.Index(
                fields=["ack_due_at"],
                condition=Q(status="sent", reminded_at__isnull=True),
                name="referrals_ack_overdue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(dealership=models.F("from_dealership")),
                name="%(app_label)s_%(class)s_dealership_is_sender",
                violation_error_message="A referral belongs to its sender's store.",
            ),
            models.CheckConstraint(
                condition=~Q(status="won") | Q(value__isnull=False),
                name="%(app_label)s_%(class)s_won_has_value",
                violation_error_message="A won referral records its value.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shared_name} → {self.to_display}"

    @property
    def shared_name(self) -> str:
        name = " ".join(p for p in (self.shared_first_name, self.shared_last_name) if p)
        return name or self.shared_company or "Customer"

    @property
    def to_display(self) -> str:
        if self.kind == self.Kind.INTERNAL:
            if self.to_user_id:
                return self.to_user.display_name
            return self.get_to_department_display_value()
        # `pro` is the sender's card: None on the receiving side (`read_by`), which names
        # its own person and store instead; a received row loaded some other way finds no
        # card on PostgreSQL (the sender's row, behind the second wall).
        try:
            pro = self.pro if self.pro_id else None
        except ObjectDoesNotExist:
            pro = None
        if pro is not None:
            return str(pro)
        if self.to_user_id:
            name = self.to_user.display_name
            return f"{name} · {self.to_dealership.name}" if self.to_dealership_id else name
        return ""

    def get_to_department_display_value(self) -> str:
        try:
            return Dealership.Department(self.to_department).label
        except ValueError:
            return self.to_department

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def earned(self) -> bool:
        return self.source in self.EARNED

    @classmethod
    def export_shared_with(cls, dealership):
        """The receiving store's copy in its export: what it was shown (the snapshot copied
        at send time, never the sender's customer), and how it handled the referral."""
        return cls.objects.filter(to_dealership=dealership).values(
            "public_id", "kind", "status", "from_dealership__name", "to_user_id",
            "to_department", "interest", "make", "shared_first_name", "shared_last_name",
            "shared_company", "shared_phone", "shared_email", "shared_note", "value",
            "lost_reason", "sent_at", "ack_due_at", "acknowledged_at", "closed_at",
        )  # fmt: skip


class ReferralEventQuerySet(TenantQuerySet):
    def seen_by(self, dealership):
        """The lifecycle as `dealership` may read it, with the note it may read as
        `shown_note`. Both stores see every step; the sending store reads every note, the
        receiving store only the notes its own people wrote. The sender's own note (on
        "sent") reaches the receiver only through the consent-scoped snapshot
        (`Referral.shared_note`), and system notes (rewards) may name the sender's customers."""
        me = getattr(dealership, "pk", dealership)
        return self.annotate(
            shown_note=Case(
                When(Q(referral__from_dealership_id=me) | Q(actor_store_id=me), then=F("note")),
                default=Value(""),
                output_field=models.CharField(),
            )
        )


class ReferralEvent(models.Model):
    """Append-only lifecycle of a referral, seen by both stores; each store reads the notes
    `ReferralEventQuerySet.seen_by` allows it."""

    # The second wall (core/storewall.py): also the rows of a referral the store can see.
    ROW_WALL_THROUGH = "referral"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    actor_store = models.ForeignKey(
        Dealership, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    verb = models.CharField(max_length=20)
    old_status = models.CharField(max_length=12, blank=True)
    new_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # How a step arrived when nobody signed in: "pro_link" is the outside pro's own link
    # (`actor` is then empty and the note names the pro).
    via = models.CharField(max_length=10, blank=True)

    objects = ReferralEventQuerySet.as_manager()

    VIA_PRO_LINK = "pro_link"

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dealership", "referral", "at"], name="referrals_event")]

    LABELS = {
        "sent": "Sent",
        "acknowledge": "Acknowledged",
        "contact": "Contacted",
        "appointment": "Appointment set",
        "win": "Won",
        "lose": "Lost",
        "send_back": "Sent back",
        "reminded": "Reminder sent",
        "thanked": "Thank-you note sent",
        "reward_proposed": "Reward proposed",
        "reward_refused": "No reward",
        "reward_approved": "Reward approved",
        "reward_rejected": "Reward rejected",
        "reward_paid": "Reward paid",
    }

    @property
    def verb_label(self) -> str:
        return self.LABELS.get(self.verb, self.verb.replace("_", " ").capitalize())

    @classmethod
    def export_shared_with(cls, dealership):
        """The steps of referrals the store received (stored with the referral, on the
        sender's side; both stores see them)."""
        return (
            cls.objects.seen_by(dealership)
            .filter(referral__to_dealership=dealership)
            .values(
                "referral__public_id", "actor_id", "at", "verb", "old_status", "new_status",
                "shown_note",
            )
        )  # fmt: skip


def showroom_days() -> list[int]:
    """Monday to Saturday: Saturday is a dealership's busiest day."""
    return [0, 1, 2, 3, 4, 5]


class ReferralPolicy(models.Model):
    """A store's referral settings (defaults apply when a store has no row): how many business
    hours a received referral may wait for its acknowledgement, and what business hours are."""

    WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]

    dealership = models.OneToOneField(Dealership, on_delete=models.PROTECT, related_name="+")
    ack_business_hours = models.PositiveSmallIntegerField(
        "Acknowledge within (business hours)",
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )
    default_reward = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    open_days = models.JSONField("Open on", default=showroom_days)
    opens_at = models.TimeField("Opens at", default=time(9))
    closes_at = models.TimeField("Closes at", default=time(19))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="referrals_policy_closes_after_opening",
                violation_error_message="The store must close after it opens.",
            )
        ]

    def clean(self):
        days = self.open_days
        if not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
            raise ValidationError({"open_days": ["Pick at least one day the store is open."]})
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": ["The store must close after it opens."]})


class ThankYou(models.Model):
    """A task to thank whoever brought a won referral, with a ready-made note."""

    # The second wall (core/storewall.py): also the rows of a referral the store can see.
    ROW_WALL_THROUGH = "referral"

    class Status(models.TextChoices):
        OPEN = "open", "To do"
        DONE = "done", "Sent"

    class Method(models.TextChoices):
        """How the note reached the person: the log says which (referrals/thanks.py)."""

        GOODWILL = "goodwill", "In their Goodwill inbox"
        EMAIL = "email", "By email"
        LETTER = "letter", "Printed letter"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="thank_yous")
    # Whom it reaches: a person on Goodwill (the salesperson or pro who sent the business; may
    # work at another store, which reads it in its inbox), a customer, friend or partner of
    # the thanking store (email with consent, or a letter), or an outside pro.
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="thank_yous_received",
    )
    to_customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="thank_yous"
    )
    # … or a pro not on Goodwill who sent us the customer (their business email, or a letter).
    to_pro = models.ForeignKey(
        "network.Pro", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True, help_text="When to_user read it.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    thank_whom = models.CharField(max_length=160)
    thank_whom_kind = models.CharField(max_length=10, choices=Referral.Referrer.choices)
    message = models.TextField(max_length=2000)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["status", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "status", "created_at"], name="referrals_thanks"),
            # The thanked person's inbox and My day: notes sent to them, unread first.
            models.Index(
                fields=["to_user", "seen_at"],
                condition=Q(status="done", to_user__isnull=False),
                name="referrals_thanks_received",
            ),
        ]


class Reward(models.Model):
    """An optional bird-dog fee / spiff for a won referral, waiting for a manager's approval."""

    # The second wall (core/storewall.py): also the rows of a referral the store can see.
    ROW_WALL_THROUGH = "referral"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        PAID = "paid", "Paid"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="rewards")
    payee = models.CharField(max_length=160)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "status", "created_at"], name="referrals_rewards"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="%(app_label)s_%(class)s_positive_amount",
                violation_error_message="A reward has a positive amount.",
            )
        ]
