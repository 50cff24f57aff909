"""Store B's referral objects for the tenancy walk: a referral from B to C (A sees nothing)."""

from decimal import Decimal

from goodwill.network import actions as network_actions
from goodwill.referrals import actions
from goodwill.referrals.models import ReferralPolicy


def store_b_objects(world) -> dict:
    carol_card = network_actions.publish_card(world.carol)
    pro = network_actions.record_pro(world.store_b, acting_user=world.bob, linked_to=carol_card)
    ReferralPolicy.objects.get_or_create(
        dealership=world.store_c, defaults={"default_reward": Decimal("100")}
    )
    referral = actions.send_referral(
        world.customer, acting_user=world.bob, pro=pro, interest="a Honda Civic"
    )
    actions.transition(referral, "win", acting_user=world.carol, value=Decimal("100"))
    # The thank-you and reward of a B→C referral live at C: still not store A's.
    return {
        "referral_id": referral.public_id,
        "thankyou_id": referral.thank_yous.first().public_id,
        "reward_id": referral.rewards.first().public_id,
    }
