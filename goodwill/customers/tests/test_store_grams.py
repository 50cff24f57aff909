"""`customers_store_grams` (migrations 0005, 0012): the function the store-scoped trigram
indexes are built over. 0012 rewrote it in PL/pgSQL so that a one-row write no longer
plans its body; the indexes built by the old definition stay valid only if every answer is
the same, which is what this proves."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL function"),
]

# The body of 0005's SQL function, evaluated inline.
INLINE = (
    "SELECT coalesce(array_agg(%s::bigint::text || ':' || g), '{}') "
    "FROM unnest(show_trgm(%s)) AS g WHERE strpos(g, ' ') = 0"
)

names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(store=st.integers(min_value=1, max_value=2**62), name=names)
def test_the_function_answers_as_its_first_definition(store, name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT customers_store_grams(%s, %s)", [store, name])
        ours = cursor.fetchone()[0]
        cursor.execute(INLINE, [store, name])
        assert ours == cursor.fetchone()[0]


def test_it_keeps_its_plan_and_its_marks():
    """PL/pgSQL (plans kept per connection), still IMMUTABLE for the indexes, and LEAKPROOF
    again after the migration (the wall's index use needs it; `core.storewall`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.lanname, p.provolatile, p.proleakproof FROM pg_proc p"
            " JOIN pg_language l ON l.oid = p.prolang"
            " WHERE p.oid = 'customers_store_grams(bigint, text)'::regprocedure"
        )
        assert cursor.fetchone() == ("plpgsql", "i", True)
