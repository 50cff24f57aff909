"""Floor personas on top of the shared ones: ben (second salesperson), fiona (fails
specialist), and helpers that walk an up through the real actions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from goodwill.conftest import make_customer, make_staff
from goodwill.floor import actions


@pytest.fixture
def ben(store_a):
    return make_staff(store_a, "ben", "sales")


@pytest.fixture
def fiona(store_a):
    return make_staff(store_a, "fiona", "fails")


@pytest.fixture
def on_floor(alice, ben):
    """alice then ben clocked in, alice first in line."""
    start = timezone.now() - timedelta(hours=1)
    actions.clock_in(alice, at=start)
    actions.clock_in(ben, at=start + timedelta(minutes=1))
    return [alice, ben]


def walk_in(store, actor, first_name="Walter", **extra):
    return actions.log_up(
        store,
        acting_user=actor,
        source="walk_in",
        new_customer={"first_name": first_name, "last_name": "Inn", **extra},
    )


def failed_deal(store, salesperson, logger=None, reason="Payment too high"):
    """An up taken by `salesperson` (designated, so rotation does not matter), not sold."""
    if not salesperson.clock_ins.filter(clocked_out_at__isnull=True).exists():
        actions.clock_in(salesperson)
    customer = make_customer(store, logger or salesperson, first_name="Fay", last_name="Ledeal")
    up = actions.log_up(
        store,
        acting_user=logger or salesperson,
        source="phone",
        customer=customer,
        designated_to=salesperson,
    )
    deal = actions.take_up(up, user=salesperson)
    actions.mark_not_sold(deal, acting_user=salesperson, reason=reason, notes="Came back $40 high")
    deal.refresh_from_db()
    return deal
