"""Store B objects of the service app for the tenancy walk (core/tests/test_tenancy.py)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from goodwill.conftest import make_customer, make_staff
from goodwill.customers.actions import add_vehicle
from goodwill.service import actions


def store_b_objects(world) -> dict:
    store, bob = world.store_b, world.bob
    fleet_customer = make_customer(
        store,
        bob,
        kind="business",
        company_name="Bee Cave Plumbing",
        first_name="",
        last_name="",
        phones={"mobile": "(737) 555-0190"},
    )
    truck = add_vehicle(fleet_customer, acting_user=bob, make="Toyota", model="Tundra", year=2012)
    ro = actions.open_repair_order(
        fleet_customer,
        truck,
        acting_user=bob,
        number="B-1",
        complaint="Brakes",
        labor=Decimal(3000),
        parts=Decimal(4000),
        run_rules=False,
    )
    opportunity = actions.refer_by_hand(ro, acting_user=bob, note="Wants a new truck")
    special = actions.save_special(
        store, acting_user=_manager(store), title="Oil change", starts_on=date.today()
    )
    visit = actions.book_visit(
        world.customer, acting_user=bob, scheduled_for=timezone.now() + timedelta(days=2)
    )
    return {
        "ro_id": ro.public_id,
        "opportunity_id": opportunity.public_id,
        "fleet_id": fleet_customer.fleet.public_id,
        "special_id": special.public_id,
        "visit_id": visit.public_id,
    }


def _manager(store):
    return make_staff(store, "bmgr", "service_mgr")
