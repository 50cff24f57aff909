"""Two presses of "take" at the same moment: real concurrent transactions, one connection
per thread. On PostgreSQL the rotation lock (SELECT … FOR UPDATE) serialises them.

SQLite's in-memory test database is shared between threads through a shared cache, whose
table locks fail at once ("database table is locked") instead of waiting, so these tests
cannot apply there; test_take_concurrency_sqlite.py races real processes on a file."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from goodwill.floor import actions
from goodwill.floor.models import Deal
from goodwill.floor.tests.conftest import walk_in
from goodwill.floor.tests.race import race as _race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="in-memory SQLite cannot wait on locks; see test_take_concurrency_sqlite.py",
    ),
]


def test_two_presses_of_take_on_one_up_give_it_once(store_a, on_floor):
    alice, _ben = on_floor
    up = walk_in(store_a, alice)
    results = _race(
        lambda: actions.take_up(up, user=alice), lambda: actions.take_up(up, user=alice)
    )
    deals = [r for r in results if isinstance(r, Deal)]
    refusals = [r for r in results if isinstance(r, ValidationError)]
    assert len(deals) == 1 and len(refusals) == 1, results
    assert Deal.objects.filter(up=up).count() == 1


def test_the_next_person_taking_two_ups_at_once_gets_only_one(store_a, on_floor):
    """Different up rows: only the store's rotation lock keeps alice from taking both."""
    alice, _ben = on_floor
    first, second = walk_in(store_a, alice, "First"), walk_in(store_a, alice, "Second")
    results = _race(
        lambda: actions.take_up(first, user=alice), lambda: actions.take_up(second, user=alice)
    )
    assert sum(isinstance(r, Deal) for r in results) == 1, results
    assert Deal.objects.filter(salesperson=alice).count() == 1
