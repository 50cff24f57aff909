"""Customers belong to the dealership: people and businesses, their contact points,
vehicles, consents, who is assigned to them, and an append-only history of every change."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL

from goodwill.core.tenancy import TenantQuerySet
from goodwill.dealerships.models import Dealership


class CustomerQuerySet(TenantQuerySet):
    def visible_to(self, user):
        """What `user` may see. Another store's customers never appear; a salesperson of a
        store that hides colleagues' customers sees their own and unassigned ones."""
        if not user.is_authenticated or user.dealership_id is None:
            return self.none()
        qs = self.filter(dealership_id=user.dealership_id)
        if not user.sees_all_customers:
            qs = qs.filter(Q(salesperson=user) | Q(salesperson__isnull=True))
        return qs

    def with_contact(self, dealership, *, phone: str = "", email: str = ""):
        """The store's customer with this E.164 phone, else this email, or None: how a lead
        or a referral finds the person it is about instead of creating them twice."""
        store = self.filter(dealership=dealership)
        if phone:
            hit = store.filter(phones__number=phone).order_by("pk").first()
            if hit:
                return hit
        if email:
            return store.filter(emails__address_lower=email.lower()).order_by("pk").first()
        return None


class OfCustomerQuerySet(TenantQuerySet):
    """Rows about one customer (deals, fails cases, …): visible when the customer is."""

    def visible_to(self, user):
        if not user.is_authenticated or user.dealership_id is None:
            return self.none()
        rows = self.filter(dealership_id=user.dealership_id)
        if user.sees_all_customers:
            return rows  # no semi-join over the store's customers for most users
        return rows.filter(customer__in=Customer.objects.visible_to(user))


def display_name_of(kind: str, first_name: str, last_name: str, company_name: str) -> str:
    """`Customer.display_name` from the four values alone (rows read with `.values()`)."""
    if kind == Customer.Kind.BUSINESS and company_name:
        return company_name
    return " ".join(p for p in (first_name, last_name) if p) or company_name


class Customer(models.Model):
    """A person or a business (fleet) the store knows. Owned by the dealership, not by staff."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        BUSINESS = "business", "Business / fleet"

    class Relationship(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        PROSPECT = "prospect", "Prospect"
        PARTNER = "partner", "Referral partner"
        FRIEND = "friend", "Friend"
        PRO = "pro", "Pro at another store"

    # No index of its own: every index of the table leads with the store, and each redundant
    # index cost every imported row (issue 10, point 4).
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERSON)
    first_name = models.CharField(max_length=80, blank=True)
    # Kept apart from the first name (address books write "Anna; Marie"): searches and
    # greetings use the first name, the customer's page shows the whole name.
    middle_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    company_name = models.CharField(max_length=150, blank=True)
    relationship = models.CharField(
        max_length=10, choices=Relationship.choices, default=Relationship.PROSPECT
    )
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state", max_length=50, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    notes = models.TextField(max_length=5000, blank=True)
    # Denormalised first contact points, kept by the actions, so lists need no extra query.
    primary_phone = models.CharField(max_length=20, blank=True)
    primary_email = models.CharField(max_length=254, blank=True)
    # Lower-cased "first last company" for name-fragment search (trigram index on PostgreSQL).
    search_name = models.CharField(max_length=320, blank=True, editable=False)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_customers",
    )
    service_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_customers",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CustomerQuerySet.as_manager()

    # The fields a person types about a customer (forms, the API, imports, merges): the one
    # list; ids, contact points, assignment and timestamps are handled by the actions.
    EDITABLE_FIELDS = (
        "kind",
        "first_name",
        "middle_name",
        "last_name",
        "company_name",
        "relationship",
        "street",
        "city",
        "region",
        "postal_code",
        "notes",
    )

    class Meta:
        ordering = ["last_name", "first_name", "company_name", "id"]
        indexes = [
            # Customer list of a store, sorted by name.
            models.Index(
                fields=["dealership", "last_name", "first_name"], name="customers_cust_store_name"
            ),
            # "My customers" for a salesperson.
            models.Index(fields=["dealership", "salesperson"], name="customers_cust_store_sales"),
            models.Index(fields=["dealership", "updated_at"], name="customers_cust_store_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="", last_name="", company_name=""),
                name="%(app_label)s_%(class)s_has_a_name",
                violation_error_message="A customer needs a name or a company name.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def person_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def full_name(self) -> str:
        """First, middle and last name: the customer's own page."""
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def display_name(self) -> str:
        return display_name_of(self.kind, self.first_name, self.last_name, self.company_name)

    @property
    def address_line(self) -> str:
        city = ", ".join(
            p for p in (self.city, " ".join(filter(None, [self.region, self.postal_code]))) if p
        )
        return " · ".join(p for p in (self.street, city) if p)

    def refresh_search_name(self) -> None:
        self.search_name = " ".join(
            p for p in (self.first_name, self.last_name, self.company_name) if p
        ).lower()


class CustomerPhone(models.Model):
    """A phone number, stored as E.164 so any typed format finds it. One per label; the
    kind of line is part of the label (a fax is never offered for a call or a text)."""

    class Label(models.TextChoices):
        MOBILE = "mobile", "Mobile"
        HOME = "home", "Home"
        WORK = "work", "Work"
        OTHER = "other", "Other"
        FAX = "fax", "Fax"
        PAGER = "pager", "Pager"

    # Labels that name a voice line: a merge may move a number between these; a fax or a
    # pager keeps its label or goes to the customer's other contact details.
    VOICE = ("mobile", "home", "work", "other")

    # No index of its own: `customers_phone_store_number` leads with the store, and each redundant
    # index cost every imported row (issue 10, point 4).
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, db_index=False)
    # No index of its own: the unique (customer, label) leads with it.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="phones", db_index=False
    )
    number = models.CharField(max_length=20)
    label = models.CharField(max_length=10, choices=Label.choices, default=Label.MOBILE)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            # Search by phone: exact E.164 match within a store.
            models.Index(fields=["dealership", "number"], name="customers_phone_store_number")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "label"],
                name="%(app_label)s_%(class)s_one_per_label",
                violation_error_message="This customer already has a phone with that label.",
            )
        ]


class CustomerEmail(models.Model):
    """An email address, normalised by email-validator (domain lower-cased)."""

    class Label(models.TextChoices):
        PERSONAL = "personal", "Personal"
        WORK = "work", "Work"
        OTHER = "other", "Other"

    # No index of its own: `customers_email_store_addr` leads with the store, and each redundant
    # index cost every imported row (issue 10, point 4).
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, db_index=False)
    # No index of its own: the unique (customer, label) leads with it.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="emails", db_index=False
    )
    address = models.CharField(max_length=254)
    # Lower-cased copy for case-insensitive lookup with a plain index.
    address_lower = models.CharField(max_length=254, editable=False)
    label = models.CharField(max_length=10, choices=Label.choices, default=Label.PERSONAL)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            # Search by email within a store.
            models.Index(fields=["dealership", "address_lower"], name="customers_email_store_addr")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "label"],
                name="%(app_label)s_%(class)s_one_per_label",
                violation_error_message="This customer already has an email with that label.",
            )
        ]


class ContactDetail(models.Model):
    """A phone, email or address beyond the customer's one-per-label slots (a second
    mobile, a third email, a work address next to the home one), kept with the type its
    source gave it, so an import never drops what it read. Phones are E.164 and emails
    normalised, as in the slots; an address is one line."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        ADDRESS = "address", "Address"

    # No index of its own: `customers_detail_store_value` leads with the store, and each redundant
    # index cost every imported row (issue 10, point 4).
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_details")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    label = models.CharField(max_length=40, blank=True, help_text="e.g. fax, work, iPhone")
    value = models.CharField(max_length=300)

    objects = OfCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["dealership", "value"], name="customers_detail_store_value")
        ]

    def __str__(self) -> str:
        return f"{self.label or self.get_kind_display()}: {self.value}"


# The empty VIN as SQL text, not a parameter, for lookups by VIN: a plan PostgreSQL keeps
# for any VIN may use the partial unique index below only when the query states its
# predicate (`NOT (vin = '')`) with the same constant; a parameter proves nothing.
NO_VIN = RawSQL("''", ())  # nosec B611 # a constant: no input reaches this SQL


class Vehicle(models.Model):
    """A vehicle the customer owns or drives; VIN decoded and validated where possible."""

    # No index of its own: `customers_veh_store_cust` leads with the store, and each redundant
    # index cost every imported row (issue 10, point 4).
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, db_index=False)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="vehicles")
    vin = models.CharField("VIN", max_length=17, blank=True)
    vin_validated = models.BooleanField(default=False)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=60, blank=True)
    trim = models.CharField(max_length=60, blank=True)
    color = models.CharField(max_length=30, blank=True)
    mileage = models.PositiveIntegerField(null=True, blank=True)
    plate = models.CharField("licence plate", max_length=12, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # What a person types about a vehicle; the decoded facts are filled in by the actions.
    EDITABLE_FIELDS = ("vin", "year", "make", "model", "trim", "color", "mileage", "plate", "notes")

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "make", "model", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "vin"],
                condition=~Q(vin=""),
                name="%(app_label)s_%(class)s_unique_vin_per_store",
                violation_error_message="Another vehicle in this store already has this VIN.",
            )
        ]
        indexes = [models.Index(fields=["dealership", "customer"], name="customers_veh_store_cust")]

    def __str__(self) -> str:
        title = " ".join(str(p) for p in (self.year, self.make, self.model) if p)
        return title or self.vin or "Vehicle"


class Consent(models.Model):
    """The current consent of one customer for one channel; its history is in CustomerEvent."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"
        PHONE = "phone", "Phone call"
        SHARE = "share", "Share with a partner dealership"

    class Method(models.TextChoices):
        IN_PERSON = "in_person", "In person, spoken"
        PHONE = "phone", "On the phone"
        PAPER = "paper", "Signed form"
        WEB = "web", "Web form"
        EMAIL = "email", "By email"
        IMPORT = "import", "Imported record"
        TEXT = "text", "By text message"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    granted = models.BooleanField()
    method = models.CharField(max_length=10, choices=Method.choices)
    wording = models.CharField(
        max_length=500, blank=True, help_text="What the customer was shown or told."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    recorded_at = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["channel", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "channel"],
                name="%(app_label)s_%(class)s_one_per_channel",
                violation_error_message="This customer already has a consent for this channel.",
            )
        ]
        indexes = [
            models.Index(fields=["dealership", "customer"], name="customers_consent_store_cust")
        ]


class Assignment(models.Model):
    """Who held the customer, in which role, from when to when, and who made the change."""

    class Role(models.TextChoices):
        SALES = "sales", "Salesperson"
        SERVICE = "service", "Service advisor"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(max_length=10, choices=Role.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(
                fields=["dealership", "customer", "role"], name="customers_assign_cust_role"
            )
        ]


class CustomerEvent(models.Model):
    """Append-only history: who changed what on a customer, when, old → new, and why."""

    class Verb(models.TextChoices):
        """Every kind of history line, from every app that writes one: `record_event`
        refuses a verb that is not declared here (one list, one label each)."""

        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        VEHICLE_ADDED = "vehicle_added", "Vehicle added"
        VEHICLE_UPDATED = "vehicle_updated", "Vehicle updated"
        CONSENT_GRANTED = "consent_granted", "Consent given"
        CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
        ASSIGNED = "assigned", "Assigned"
        VEHICLE_MOVED = "vehicle_moved", "Vehicle changed hands"
        # dedupe
        DUPLICATE_DISMISSED = "duplicate_dismissed", "Duplicate dismissed"
        MERGED = "merged", "Merged"
        MERGE_UNDONE = "merge_undone", "Merge undone"
        # outreach
        ASKS_HELD = "asks_held", "Not to be asked"
        ASKS_RESUMED = "asks_resumed", "May be asked again"
        # referrals
        REFERRAL_SHARED = "referral_shared", "Referral shared"
        REFERRAL_SENT = "referral_sent", "Referral sent"
        THANK_YOU_SENT = "thank_you_sent", "Thanked"
        # partners
        PARTNER_ADDED = "partner_added", "Became a referral partner"
        PARTNER_UPDATED = "partner_updated", "Referral partner updated"
        PARTNER_BOUGHT = "partner_bought", "Partner became a customer"
        # floor
        UP_LOGGED = "up_logged", "Up logged"
        UP_TAKEN = "up_taken", "Took the up"
        UP_OVERRIDDEN = "up_overridden", "Manager assigned the up"
        TURNED_OVER = "turned_over", "T.O."
        APPOINTMENT_SET = "appointment_set", "Appointment set"
        SOLD = "sold", "Sold"
        NOT_SOLD = "not_sold", "Not sold"
        # fails
        FAILS_CLAIMED = "fails_claimed", "Fails: claimed"
        FAILS_STEP = "fails_step", "Fails: step"
        FAILS_RECOVERED = "fails_recovered", "Fails: recovered"
        FAILS_REFERRED = "fails_referred", "Fails: referred out"
        FAILS_LOST = "fails_lost", "Fails: lost"
        # service
        RO_OPENED = "ro_opened", "RO opened"
        RO_RECORDED = "ro_recorded", "RO recorded"
        RO_UPDATED = "ro_updated", "RO updated"
        RO_CLOSED = "ro_closed", "RO closed"
        FLEET_OPENED = "fleet_opened", "Fleet account opened"
        FLEET_UPDATED = "fleet_updated", "Fleet account updated"
        VEHICLE_SERVICE_FACTS = "vehicle_service_facts", "Vehicle service facts"
        SERVICE_BOOKED = "service_booked", "Service visit booked"
        SERVICE_VISIT = "service_visit", "Service visit"
        SERVICE_INTRO_SENT = "service_intro_sent", "Service advisor introduced"
        SERVICE_INTRO_HELD = "service_intro_held", "Service introduction held"
        # feedback
        SURVEY_SENT = "survey_sent", "Survey sent"
        SURVEY_NOT_SENT = "survey_not_sent", "Survey not sent"
        SURVEY_ANSWERED = "survey_answered", "Survey answered"
        RECOVERY_OPENED = "recovery_opened", "Recovery task opened"
        RECOVERY_CLOSED = "recovery_closed", "Recovery task closed"
        FRIEND_INTRODUCED = "friend_introduced", "Introduced a friend"
        # rivals
        RIVAL_OFFER = "rival_offer", "A rival's offer recorded"
        # messaging
        TEXT_SENT = "text_sent", "Text sent"
        TEXT_RECEIVED = "text_received", "Text received"
        EMAIL_SENT = "email_sent", "Email sent"

    # No index of its own: `customers_event_timeline` leads with the store, and each redundant
    # index cost every imported row (issue 10, point 4).
    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    at = models.DateTimeField()
    verb = models.CharField(max_length=30)
    subject = models.CharField(max_length=120, blank=True, help_text="e.g. the vehicle or channel")
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The customer page timeline.
            models.Index(fields=["dealership", "customer", "at"], name="customers_event_timeline")
        ]

    @property
    def verb_label(self) -> str:
        return self.Verb(self.verb).label
