"""Network personas shared by the network and referrals tests.

carol (store C, Lone Star Honda) publishes her card; alice (store A) records her as a pro
linked to her account; kim is an external pro (Round Rock Kia, not on Goodwill)."""

import pytest

from goodwill.network import actions


@pytest.fixture
def carol_card(carol):
    return actions.publish_card(carol)


@pytest.fixture
def carol_pro(store_a, alice, carol_card):
    """Carol as store A's network knows her: linked to her real account."""
    return actions.record_pro(
        store_a, acting_user=alice, linked_to=carol_card, notes="Met at the Honda open house"
    )


@pytest.fixture
def kim(store_a, alice):
    """A pro whose store is not on Goodwill: referrals to her go by email."""
    return actions.record_pro(
        store_a,
        acting_user=alice,
        store_name="Round Rock Kia",
        first_name="Kim",
        last_name="Nguyen",
        title="Sales manager",
        phone="(512) 555-0150",
        email="kim@roundrockkia.example",
        makes=["Kia"],
        specialties=["EV", "value"],
        street="100 Main St",
        city="Round Rock",
        region="TX",
        postal_code="78664",
        latitude=30.5083,
        longitude=-97.6789,
    )
