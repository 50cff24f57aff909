"""The partners app answers signals of the apps below it (no upward imports):

- `referrals.signals.referral_sent`: the customer or outside pro credited with a referral
  becomes a partner of the store that logged it; a pro on Goodwill who sends a referral to
  a store that has their card becomes that store's partner.
- `outreach.signals.experience_completed` for a sale: a partner who bought is a customer
  from then on (and still a partner).

Receivers run inside the sender's transaction."""

from goodwill.core import storewall
from goodwill.network.models import Pro
from goodwill.outreach.signals import experience_completed
from goodwill.partners import actions
from goodwill.referrals.models import Referral
from goodwill.referrals.signals import referral_sent


def on_referral_sent(sender, *, referral: Referral, at, **kwargs) -> None:
    if referral.referrer_customer_id:
        actions.ensure_partner(
            referral.from_dealership_id,
            customer=referral.referrer_customer,
            at=at,
            reason=f"Referred {referral.shared_name} ({referral.interest})"[:300],
        )
    if referral.referrer_pro_id:  # a pro not on Goodwill sent us the customer
        actions.ensure_partner(
            referral.from_dealership_id,
            pro=referral.referrer_pro,
            at=at,
            reason=f"Sent us {referral.shared_name} ({referral.interest})"[:300],
        )
    receiver = referral.to_dealership_id
    if receiver and receiver != referral.from_dealership_id:
        # The receiving store's own rows, written from the sender's request.
        with storewall.across_stores("the receiver's card of the sender becomes its partner"):
            card = Pro.objects.filter(
                dealership_id=receiver, user_id=referral.sent_by_id, is_active=True
            ).first()
            if card is not None:
                actions.ensure_partner(
                    receiver, pro=card, at=at, reason=f"Sent us {referral.shared_first_name}"
                )


def on_experience_completed(sender, *, customer, department, at, staff=None, **kwargs) -> None:
    if department == "sales":
        actions.note_purchase(customer, at=at, staff=staff)


def connect() -> None:
    referral_sent.connect(on_referral_sent, dispatch_uid="partners.referral_sent")
    experience_completed.connect(
        on_experience_completed, dispatch_uid="partners.experience_completed"
    )
