"""The file read and prepared ahead by another process (`imports.ahead`) while the batch
before is classified and written: the import is the one it makes alone — the same counts,
row errors in the same order, customers, fill-ins, vehicles and records — on files whose
rows match rows, fill-ins and vehicles of earlier batches; a bad file still leaves nothing;
an error stops the reading process; the reading process never queries."""

import multiprocessing
import pickle

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from goodwill.conftest import make_customer
from goodwill.customers.models import Customer, CustomerPhone
from goodwill.imports import actions, ahead, batching
from goodwill.imports.models import ImportedRecord
from goodwill.imports.tests.helpers import upload_bytes
from goodwill.imports.tests.test_batches import BAD_VIN, GOOD_VIN, HEADER, OTHER_VIN, TABLE

pytestmark = pytest.mark.django_db

LATER = [
    # rows that match rows, fill-ins and vehicles of the batches before theirs
    "Zoe,Newman,512 555 0111,zoe.n@example.com,,,",  # filled in two batches before: again
    "Robert,Kowalski,512-555-0199,rk@example.com,2 Main St,,",  # the store's, filled in before
    f"Carlos,Vance,,,,{GOOD_VIN},Ford",  # the VIN an earlier batch wrote
    "Dina,Ross,512 555 0121,,,,",  # an earlier batch's new customer: fill in
    ",,zoe@example.com,,,,",  # no name: the email an earlier row brought
    ",,512 555 0177,,,,",  # no name, a phone nobody has: invalid
    f"Eve,Stone,,eve@example.com,,{OTHER_VIN},",  # the VIN of an earlier batch's new row
    "Eva,Stone,512 555 0123,,,,",  # a nickname and a phone of an earlier batch
    f"Zed,Newman,,,,{BAD_VIN},",  # a bad VIN: the person without the car
    "Amy,Bad,,amy@example.com,,,",  # a name of an earlier batch, nothing else: duplicate
]


def _existing(store, user):
    make_customer(
        store, user, first_name="Robert", last_name="Kowalski", phones={"mobile": "512 555 0199"}
    )
    make_customer(store, user, first_name="Robert", last_name="Lopez", phones={}, street="9 Elm St")


def _who(customer):
    return (customer.first_name, customer.last_name, customer.primary_phone) if customer else None


def _outcome(store, batch) -> dict:
    """Everything the import left, without primary keys (the two runs' ids differ)."""
    customers = Customer.objects.filter(dealership=store).prefetch_related(
        "phones", "emails", "vehicles"
    )
    by_pk = {c.pk: c for c in customers}
    return {
        "counts": {k: v for k, v in batch.counts.items() if k != "seconds"},
        "errors": [(e.row, e.column, e.value, e.reason) for e in batch.errors.order_by("pk")],
        "records": sorted(
            (r.row, r.action, r.before, _who(r.customer), _who(by_pk.get(r.duplicate_of)))
            for r in ImportedRecord.objects.filter(batch=batch).select_related("customer")
        ),
        "customers": sorted(
            (
                c.first_name,
                c.last_name,
                c.street,
                c.notes,
                sorted(p.number for p in c.phones.all()),
                sorted(e.address for e in c.emails.all()),
                sorted((v.vin, v.make) for v in c.vehicles.all()),
                sorted(c.events.values_list("verb", flat=True)),
            )
            for c in customers
        ),
    }


def _run(store, user, data, *, in_process, commit, monkeypatch) -> dict:
    monkeypatch.setattr(ahead, "IN_A_PROCESS_FROM", 0 if in_process else 10**12)
    with transaction.atomic():
        _existing(store, user)
        batch = upload_bytes(store, user, "t.csv", data)
        batch = actions.run(batch, commit=commit, acting_user=user)
        outcome = _outcome(store, batch)
        transaction.set_rollback(True)
    return outcome


@pytest.mark.parametrize("size", [1, 3])
def test_reading_in_another_process_imports_what_the_import_alone_imports(
    store_a, mike, monkeypatch, size
):
    monkeypatch.setattr(batching, "BATCH_ROWS", size)
    rows = [row for row, _, _ in TABLE] + LATER
    data = (HEADER + "\n".join(rows) + "\n").encode()
    for commit in (True, False):
        alone = _run(store_a, mike, data, in_process=False, commit=commit, monkeypatch=monkeypatch)
        ahead_ = _run(store_a, mike, data, in_process=True, commit=commit, monkeypatch=monkeypatch)
        assert ahead_ == alone
        assert alone["counts"]["updated"] >= 6 and alone["counts"]["duplicate"] >= 2
        assert any("Vehicle left out" in e[3] for e in alone["errors"])
        assert any("already has this VIN" in e[3] for e in alone["errors"])
    assert not multiprocessing.active_children()


def test_a_file_cut_off_half_way_leaves_nothing(store_a, mike, monkeypatch):
    monkeypatch.setattr(batching, "BATCH_ROWS", 2)
    monkeypatch.setattr(ahead, "IN_A_PROCESS_FROM", 0)
    rows = [row for row, _, _ in TABLE] + ['Ann,Lee,512 555 0150,"never closed']
    batch = upload_bytes(store_a, mike, "cut.csv", (HEADER + "\n".join(rows)).encode())
    before = Customer.objects.count()
    with pytest.raises(ValidationError, match="cut off"):
        actions.run(batch, commit=True, acting_user=mike)
    assert Customer.objects.count() == before
    assert not multiprocessing.active_children()


def test_an_error_of_the_import_stops_the_reading_process(store_a, mike, monkeypatch):
    monkeypatch.setattr(batching, "BATCH_ROWS", 1)
    monkeypatch.setattr(ahead, "IN_A_PROCESS_FROM", 0)

    def fail(*args, **kwargs):
        raise RuntimeError("the batch could not be written")

    monkeypatch.setattr(batching, "process", fail)
    rows = [row for row, _, _ in TABLE] * 3
    batch = upload_bytes(store_a, mike, "t.csv", (HEADER + "\n".join(rows) + "\n").encode())
    before = Customer.objects.count()
    with pytest.raises(RuntimeError, match="could not be written"):
        actions.run(batch, commit=True, acting_user=mike)
    assert not multiprocessing.active_children()
    assert Customer.objects.count() == before


class _Out(list):
    put = list.append


def test_the_reading_process_never_queries(store_a, mike, monkeypatch):
    """Its connections are not the import's: a query would run outside the import's
    transaction. They refuse any, and the import sees why."""
    monkeypatch.setattr(batching, "prepare_row", lambda *a, **kw: Customer.objects.exists())
    batch = upload_bytes(store_a, mike, "t.csv", (HEADER + TABLE[1][0] + "\n").encode())
    out = _Out()
    ahead.serve(pickle.dumps((actions.file_rows, batch, mike, "why", False, 2)), out)
    (failed,) = out
    with pytest.raises(RuntimeError, match="does not query the database"):
        raise pickle.loads(failed).exc


@pytest.mark.skipif(connection.vendor != "postgresql", reason="deferred foreign keys")
def test_a_foreign_key_the_batch_broke_raises_when_its_checks_come_back(store_a):
    """The batch's foreign-key checks are sent, the import goes on with its Python, and a
    failed check raises Django's IntegrityError when their answer is awaited."""
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerPhone.objects.create(
            dealership=store_a, customer_id=2_000_000_000, number="+15125550100", label="mobile"
        )
        with batching.foreign_keys_checked():
            pass
    with batching.foreign_keys_checked():  # nothing broken: no error
        pass
