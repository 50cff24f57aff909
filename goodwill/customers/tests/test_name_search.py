"""Name-fragment search reads one store's trigrams (migration 0005) and still finds what a
plain substring search finds, whatever the fragment looks like."""

import pytest
from django.db import connection
from django.db.models import F, Value

from goodwill.conftest import make_customer
from goodwill.customers import actions
from goodwill.customers.models import Customer
from goodwill.customers.search import StoreGrams, filter_customers

pytestmark = pytest.mark.django_db

NAMES = [
    ("William", "Kowalski"),
    ("Liam", "Williamson"),
    ("Ana", "O'Brien"),
    ("Zoë", "Núñez-Ortega"),
    ("Li", "Wu"),
]


@pytest.fixture
def two_stores(store_a, store_b, alice, bob):
    for n, (first, last) in enumerate(NAMES):
        make_customer(store_a, alice, first_name=first, last_name=last, phones={}, notes=str(n))
        make_customer(store_b, bob, first_name=first, last_name=last, phones={}, notes=str(n))
    return store_a, store_b


@pytest.mark.parametrize(
    "fragment", ["willia", "liam", "o'bri", "brien", "núñez", "ez-or", "li", "wu", "LIAM", "zzz"]
)
def test_a_fragment_finds_exactly_the_stores_names_that_contain_it(two_stores, fragment):
    store_a, _ = two_stores
    qs = Customer.objects.filter(dealership=store_a)
    found = set(filter_customers(qs, fragment, dealership=store_a).values_list("pk", flat=True))
    expected = {c.pk for c in qs if fragment.lower() in c.search_name}
    assert found == expected
    assert all(c.dealership_id == store_a.pk for c in Customer.objects.filter(pk__in=found))


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's index")
def test_on_postgresql_a_fragment_asks_for_its_stores_own_trigrams_which_are_indexed(
    two_stores,
):
    store_a, _ = two_stores
    qs = filter_customers(Customer.objects.filter(dealership=store_a), "willia", dealership=store_a)
    condition = "{" + ",".join(f"{store_a.pk}:{g}" for g in ("ill", "lia", "lli", "wil")) + "}"
    assert condition in _plan(qs)
    # The condition alone is answered by the GIN over the store's trigrams.
    grams = Customer.objects.alias(_g=StoreGrams(F("dealership_id"), F("search_name"))).filter(
        _g__contains=StoreGrams(Value(store_a.pk), Value("willia"))
    )
    assert "customers_cust_name_grams" in _plan(grams)
    assert {c.dealership_id for c in grams} == {store_a.pk}


@pytest.mark.parametrize("typed", ["MFA12345", "FA12345", "0142", "5550142"])
def test_the_last_digits_of_a_vin_or_phone_find_the_stores_owner_only(
    store_a, store_b, alice, bob, typed
):
    owners = {}
    for store, user in ((store_a, alice), (store_b, bob)):
        owner = make_customer(store, user, first_name="Vera", phones={"mobile": "512 555 0142"})
        actions.add_vehicle(owner, acting_user=user, vin="1FTFW1E84MFA12345")
        owners[store.pk] = owner
    found = filter_customers(Customer.objects.filter(dealership=store_a), typed, dealership=store_a)
    assert list(found) == [owners[store_a.pk]]
