"""Where the floor meets the referrals app: an up of source "referral" points at its
Referral, goes to whoever it was sent to, is never logged twice nor re-logged as a walk-in,
and a sale marks the referral won (the referrals app then thanks and rewards the referrer).

The receiving store of a partner referral never reads the sender's Customer row: the
customer is found here by the shared phone or email, or created from the shared snapshot."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from goodwill.core.contact import normalise_phone
from goodwill.customers.actions import create_customer
from goodwill.customers.models import Customer
from goodwill.referrals import actions as referral_actions
from goodwill.referrals.models import Referral


def received(dealership):
    """Open referrals sent to this store and not logged as an up yet (the board's list)."""
    return (
        Referral.objects.received_by_store(dealership)
        .filter(status__in=Referral.OPEN, ups__isnull=True)
        .select_related("sent_by", "from_dealership", "to_user")
        .order_by("-sent_at", "-id")
    )


def customer_and_recipient(dealership, referral: Referral, *, acting_user):
    if referral.to_dealership_id != dealership.pk:
        raise ValidationError({"referral": ["No such referral sent to this store."]})
    if referral.ups.exists():
        raise ValidationError({"referral": ["This referral was already logged."]})
    if referral.status not in Referral.OPEN:
        raise ValidationError(
            {"referral": [f"This referral is {referral.get_status_display().lower()}."]}
        )
    recipient = referral.to_user
    if recipient is not None and recipient.dealership_id != dealership.pk:
        recipient = None
    if referral.kind == Referral.Kind.INTERNAL:
        return referral.customer, recipient
    customer = Customer.objects.with_contact(
        dealership, phone=referral.shared_phone, email=referral.shared_email
    )
    if customer is None:
        first = referral.shared_first_name or referral.shared_name
        customer = create_customer(
            dealership,
            acting_user=acting_user,
            phones={"mobile": referral.shared_phone} if referral.shared_phone else None,
            emails={"personal": referral.shared_email} if referral.shared_email else None,
            reason=f"Referred by {referral.sent_by.display_name}",
            first_name=first[:80],
            last_name=referral.shared_last_name,
            company_name=referral.shared_company,
        )
    return customer, recipient


def open_referral_for(dealership, customer, phone: str = "") -> Referral | None:
    """An open referral to this store for this person, not logged yet: logging them as a
    walk-in would lose the referrer's credit."""
    conditions = Q(pk__in=[])
    if customer is not None:
        conditions |= Q(kind=Referral.Kind.INTERNAL, customer=customer)
        if customer.primary_phone:
            conditions |= Q(shared_phone=customer.primary_phone)
    if phone:
        try:
            number = normalise_phone(phone, dealership.phone_region)
        except ValidationError:
            number = ""
        if number:
            conditions |= Q(shared_phone=number)
    if conditions == Q(pk__in=[]):
        return None
    return received(dealership).filter(conditions).first()


def relog_message(referral: Referral) -> str:
    return (
        f"{referral.shared_name} was referred by {referral.sent_by.display_name} on "
        f"{timezone.localtime(referral.sent_at):%b %-d}: log this up as that referral."
    )


def mark_contacted(referral: Referral, *, acting_user, at, notify: bool = True) -> None:
    """The referred customer came in: the sender sees "contacted" (and is emailed unless
    `notify` is off, as in the demo's seeding)."""
    if acting_user is not None and referral.status in (
        Referral.Status.SENT,
        Referral.Status.ACKNOWLEDGED,
    ):
        referral_actions.transition(
            referral,
            "contact",
            acting_user=acting_user,
            note="Came in: up logged",
            at=at,
            notify=notify,
        )


def mark_won(deal, *, acting_user, at) -> None:
    referral = deal.up.referral
    if referral is None or referral.status not in Referral.OPEN or acting_user is None:
        return
    referral_actions.transition(
        referral,
        "win",
        acting_user=acting_user,
        value=deal.gross if deal.gross is not None else 0,
        note=f"Sold: {deal.vehicle}",
        at=at,
    )
