"""The audit log: one entry per act, append-only, read by the store's dealer admins only."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.audit.actions import Verb, record
from goodwill.audit.models import AppendOnly, AuditEntry
from goodwill.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.django_db


def entries(store, **filters):
    return list(AuditEntry.objects.for_dealership(store).filter(**filters))


def test_opening_a_customer_page_writes_one_entry_with_one_insert(
    client_for, customer, alice, store_a
):
    client = client_for(alice)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/customers/{customer.public_id}/").status_code == 200
    audit_sql = [q["sql"] for q in queries.captured_queries if "audit_auditentry" in q["sql"]]
    assert len(audit_sql) == 1 and audit_sql[0].startswith("INSERT")
    [entry] = entries(store_a, verb=Verb.VIEWED)
    assert entry.user == alice
    assert (entry.object_kind, entry.object_id) == ("customer", str(customer.public_id))
    assert entry.object_label == customer.display_name
    assert (entry.ip, entry.via) == ("127.0.0.1", "page")


def test_reading_a_customer_through_the_api_writes_one_entry(customer, alice, store_a):
    answer = ApiClient(alice).get(f"/customers/{customer.public_id}")
    assert answer.status_code == 200
    [entry] = entries(store_a, verb=Verb.VIEWED)
    assert (entry.user, entry.object_id, entry.via) == (alice, str(customer.public_id), "api")


def test_a_search_keeps_its_query_and_a_plain_list_is_not_a_search(
    client_for, customer, alice, store_a
):
    client = client_for(alice)
    client.get("/customers/")
    client.get("/customers/?q=kowal")
    ApiClient(alice).get("/customers?q=555-0123")
    ApiClient(alice).get("/customers")
    searches = entries(store_a, verb=Verb.SEARCHED)
    assert sorted((e.detail["query"], e.via) for e in searches) == [
        ("555-0123", "api"),
        ("kowal", "page"),
    ]


def test_signing_in_and_out_are_entries(client, alice, store_a):
    assert client.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    signs = entries(store_a, verb__in=[Verb.SIGNED_IN, Verb.SIGNED_OUT])
    assert [e.verb for e in signs] == [Verb.SIGNED_OUT, Verb.SIGNED_IN]
    assert {e.user for e in signs} == {alice}


def test_an_entry_can_be_neither_changed_nor_deleted(alice, store_a):
    entry = record(alice, Verb.SEARCHED, query="x")
    entry.detail = {"query": "y"}
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(verb=Verb.VIEWED)
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).detail == {"query": "x"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_to_change_or_delete_an_entry_whatever_the_client(alice, store_a):
    entry = record(alice, Verb.SEARCHED, query="x")
    for sql in (
        "UPDATE audit_auditentry SET verb = 'viewed' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).verb == Verb.SEARCHED


@pytest.fixture
def logged(store_a, alice, mike, customer, store_b, bob):
    """A few entries in store A and one in store B."""
    record(alice, Verb.VIEWED, customer)
    record(mike, Verb.SEARCHED, query="=HYPERLINK(1)")
    record(bob, Verb.SEARCHED, query="store b's search")
    return customer


def test_the_log_page_shows_the_store_its_filters_and_nothing_of_another_store(
    client_for, logged, dana, alice
):
    client = client_for(dana)
    viewed = f'href="?customer={logged.public_id}"'  # the viewed customer's row

    def shown(query=""):
        text = client.get(f"/audit/{query}").content.decode()
        return viewed in text, "=HYPERLINK(1)" in text, "store b&#x27;s search" in text

    assert shown() == (True, True, False)
    assert shown(f"?user={alice.public_id}") == (True, False, False)
    assert shown(f"?customer={logged.public_id}") == (True, False, False)
    assert shown("?verb=searched") == (False, True, False)


def test_the_date_range_includes_both_days(client_for, logged, dana):
    client = client_for(dana)
    today = timezone.localdate()
    inside = client.get(f"/audit/?since={today}&until={today}").content.decode()
    assert "HYPERLINK" in inside
    before = today - timedelta(days=1)
    outside = client.get(f"/audit/?since={before}&until={before}").content.decode()
    assert "HYPERLINK" not in outside and "Nothing matches" in outside
    backwards = client.get(f"/audit/?since={today}&until={before}")
    assert "comes before its start" in backwards.content.decode()


def test_the_csv_download_is_formula_safe_and_is_itself_logged(client_for, logged, dana, store_a):
    response = client_for(dana).get("/audit/audit.csv?verb=searched")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["detail"] for r in rows] == ['{"query": "=HYPERLINK(1)"}']
    assert rows[0]["username"] == "mike"
    [export] = entries(store_a, verb=Verb.EXPORTED)
    assert export.user == dana and export.detail["what"] == "audit log"


def test_a_formula_in_a_cell_is_neutralised(client_for, store_a, dana):
    record(dana, Verb.SEARCHED, query="x")
    AuditEntry.objects.create(dealership=store_a, user=dana, verb=Verb.VIEWED, object_label="=1+1")
    text = b"".join(client_for(dana).get("/audit/audit.csv").streaming_content).decode()
    assert "'=1+1" in text and ",=1+1" not in text


@pytest.mark.parametrize("role", ["sales", "sales_mgr", "service_mgr", "fails"])
def test_only_a_dealer_admin_reads_the_log(client_for, store_a, role, logged):
    user = make_staff(store_a, f"user_{role}", role)
    client = client_for(user)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/audit.csv").status_code == 403
    assert ApiClient(user).get("/audit").status_code == 403


def test_the_api_pages_the_log_newest_first_without_overlap(store_a, dana, alice, logged):
    for i in range(7):
        record(alice, Verb.SEARCHED, query=f"q{i}")
    api = ApiClient(dana)
    seen, offset = [], 0
    while True:
        page = api.get(f"/audit?limit=3&offset={offset}&verb=searched").json()
        seen += page["items"]
        if not page["has_more"]:
            break
        offset += 3
    assert len(seen) == len(entries(store_a, verb=Verb.SEARCHED)) == 8
    assert [e["at"] for e in seen] == sorted((e["at"] for e in seen), reverse=True)
    queries = [e["detail"]["query"] for e in seen]
    assert len(set(queries)) == len(queries) == 8
    assert "store b's search" not in queries
    viewed = api.get(f"/audit?customer={logged.public_id}").json()["items"]
    assert [(e["verb"], e["object"]["id"]) for e in viewed] == [("viewed", str(logged.public_id))]
    assert (
        api.get(f"/audit?user={alice.public_id}&verb=viewed").json()["items"][0]["user"]["name"]
        == alice.display_name
    )


def test_another_store_never_sees_the_entries(store_b, logged):
    admin_b = make_staff(store_b, "admin_b", "admin")
    items = ApiClient(admin_b).get("/audit?verb=searched").json()["items"]
    assert [e["detail"]["query"] for e in items] == ["store b's search"]


@pytest.mark.parametrize("day", ["0", "1700000000", "30/11/2026", "2026-11-30T09:00"])
def test_the_api_date_filters_take_only_a_calendar_day(dana, logged, day):
    api = ApiClient(dana)
    assert api.get(f"/audit?until={day}").status_code == 422
    assert api.get(f"/audit?since={day}").status_code == 422
    today = timezone.localdate().isoformat()
    assert api.get(f"/audit?since={today}&until={today}").status_code == 200
