"""Service personas: sam (service advisor) and sue (service manager) at store A, and a
helper to open an RO through the real action with its rules run as the job would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from goodwill.conftest import make_customer, make_staff
from goodwill.customers.actions import add_vehicle
from goodwill.service import actions


@pytest.fixture
def sam(store_a):
    return make_staff(store_a, "sam", "advisor")


@pytest.fixture
def sue(store_a):
    return make_staff(store_a, "sue", "service_mgr")


@pytest.fixture
def old_truck(customer, alice):
    """Robert's 2016 F-150, 98,866 miles: worth about $10,600 by the estimate."""
    return add_vehicle(
        customer, acting_user=alice, year=2016, make="Ford", model="F-150", mileage=98866
    )


@pytest.fixture
def fleet_customer(store_a, alice):
    return make_customer(
        store_a,
        alice,
        kind="business",
        company_name="Hill Country Plumbing LLC",
        first_name="Dale",
        last_name="Ruiz",
        phones={"mobile": "(512) 555-0142"},
    )


@pytest.fixture
def open_ro(django_capture_on_commit_callbacks):
    """`open_ro(customer, vehicle, by, labor=…, …)` opens an RO and runs the after-save job
    (on commit, as in production)."""
    counter = [0]

    def run(customer, vehicle, by, **fields):
        counter[0] += 1
        fields.setdefault("number", f"7{counter[0]:04d}")
        fields.setdefault("complaint", "Check engine light on")
        fields.setdefault("labor", Decimal(100))
        fields.setdefault("parts", Decimal(0))
        with django_capture_on_commit_callbacks(execute=True):
            return actions.open_repair_order(customer, vehicle, acting_user=by, **fields)

    return run


def days_ago(n: int, hour: int = 9):
    return (timezone.now() - timedelta(days=n)).replace(hour=hour, minute=0)
