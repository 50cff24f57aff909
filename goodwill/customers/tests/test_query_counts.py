"""The customer lists cost the same number of queries whatever the page holds: no query per
row (the figures of bench/bench_http.py depend on it)."""

import pytest
from django.db import connection

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer

pytestmark = pytest.mark.django_db

# On PostgreSQL the customers' phones and emails come with the customers (one JSON column
# each, `customers.api.with_contact_points`); elsewhere they are one more query.
CONTACTS = 0 if connection.vendor == "postgresql" else 1


def _fill(store, actor, n, start=0):
    for i in range(start, start + n):
        make_customer(
            store,
            actor,
            first_name=f"Ann{i}",
            last_name="Lopez",
            salesperson=actor,
            phones={"mobile": f"512 555 {1000 + i:04d}", "work": f"512 556 {1000 + i:04d}"},
            emails={"personal": f"ann{i}@example.com"},
        )


@pytest.mark.parametrize("query", ["", "?q=lopez", "?q=ann1@example.com", "?q=5125551001"])
def test_the_api_list_reads_as_often_for_two_customers_as_for_twenty(
    query, store_a, alice, django_assert_num_queries
):
    api = ApiClient(alice)
    _fill(store_a, alice, 2)
    # token with user and store, the customers with their staff (and on PostgreSQL their
    # phones and emails; an email search too, exact or else by prefix, in the same query);
    # a search writes its audit entry (one INSERT)
    expected = 2 + CONTACTS + (1 if query else 0)
    with django_assert_num_queries(expected):
        small = api.get(f"/customers{query}")
    _fill(store_a, alice, 18, start=2)
    with django_assert_num_queries(expected):
        big = api.get(f"/customers{query}")
    assert small.status_code == big.status_code == 200
    assert len(big.json()["items"]) >= len(small.json()["items"])
    if not query:
        assert len(big.json()["items"]) == 20
        first = big.json()["items"][0]
        assert first["phones"][0]["number"].startswith("+1512")
        assert first["emails"] and first["salesperson"]["name"]


def test_getting_one_customer_reads_twice_and_writes_its_audit_entry(
    store_a, alice, django_assert_num_queries
):
    api = ApiClient(alice)
    _fill(store_a, alice, 1)
    customer_id = api.get("/customers").json()["items"][0]["id"]
    # the token with user and store, the customer with its staff (and on PostgreSQL its
    # phones and emails), and the audit entry of the read (one INSERT)
    with django_assert_num_queries(3 + CONTACTS):
        answer = api.get(f"/customers/{customer_id}")
    assert [p["label"] for p in answer.json()["phones"]] == ["mobile", "work"]
    assert [p["number"] for p in answer.json()["phones"]] == ["+15125551000", "+15125561000"]
    assert answer.json()["emails"] == [{"label": "personal", "address": "ann0@example.com"}]


def test_the_customer_list_page_reads_as_often_for_five_rows_as_for_fifty(
    client, store_a, alice, django_assert_max_num_queries
):
    client.force_login(alice)
    _fill(store_a, alice, 5)
    with django_assert_max_num_queries(7) as few:  # a search writes its audit entry
        assert client.get("/customers/?q=lopez").status_code == 200
    _fill(store_a, alice, 45, start=5)
    with django_assert_max_num_queries(7) as many:
        page = client.get("/customers/?q=lopez")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert page.content.decode().count('class="name"') == 50
