"""Store B's outside objects for the tenancy walk: a referral an outside pro sent store B
about its customer, and store B's invitation of that pro (so list pages and the API of
store A are checked never to show them)."""

from goodwill.network import actions as network_actions
from goodwill.outside import actions


def store_b_objects(world) -> dict:
    pro = network_actions.record_pro(
        world.store_b,
        acting_user=world.bob,
        store_name="Hill Country Tire & Body",
        first_name="Hank",
        email="hank@hillcountrybody.example",
        makes=["Toyota"],
    )
    actions.log_outside_referral(
        world.store_b,
        acting_user=world.bob,
        interest="a Tacoma",
        pro=pro,
        customer=world.customer,
        to_user=world.bob,
    )
    actions.invite_pro(pro, acting_user=world.bob)
    # Their ids are kinds the referrals and network apps register (referral_id, pro_id).
    return {}
