"""Store B objects of the floor app for the tenancy walk (goodwill/core/tests/test_tenancy.py)."""

from datetime import timedelta

from django.utils import timezone

from goodwill.floor import actions


def store_b_objects(world) -> dict:
    store, bob = world.store_b, world.bob
    if not bob.clock_ins.filter(clocked_out_at__isnull=True).exists():
        actions.clock_in(bob)
    waiting = actions.log_up(store, acting_user=bob, source="walk_in", customer=world.customer)
    taken = actions.log_up(
        store, acting_user=bob, source="phone", customer=world.customer, designated_to=bob
    )
    deal = actions.take_up(taken, user=bob)
    appointment = actions.set_appointment(
        world.customer,
        salesperson=bob,
        acting_user=bob,
        starts_at=timezone.now() + timedelta(days=1),
        deal=deal,
    )
    return {
        "up_id": waiting.public_id,
        "deal_id": deal.public_id,
        "appointment_id": appointment.public_id,
    }
