"""Two specialists pressing "claim" at the same moment: one gets the case (PostgreSQL row
lock; see floor/tests/test_take_concurrency.py for why SQLite's in-memory database cannot
run this, and test_take_concurrency_sqlite.py for the SQLite race on a file)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from goodwill.conftest import make_staff
from goodwill.fails import actions
from goodwill.fails.models import FailsCase
from goodwill.floor.models import FloorEvent
from goodwill.floor.tests.conftest import failed_deal
from goodwill.floor.tests.race import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="in-memory SQLite's shared cache cannot wait"
    ),
]


def test_two_specialists_claiming_at_once_only_one_gets_the_case(store_a, alice):
    case = FailsCase.objects.get(deal=failed_deal(store_a, alice))
    fiona, gus = make_staff(store_a, "fiona", "fails"), make_staff(store_a, "gus", "fails")
    results = race(
        lambda: actions.claim(case, specialist=fiona), lambda: actions.claim(case, specialist=gus)
    )
    claimed = [r for r in results if isinstance(r, FailsCase)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(claimed) == 1 and len(refused) == 1, results
    assert "Already claimed by" in refused[0].messages[0]
    case.refresh_from_db()
    assert case.claimed_by == claimed[0].claimed_by
    assert FloorEvent.objects.filter(verb="fails_claimed").count() == 1
