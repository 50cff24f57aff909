"""Rivals personas: the floor's (ben, fiona, on_floor) and a not-sold deal of alice's."""

import pytest

from goodwill.floor.tests.conftest import ben, failed_deal, fiona, on_floor  # noqa: F401


@pytest.fixture
def lost_deal(store_a, alice):
    """alice's not-sold deal ("Payment too high"): in the Fails queue."""
    return failed_deal(store_a, alice)
