"""Store B's rival offer for the tenancy walk (goodwill/core/tests/test_tenancy.py)."""

from django.utils import timezone

from goodwill.rivals import actions


def store_b_objects(world) -> dict:
    offer = actions.record_offer(
        world.customer,
        by=world.bob,
        rival_store="Hill Country Honda",
        make="Honda",
        price="31000",
        offered_on=timezone.localdate(),
        source="told",
    )
    return {"offer_id": offer.public_id}
