"""Referrals from and to people outside Goodwill (issue 14, point 6).

A referral *from* someone not on Goodwill is a `referrals.Referral` with `from_outside`
(who sent it is its `referrer_pro` or `referrer_customer`): the ledger, the floor and the
thank-you tasks read it like any other. This app adds the two links such people get:
`ProLink`, the private link of a pro not on Goodwill to report what happened to one
referral we sent them, and `ProInvitation`, the invitation of a pro of our network to join
Goodwill with a store of their own. Both keep only the sha256 of their random token."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from goodwill.core.tenancy import TenantQuerySet
from goodwill.dealerships.models import Dealership


class ProLink(models.Model):
    """A pro not on Goodwill's key to one referral we sent them: it opens that referral's
    report page and nothing else. A newer link for the same referral replaces it."""

    EXPORT_EXCLUDE = ("token_hash",)  # the store's export never carries a credential

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="pro_links"
    )
    pro = models.ForeignKey("network.Pro", on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    replaced_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    times_used = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the referral email made it.",
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A referral's current link (the sender's page, replacing it).
            models.Index(fields=["dealership", "referral", "created_at"], name="outside_link_ref"),
        ]


class ProInvitationQuerySet(TenantQuerySet):
    def visible_to(self, user):
        """My store's invitations (any staff member may see whom we invited)."""
        if not user.is_authenticated or user.dealership_id is None:
            return self.none()
        return self.filter(dealership_id=user.dealership_id)


class ProInvitation(models.Model):
    """Our invitation to a pro of our network to join Goodwill with a store of their own:
    a one-time link (only its hash is kept) that expires; the pro may also say no, and a
    pro who said no is never invited again by this store."""

    EXPORT_EXCLUDE = ("token_hash",)  # the store's export never carries a credential
    EXPORT_NOT_SHARED = "the store the pro set up starts its own records; this is ours"

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Joined"
        DECLINED = "declined", "Said no"
        CANCELLED = "cancelled", "Cancelled"

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="+")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pro = models.ForeignKey("network.Pro", on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    note = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    joined_store = models.ForeignKey(
        Dealership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    joined_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ProInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "pro", "sent_at"], name="outside_invite_pro"),
            # The store's daily cap counts today's invitations.
            models.Index(fields=["dealership", "sent_at"], name="outside_invite_store"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pro"],
                condition=Q(status="sent"),
                name="%(app_label)s_%(class)s_one_open_per_pro",
                violation_error_message="This pro already has an open invitation.",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(joined_store__isnull=False),
                name="%(app_label)s_%(class)s_accepted_has_store",
                violation_error_message="An accepted invitation names the store it created.",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SENT and self.expires_at > timezone.now()
