"""`goodwill simulate --repair-orders N`: service history for the simulated stores."""

import pytest

from goodwill.devdata.simulate import simulate
from goodwill.devdata.simulate_service import simulate_service
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
