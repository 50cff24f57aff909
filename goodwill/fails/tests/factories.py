"""Store B objects of the fails app for the tenancy walk (goodwill/core/tests/test_tenancy.py)."""

from goodwill.conftest import make_staff
from goodwill.customers.actions import set_consent
from goodwill.fails import actions
from goodwill.fails.models import FailsCase
from goodwill.floor.tests.conftest import failed_deal


def store_b_objects(world) -> dict:
    deal = failed_deal(world.store_b, world.bob)
    case = FailsCase.objects.get(deal=deal)

    set_consent(case.customer, "phone", granted=True, method="phone", acting_user=world.bob)
    actions.claim(case, specialist=make_staff(world.store_b, "fran", "fails"))
    follow_up = case.follow_ups.first()
    return {"case_id": case.public_id, "follow_up_id": follow_up.public_id}
