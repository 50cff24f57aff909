"""Personas of the partners tests: the network pros, and a body shop of store A."""

import pytest

from goodwill.conftest import make_customer
from goodwill.network.tests.personas import carol_card, carol_pro, kim  # noqa: F401


@pytest.fixture
def shop(store_a, alice):
    """A body shop that sends the store customers whose cars are beyond repair."""
    return make_customer(
        store_a,
        alice,
        kind="business",
        first_name="",
        last_name="",
        company_name="Eastside Collision",
        relationship="partner",
        phones={"mobile": "(512) 555-0188"},
        street="9 Body Shop Rd",
        city="Austin",
        region="TX",
        postal_code="78702",
    )
