"""Input the floor's API accepts never reaches the database unchecked (issue 11, finding 5)."""

import pytest

from goodwill.api.testing import ApiClient
from goodwill.customers.models import CustomerEvent
from goodwill.floor import actions
from goodwill.floor.tests.conftest import walk_in

pytestmark = pytest.mark.django_db


def test_a_long_vehicle_description_sells_and_its_history_line_is_cut(store_a, on_floor, mike):
    """A 121–200 character vehicle is a valid deal (the column holds 200); the customer's
    history subject (120) used to overflow on PostgreSQL."""
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    vehicle = "2026 Ford F-150 Lariat SuperCrew 4x4, " + "x" * 150
    sold = ApiClient(mike).post(f"/deals/{deal.public_id}/sold", {"vehicle": vehicle})
    assert sold.status_code == 200, sold.content
    event = CustomerEvent.objects.get(customer=deal.customer, verb="sold")
    assert event.subject == vehicle[:120]


def test_a_nul_in_a_body_or_a_search_is_a_422(store_a, on_floor, mike):
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    api = ApiClient(mike)
    sold = api.post(f"/deals/{deal.public_id}/sold", {"vehicle": "2026 Ford\x00 Edge"})
    assert sold.status_code == 422
    assert "control character" in str(sold.json())
    assert api.get("/customers?q=Wal%00ter").status_code == 422


def test_huge_user_ids_and_offsets_are_refused_not_crashed(store_a, mike):
    api = ApiClient(mike)
    for path in (
        "/customers?offset=99999999999999999999",
        "/customers?offset=10000001",
        "/customers?limit=99999999999999999999",
    ):
        assert api.get(path, check_schema=False).status_code == 422, path
