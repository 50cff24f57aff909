"""A read's audit entry (an API GET, a search) outside any transaction: written once, with
the same fields whichever INSERT wrote it (`audit.actions._write`: on PostgreSQL its commit
does not wait for the disk), and the connection's own commit setting left as it was."""

import pytest
from django.db import connection, transaction

from goodwill.api.testing import ApiClient
from goodwill.audit.actions import Ref, Verb, record
from goodwill.audit.models import AuditEntry
from goodwill.conftest import make_customer

# Outside the test's transaction, as a request in production runs.
pytestmark = pytest.mark.django_db(transaction=True)


def _commit_setting() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_an_api_get_and_search_write_one_entry_each_with_every_field(store_a, alice):
    customer = make_customer(store_a, alice, first_name="Nadia", last_name="Haddad")
    before = _commit_setting()
    api = ApiClient(alice)
    assert api.get(f"/customers/{customer.public_id}").status_code == 200
    assert api.get("/customers?q=hadd").status_code == 200
    viewed = AuditEntry.objects.get(verb=Verb.VIEWED)
    assert (viewed.dealership_id, viewed.user_id, viewed.via) == (store_a.pk, alice.pk, "api")
    assert (viewed.object_kind, viewed.object_id, viewed.object_label) == (
        "customer",
        str(customer.public_id),
        "Nadia Haddad",
    )
    assert viewed.ip == "127.0.0.1" and viewed.at is not None
    searched = AuditEntry.objects.get(verb=Verb.SEARCHED)
    assert searched.detail == {"query": "hadd"} and searched.object_kind == ""
    assert _commit_setting() == before  # only the INSERT's own transaction was asynchronous


def test_the_returned_entry_is_the_saved_row(store_a, alice):
    entry = record(alice, Verb.VIEWED, Ref("customer", "abc", "x" * 500), reason="check")
    saved = AuditEntry.objects.get(pk=entry.pk)
    assert saved.object_label == "x" * 200 and saved.detail == {"reason": "check"}
    assert saved.at == entry.at and not entry._state.adding


def test_an_entry_inside_a_transaction_vanishes_with_it(store_a, alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(alice, Verb.SEARCHED, query="x")
        raise RuntimeError
    assert not AuditEntry.objects.filter(verb=Verb.SEARCHED).exists()
