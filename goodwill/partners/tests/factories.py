"""Store B's partner for the tenancy walk: B's customer made a referral partner."""

from goodwill.partners import actions


def store_b_objects(world) -> dict:
    partner = actions.add_partner(
        world.store_b, acting_user=world.bob, customer=world.customer, kind="body_shop"
    )
    return {"partner_id": partner.public_id}
