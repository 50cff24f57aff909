"""`goodwill simulate --repair-orders N`: service history for the simulated stores."""

import random
from datetime import UTC, datetime

import pytest

from goodwill.devdata.simulate import simulate
from goodwill.devdata.simulate_service import COLUMNS, _ro_rows, odometer, simulate_service
from goodwill.service.models import RepairOrder, ServiceSettings

pytestmark = pytest.mark.django_db


def test_service_history_asks_the_database_per_store_not_per_vehicle(
    django_assert_max_num_queries,
):
    simulate(dealerships=2, customers=250, seed=5)
    with django_assert_max_num_queries(40):  # was one settings lookup per vehicle (400+)
        summary = simulate_service(repair_orders=300, seed=5)
    assert summary.repair_orders == RepairOrder.objects.count() == 300
    assert ServiceSettings.objects.count() == 2


def test_a_vehicles_ros_read_more_miles_visit_after_visit():
    """A store's history: the odometer only goes up, and never past the vehicle's record."""
    simulate(dealerships=2, customers=250, seed=5)
    simulate_service(repair_orders=1500, seed=5)
    seen: dict[int, int] = {}
    rows = RepairOrder.objects.order_by("vehicle_id", "opened_at", "id").values_list(
        "vehicle_id", "mileage_in", "vehicle__mileage"
    )
    for vehicle_id, miles, recorded in rows:
        assert 5 <= miles <= (recorded or miles)
        assert miles >= seen.get(vehicle_id, 0)
        seen[vehicle_id] = miles
    assert len(seen) > 100
    over = RepairOrder.objects.filter(mileage_in__gt=120_000).count()
    assert over < RepairOrder.objects.count() * 0.2  # drawn independently: 46 %


def test_the_independent_mileage_history_differs_only_in_its_mileage():
    """The benchmark's worst case (mileage drawn per RO) keeps every other column of the
    same seed's history."""
    now = datetime(2026, 11, 30, tzinfo=UTC)
    vehicles = [
        (i, 100 + i, 1 + i % 2, "F-150", "person" if i % 3 else "business", 2012 + i % 12, 9000 * i)
        for i in range(1, 60)
    ]

    def rows(independent):
        return list(
            _ro_rows(
                400,
                vehicles,
                {1: [7, 8]},
                rng=random.Random(3),
                now=now,
                next_number={},
                independent_mileage=independent,
            )
        )

    at = COLUMNS.index("mileage_in")
    tied, drawn = rows(False), rows(True)
    assert [r[:at] + r[at + 1 :] for r in tied] == [r[:at] + r[at + 1 :] for r in drawn]
    assert {r[at] % 1000 for r in drawn} == {0}
    assert all(5_000 <= r[at] <= 220_000 for r in drawn)
    assert [r[at] for r in tied] != [r[at] for r in drawn]
    assert [r[at] for r in tied] == [
        odometer(2012 + r[4] % 12, 9000 * r[4], r[COLUMNS.index("opened_at")], now) for r in tied
    ]
