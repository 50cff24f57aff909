"""Store B's network objects for the tenancy walk (goodwill/core/tests/test_tenancy.py)."""

from goodwill.network import actions


def pro_at(store, actor, **fields):
    fields.setdefault("store_name", "Somewhere Motors")
    fields.setdefault("first_name", "Pat")
    fields.setdefault("makes", ["Kia"])
    return actions.record_pro(store, acting_user=actor, **fields)


def store_b_objects(world) -> dict:
    pro = pro_at(world.store_b, world.bob, first_name="Olivia")
    partnership = actions.propose_partnership(pro, acting_user=world.bob)
    # `card_id` is a directory card: store B's *private* network row must not pass for one.
    return {
        "pro_id": pro.public_id,
        "partnership_id": partnership.public_id,
        "card_id": pro.public_id,
    }
