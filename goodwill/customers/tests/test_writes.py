"""The API's create in one statement (`customers.writes`, PostgreSQL) stores exactly what
the long way (`actions.create_customer`) stores, writes nothing when it cannot decide
alone, and keeps an Idempotency-Key's answer in the same statement."""

import pytest
from django.db import connection

from goodwill.api.models import IdempotencyRecord
from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.customers import actions, writes
from goodwill.customers.models import Customer, CustomerEmail, CustomerEvent, CustomerPhone

pytestmark = pytest.mark.django_db
postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="writes inside WITH are PostgreSQL's"
)

CASES = {
    "person, two phones, an email": dict(
        first_name="Maria",
        last_name="Lopez",
        notes="Wants a trade-in quote\nfor the F-150",
        phones={"mobile": "(512) 555-0142", "work": "512.555.0199"},
        emails={"personal": "Maria@Example.com"},
    ),
    "company, nothing to reach": dict(
        kind="business", company_name="Hill Country Fleet & Co.", relationship="customer"
    ),
    "hostile text": dict(
        first_name="<script>alert(1)</script>",
        last_name="O'Brien; DROP TABLE x --",
        street="12 Rue d'Été",
        emails={"work": "o'brien@example.com"},
    ),
}


def stored(customer) -> dict:
    """Everything the create wrote, less what differs by nature (keys, store, times)."""
    fields = {
        f.attname: getattr(customer, f.attname)
        for f in Customer._meta.concrete_fields
        if f.attname
        not in {"id", "public_id", "dealership_id", "created_at", "updated_at", "search_name"}
    }
    fields["search_name"] = customer.search_name
    return {
        "customer": fields,
        "phones": sorted(
            CustomerPhone.objects.filter(customer=customer).values_list("label", "number")
        ),
        "emails": sorted(
            CustomerEmail.objects.filter(customer=customer).values_list(
                "label", "address", "address_lower"
            )
        ),
        "history": list(
            CustomerEvent.objects.filter(customer=customer).values_list(
                "verb", "subject", "changes", "reason", "actor_id", "dealership_id"
            )
        ),
    }


@postgresql
@pytest.mark.parametrize("fields", CASES.values(), ids=CASES.keys())
def test_one_statement_stores_what_the_long_way_stores(fields, store_a, alice, store_b, bob):
    fields = {k: (dict(v) if isinstance(v, dict) else v) for k, v in fields.items()}
    fast = writes.create_customer_at_once(store_a, acting_user=alice, **fields)
    slow = actions.create_customer(store_b, acting_user=alice, **fields)
    assert fast is not None and fast.pk and not fast._state.adding
    fast_rows, slow_rows = stored(Customer.objects.get(pk=fast.pk)), stored(slow)
    assert fast_rows["history"][0][5] == store_a.pk and slow_rows["history"][0][5] == store_b.pk
    for rows in (fast_rows, slow_rows):
        rows["history"] = [h[:5] for h in rows["history"]]
    assert fast_rows == slow_rows
    # The instance answers as the long way's does: its phones and emails as written.
    assert [(p.pk, p.label, p.number) for p in fast.phones.all()] == list(
        CustomerPhone.objects.filter(customer=fast)
        .order_by("pk")
        .values_list("pk", "label", "number")
    )
    assert {e.pk for e in fast.emails.all()} == set(
        CustomerEmail.objects.filter(customer=fast).values_list("pk", flat=True)
    )
    db = Customer.objects.get(pk=fast.pk)
    assert (db.created_at, db.updated_at, db.public_id) == (
        fast.created_at,
        fast.updated_at,
        fast.public_id,
    )


@postgresql
def test_a_phone_or_email_the_store_has_writes_nothing_and_leaves_it_to_the_long_way(
    store_a, alice
):
    make_customer(store_a, alice, phones={"mobile": "(512) 555-0142"}, emails={"work": "a@b.co"})
    before = (Customer.objects.count(), CustomerEvent.objects.count())
    for same in ({"phones": {"home": "512-555-0142"}}, {"emails": {"personal": "A@B.co"}}):
        found = writes.create_customer_at_once(
            store_a, acting_user=alice, first_name="Ann", last_name="Other", **same
        )
        assert found is None
        assert (Customer.objects.count(), CustomerEvent.objects.count()) == before
    confirmed = writes.create_customer_at_once(
        store_a,
        acting_user=alice,
        first_name="Ann",
        last_name="Other",
        phones={"home": "512-555-0142"},
        confirm_new=True,
    )
    assert confirmed is not None and Customer.objects.count() == before[0] + 1


def test_what_it_cannot_decide_alone_goes_the_long_way(store_a, alice):
    # A field that fails its checks (the long way chooses between its 409 and its 422) …
    assert writes.create_customer_at_once(store_a, acting_user=alice, first_name="x" * 81) is None
    assert writes.create_customer_at_once(store_a, acting_user=alice) is None  # no name
    # … an assignment, and SQLite (no writes inside WITH).
    assert (
        writes.create_customer_at_once(
            store_a, acting_user=alice, first_name="Ann", salesperson=alice
        )
        is None
    )
    if connection.vendor != "postgresql":
        assert writes.create_customer_at_once(store_a, acting_user=alice, first_name="Ann") is None
    assert not Customer.objects.exists()


BODY = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "phones": [{"label": "mobile", "number": "(512) 555-0142"}],
    "emails": [{"label": "personal", "address": "Maria@Example.com"}],
}


def test_a_keyed_create_keeps_its_answer_and_a_retry_replays_it(alice):
    api = ApiClient(alice)
    first = api.post("/customers", BODY, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    kept = IdempotencyRecord.objects.get(key="k-1")
    assert (kept.status_code, kept.response) == (201, first.json())
    # The retry finds the phone it wrote: still the replay, not a 409.
    again = api.post("/customers", BODY, headers={"Idempotency-Key": "k-1"})
    assert (again.status_code, again.json()) == (201, first.json())
    assert Customer.objects.count() == 1
    # A duplicate under a new key: the 409, and the key is not kept.
    twin = api.post("/customers", BODY, headers={"Idempotency-Key": "k-2"})
    assert twin.status_code == 409
    assert not IdempotencyRecord.objects.filter(key="k-2").exists()


@postgresql
def test_an_api_create_is_the_token_and_one_statement(alice, django_assert_num_queries):
    """Without a key and with one. (A test runs inside a transaction, so the keyed create
    also sends a savepoint and its release, which a request in production does not.)"""
    api = ApiClient(alice)
    with django_assert_num_queries(2):
        assert api.post("/customers", BODY).status_code == 201
    body = {**BODY, "phones": [], "emails": [{"label": "work", "address": "m@l.co"}]}
    with django_assert_num_queries(4) as queries:
        assert api.post("/customers", body, headers={"Idempotency-Key": "k"}).status_code == 201
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 2 and "api_idempotencyrecord" in statements[1]
