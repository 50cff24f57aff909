"""The pro network: the pro at every other make store a salesperson knows, the partnerships
between stores, and the directory listing that lets Goodwill members find each other."""

import uuid
from urllib.parse import quote_plus

from django.conf import settings
from django.db import models
from django.db.models import Q

from goodwill.core.tenancy import TenantQuerySet
from goodwill.dealerships.models import Dealership

SPECIALTIES = (
    "commercial",
    "upfitted trucks",
    "fleet",
    "trucks",
    "used",
    "certified pre-owned",
    "EV",
    "hybrid",
    "first car",
    "off-road",
    "luxury",
    "value",
    "outdoor",
)


class ProQuerySet(TenantQuerySet):
    def visible_to(self, user):
        """My store's network (including my own store's listed cards)."""
        if not user.is_authenticated or user.dealership_id is None:
            return self.none()
        return self.filter(dealership_id=user.dealership_id)

    def directory(self):
        """Cards Goodwill members published about themselves: business contact only, no
        notes of anyone's visit. This is the one deliberate cross-store read of the app."""
        return self.filter(listed=True, is_active=True)


class Pro(models.Model):
    """A pro at a store, as one dealership's network knows them (or, with `listed`, a member's
    own published card). Linked to a real account when their store is on Goodwill."""

    EXPORT_NOT_SHARED = "a store's notes on a pro stay that store's; the pro's store has its staff"
    # The second wall (core/storewall.py): a listed card is the directory, read by every store.
    ROW_WALL_READ = "listed"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The pro's own store and login when they are on Goodwill; both empty for an external pro.
    store = models.ForeignKey(
        Dealership, on_delete=models.PROTECT, null=True, blank=True, related_name="pros_here"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pro_cards",
    )
    listed = models.BooleanField(
        default=False, help_text="A member's own card, findable by every store on Goodwill."
    )
    store_name = models.CharField(max_length=120)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80, blank=True)
    title = models.CharField(max_length=80, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    makes = models.JSONField(default=list, blank=True)
    specialties = models.JSONField(default=list, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state", max_length=50, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    website = models.URLField(blank=True)
    notes = models.TextField("notes from the visit", max_length=5000, blank=True)
    # A member's own card: the line at its foot, and which photo it shows (0: none; the
    # number changes with each new photo, so a link to it never shows a stale one).
    card_line = models.CharField("line at the foot of the card", max_length=90, blank=True)
    photo_version = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Running figures kept by the referral actions (suggestions rank on them without joins).
    sent_count = models.PositiveIntegerField(default=0, help_text="Referrals we sent them")
    acked_count = models.PositiveIntegerField(default=0)
    ack_seconds_total = models.PositiveBigIntegerField(default=0)
    won_count = models.PositiveIntegerField(default=0)
    closed_count = models.PositiveIntegerField(default=0, help_text="Won + lost")
    received_count = models.PositiveIntegerField(default=0, help_text="Referrals they sent us")

    objects = ProQuerySet.as_manager()

    class Meta:
        ordering = ["store_name", "first_name", "last_name", "id"]
        indexes = [
            models.Index(fields=["dealership", "store_name"], name="network_pro_store_name"),
            models.Index(fields=["dealership", "user"], name="network_pro_store_user"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(listed=True),
                name="%(app_label)s_%(class)s_one_listing_per_user",
                violation_error_message="This person already has a published card.",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(store__isnull=False),
                name="%(app_label)s_%(class)s_linked_pro_has_store",
                violation_error_message="A pro on Goodwill belongs to a store on Goodwill.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.store_name}"

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def on_goodwill(self) -> bool:
        return self.user_id is not None

    @property
    def address_line(self) -> str:
        city = ", ".join(
            p for p in (self.city, " ".join(filter(None, [self.region, self.postal_code]))) if p
        )
        return ", ".join(p for p in (self.street, city) if p)

    @property
    def map_url(self) -> str:
        if self.latitude is not None and self.longitude is not None:
            return f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}#map=16/{self.latitude}/{self.longitude}"
        if self.address_line:
            return "https://www.openstreetmap.org/search?query=" + quote_plus(
                f"{self.store_name}, {self.address_line}"
            )
        return ""

    @property
    def makes_display(self) -> str:
        return ", ".join(self.makes)

    @property
    def ack_hours(self) -> float | None:
        if not self.acked_count:
            return None
        return self.ack_seconds_total / self.acked_count / 3600

    @property
    def win_rate(self) -> float | None:
        return self.won_count / self.closed_count if self.closed_count else None


class ProMake(models.Model):
    """One row per make a pro sells: the index suggestions search (make, then distance).

    Copies the pro's location and listing flag so the lookup is one index range scan."""

    ROW_WALL_READ = "listed"  # the directory (core/storewall.py)

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    pro = models.ForeignKey(Pro, on_delete=models.CASCADE, related_name="make_rows")
    make = models.CharField(max_length=40, help_text="Lower-cased")
    listed = models.BooleanField(default=False)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [
            # My network's pros for a make.
            models.Index(fields=["dealership", "make"], name="network_promake_store_make"),
            # The directory: listed pros for a make inside a latitude band. Deliberately not
            # led by dealership: the directory is a cross-store reference table (see
            # ARCHITECTURE.md, "Referrals belong to two stores").
            models.Index(
                fields=["make", "latitude"],
                condition=Q(listed=True),
                name="network_promake_directory",
            ),
        ]


class Partnership(models.Model):
    """An agreement between my store and a pro: mutual once both sides accept (pro on
    Goodwill) or once the proposer marks it agreed (external pro)."""

    ROW_WALL_STORES = ("partner_store",)  # both stores' (core/storewall.py)

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"
        DECLINED = "declined", "Declined"
        ENDED = "ended", "Ended"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pro = models.ForeignKey(Pro, on_delete=models.PROTECT, related_name="partnerships")
    # The other side when it is on Goodwill: it sees and answers the proposal.
    partner_store = models.ForeignKey(
        Dealership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    partner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    terms = models.CharField(max_length=500, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    agreed_at = models.DateTimeField(null=True, blank=True)

    class QuerySet(TenantQuerySet):
        def visible_to(self, user):
            if not user.is_authenticated or user.dealership_id is None:
                return self.none()
            me = user.dealership_id
            return self.filter(Q(dealership_id=me) | Q(partner_store_id=me))

        def read_by(self, user):
            """`visible_to`, with the proposer's card of the pro fetched apart: the partner
            store never joins it (it is the proposer's row, behind the second wall, where an
            inner join would drop the whole proposal); there `pro` is None."""
            return (
                self.visible_to(user)
                .select_related("dealership", "proposed_by")
                .prefetch_related("pro")
            )

    objects = QuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "status"], name="network_partner_store_status"),
            # Proposals waiting for my answer.
            models.Index(fields=["partner_store", "status"], name="network_partner_incoming"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pro"],
                condition=Q(status__in=["proposed", "agreed"]),
                name="%(app_label)s_%(class)s_one_open_per_pro",
                violation_error_message="There is already an open partnership with this pro.",
            )
        ]

    @classmethod
    def export_shared_with(cls, dealership):
        """The partner store's copy in its export: the agreement as both sides see it."""
        return cls.objects.filter(partner_store=dealership).values(
            "public_id", "dealership__name", "status", "terms", "created_at", "agreed_at"
        )


class CardPhoto(models.Model):
    """The photo on a pro's card: a small JPEG we re-encoded from the upload (no metadata of
    the original survives), kept in the database so no file store is needed."""

    EXPORT_EXCLUDE = ("jpeg",)  # an image, not a table cell: the export says which cards have one

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    pro = models.OneToOneField(Pro, on_delete=models.CASCADE, related_name="photo")
    jpeg = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["dealership", "pro"], name="network_cardphoto_pro")]


class NetworkEvent(models.Model):
    """Append-only history of the network: pros recorded and edited, partnerships answered."""

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    pro = models.ForeignKey(Pro, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    at = models.DateTimeField(auto_now_add=True)
    verb = models.CharField(max_length=30)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["dealership", "pro", "at"], name="network_event_pro")]
