"""Imports in batches: the dry run's counts are the commit's, whatever the batch size, on
files that repeat their own rows, carry bad phones and bad VINs and name customers the store
already has; rows that repeat an earlier row of the same batch or of an earlier batch are
found; everything written has its history row."""

import gc

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.conftest import make_customer
from goodwill.customers import actions as customer_actions
from goodwill.customers import batch_lookup
from goodwill.customers.batch_lookup import (
    Entered,
    FullProbes,
    RecCache,
    candidate_ids_many,
    candidate_recs,
)
from goodwill.customers.duplicates import _candidate_recs, _sound_candidates
from goodwill.customers.matching import Rec
from goodwill.customers.models import Customer, CustomerEvent, Vehicle
from goodwill.customers.vin import check_digit
from goodwill.imports import actions, batching
from goodwill.imports.models import ImportedRecord
from goodwill.imports.tests.helpers import upload_bytes

pytestmark = pytest.mark.django_db
KEYS = ("rows", "new", "updated", "duplicate", "invalid", "skipped")


def _vin(serial: str) -> str:
    vin = f"1FTFW1E80MF{serial:0>6}"
    return vin[:8] + check_digit(vin) + vin[9:]


GOOD_VIN = _vin("12345")
OTHER_VIN = _vin("54321")
BAD_VIN = GOOD_VIN[:8] + ("X" if GOOD_VIN[8] != "X" else "1") + GOOD_VIN[9:]  # check digit

HEADER = "First Name,Last Name,Phone,Email,Street,VIN,Make\n"
TABLE = [
    # (row, why, expected kind)
    ("Robert,Kowalski,512-555-0199,,1 Main St,,", "an existing customer: fill in", "updated"),
    ("Zoe,Newman,512 555 0111,zoe@example.com,,,", "new", "new"),
    ("Zoe,Newman,512 555 0111,,7 Oak Ave,,", "the row above again: fill it in", "updated"),
    ("Zoey,Newman,,zoe@example.com,,,", "same email, nickname: fill in", "updated"),
    ("Amy,Bad,12,,,,", "a phone that is not one: imported without it", "new"),
    (",,512 555 0112,,,,", "no name: invalid", "invalid"),
    (f"Carl,Vance,512 555 0120,,,{GOOD_VIN},Ford", "new, with a vehicle", "new"),
    (f"Dina,Ross,512 555 0121,,,{BAD_VIN},Ford", "a bad VIN: imported without the car", "new"),
    (f"Carla,Vance,512 555 0122,,,{GOOD_VIN},Ford", "the VIN of an earlier row", "duplicate"),
    ("Bob,Lopez,,,9 Elm St,,", "an existing customer by nickname and street", "duplicate"),
    (f"Eve,Stone,512 555 0123,,,{OTHER_VIN},", "new", "new"),
]
EXPECTED = {
    "rows": 11,
    "new": 5,
    "updated": 3,
    "duplicate": 2,
    "invalid": 1,
    "skipped": 0,
}


def _existing(store, user):
    make_customer(
        store,
        user,
        first_name="Robert",
        last_name="Kowalski",
        phones={"mobile": "512 555 0199"},
    )
    make_customer(store, user, first_name="Robert", last_name="Lopez", phones={}, street="9 Elm St")


def _counts(batch):
    return {k: batch.counts[k] for k in KEYS}


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_dry_run_counts_are_the_commits_at_any_batch_size(store_a, alice, mike, monkeypatch, size):
    monkeypatch.setattr(batching, "BATCH_ROWS", size)
    _existing(store_a, alice)
    data = (HEADER + "\n".join(row for row, _, _ in TABLE) + "\n").encode()
    customers, events = Customer.objects.count(), CustomerEvent.objects.count()
    dry = actions.run(upload_bytes(store_a, mike, "t.csv", data), commit=False, acting_user=mike)
    assert _counts(dry) == EXPECTED
    assert (Customer.objects.count(), CustomerEvent.objects.count()) == (customers, events)
    reasons = " ".join(e.reason for e in dry.errors.all())
    assert "No name" in reasons and "check digit" in reasons.lower()
    batch = actions.run(upload_bytes(store_a, mike, "t.csv", data), commit=True, acting_user=mike)
    assert _counts(batch) == EXPECTED
    records = {r.row: r for r in ImportedRecord.objects.filter(batch=batch)}
    for number, (_, why, kind) in enumerate(TABLE, start=1):
        if kind == "invalid":
            assert number not in records, why
            continue
        assert records[number].action == ("updated" if kind == "updated" else "created"), why
        # Only a likely duplicate points at the customer it resembles.
        assert (records[number].duplicate_of is not None) == (kind == "duplicate"), why
    assert Customer.objects.count() == customers + EXPECTED["new"] + EXPECTED["duplicate"]
    zoe = Customer.objects.get(first_name="Zoe")
    assert zoe.street == "7 Oak Ave" and zoe.emails.get().address == "zoe@example.com"
    carl = Customer.objects.get(first_name="Carl")
    assert carl.vehicles.get().vin == GOOD_VIN and carl.vehicles.get().make == "Ford"
    assert not Customer.objects.get(first_name="Carla").vehicles.exists()
    assert Vehicle.objects.filter(vin=GOOD_VIN).count() == 1
    # A bad VIN drops the vehicle, with its line in the report, and keeps the person.
    dina = Customer.objects.get(first_name="Dina")
    assert dina.primary_phone == "+15125550121" and not dina.vehicles.exists()
    lines = {(e.row, e.column, e.reason.split(":")[0]) for e in batch.errors.all()}
    assert (8, "VIN", "Vehicle left out") in lines and (9, "VIN", "Vehicle left out") in lines
    # Every customer written has its history: created, filled in, vehicle added.
    for customer in Customer.objects.filter(dealership=store_a):
        assert customer.events.filter(verb="created").exists()
    assert carl.events.filter(verb="vehicle_added").exists()
    assert zoe.events.filter(verb="updated", reason="Imported from t.csv").exists()
    assert actions.undo_import(batch, acting_user=mike)["deleted"] == 7


def test_skipping_duplicates_counts_the_same_in_the_dry_run(store_a, alice, mike, monkeypatch):
    monkeypatch.setattr(batching, "BATCH_ROWS", 2)
    _existing(store_a, alice)
    data = (HEADER + "\n".join(row for row, _, _ in TABLE) + "\n").encode()
    runs = []
    for commit in (False, True):
        batch = upload_bytes(store_a, mike, "t.csv", data)
        actions.set_mapping(batch, batch.mapping, on_duplicate="skip")
        runs.append(actions.run(batch, commit=commit, acting_user=mike))
    assert _counts(runs[0]) == _counts(runs[1]) == EXPECTED | {"skipped": 2}
    skipped = [e.reason for e in runs[1].errors.all() if e.reason.startswith("Skipped")]
    assert any("Carl Vance" in r for r in skipped) and any("Robert Lopez" in r for r in skipped)


FIRST = ["Ann", "Anne", "Bob", "Robert", "Carl", "Dina", "Li", ""]
LAST = ["Lee", "Leigh", "Stone", "Vance", ""]
PHONES = ["512 555 0101", "512-555-0102", "5125550103", "12", "not a phone", ""]
EMAILS = ["a@example.com", "b@example.com", "bad@", ""]
VINS = [GOOD_VIN, OTHER_VIN, BAD_VIN, "ABC", ""]
STREETS = ["1 Main St", "22 Oak Ave", ""]

row = st.tuples(
    st.sampled_from(FIRST),
    st.sampled_from(LAST),
    st.sampled_from(PHONES),
    st.sampled_from(EMAILS),
    st.sampled_from(STREETS),
    st.sampled_from(VINS),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(row, min_size=1, max_size=12), size=st.integers(1, 5))
def test_dry_run_equals_commit_on_any_file(store_a, alice, mike, monkeypatch, rows, size):
    monkeypatch.setattr(batching, "BATCH_ROWS", size)
    data = (HEADER + "\n".join(",".join((*r, "")) for r in rows) + "\n").encode()
    with transaction.atomic():
        make_customer(
            store_a, alice, first_name="Ann", last_name="Lee", phones={"mobile": PHONES[0]}
        )
        before = Customer.objects.count()
        dry = actions.run(
            upload_bytes(store_a, mike, "h.csv", data), commit=False, acting_user=mike
        )
        assert Customer.objects.count() == before
        done = actions.run(
            upload_bytes(store_a, mike, "h.csv", data), commit=True, acting_user=mike
        )
        assert _counts(dry) == _counts(done)
        # The reader skips a row whose every cell is blank (`reading`), as it always did.
        written = [r for r in rows if any(c.strip() for c in r)]
        assert sum(done.counts[k] for k in ("new", "updated", "duplicate", "invalid")) == len(
            written
        )
        assert Customer.objects.count() == before + done.counts["new"] + done.counts["duplicate"]
        transaction.set_rollback(True)


def test_the_batch_lookups_find_the_stores_customers_by_each_key(store_a, alice):
    """Each key alone finds the customer (a name spelt nothing alike, so only the key
    can), and a customer of another store is never a candidate."""
    them = make_customer(
        store_a,
        alice,
        first_name="Quentin",
        last_name="Zabrowski",
        phones={"mobile": "512 555 0177"},
        emails={"personal": "qz@example.com"},
        street="4410 Burnet Rd",
    )
    customer_actions.add_vehicle(them, acting_user=alice, vin=GOOD_VIN)
    entries = [
        Entered(first_name="Amy", last_name="Ng", phones=("+15125550177",)),
        Entered(first_name="Amy", last_name="Ng", emails=("QZ@example.com",)),
        Entered(first_name="Amy", last_name="Ng", vin=GOOD_VIN.lower()),
        Entered(first_name="Amy", last_name="Ng", street="4410  burnet rd"),
        Entered(first_name="Amy", last_name="Ng", street="12 Other St"),
    ]
    found = candidate_ids_many(store_a, entries)
    assert found[:4] == [{them.pk}] * 4 and found[4] == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the Soundex index lookups")
def test_the_batch_name_lookups_find_what_the_entry_time_check_finds(store_a, alice):
    """The batch asks one probe per Soundex code of a first name's family; the entry-time
    check asks all codes at once. Past the cap of 20 a lookup, both keep the same customers
    (the codes in ascending order): more Smiths than the cap, of first names whose codes
    come before and after the typed one's, and the swapped order."""
    people = [("Bob", "Smith")] * 8 + [("Robert", "Smyth")] * 9 + [("Rob", "Smit")] * 6
    people += [("Aaron", "Smith")] * 5 + [("John", "Smith")] * 7 + [("Smith", "Bobby")] * 4
    people += [("Zack", "Smith")] * 5
    customer_actions.create_customers_bulk(
        [
            customer_actions.prepare_new_customer(
                store_a, acting_user=alice, phones={}, emails={}, first_name=f, last_name=last
            )
            for f, last in people
        ]
    )
    typed = [("Bob", "Smith"), ("Robert", "Smithe"), ("John", "Smyth"), ("Smith", "Bob")]
    typed += [("Zack", "Smith"), ("", "Smith")]  # and a last name alone
    found = candidate_ids_many(
        store_a, [Entered(first_name=f, last_name=last) for f, last in typed]
    )
    for (first, last), ids in zip(typed, found, strict=True):
        expected = set(_sound_candidates(store_a, first.lower(), last.lower(), ""))
        assert ids == expected and expected, (first, last)
    assert len(found[0]) > 20  # the name and its swapped order, each up to the cap


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the Soundex index lookups")
def test_a_full_name_probe_is_kept_and_stays_the_answer(store_a, alice):
    """A (last name, first-name code) probe that came back full is not asked again in the
    import, and its answer is still the entry-time check's after more customers of that
    name are created (their ids are larger); a probe that was not full is asked again."""

    def create(people):
        customer_actions.create_customers_bulk(
            [
                customer_actions.prepare_new_customer(
                    store_a, acting_user=alice, phones={}, emails={}, first_name=f, last_name=la
                )
                for f, la in people
            ]
        )

    create([("Bob", "Smith")] * 22 + [("Zack", "Smyth")] * 3)
    full = FullProbes()
    typed = [
        Entered(first_name="Bob", last_name="Smith"),
        Entered(first_name="Zack", last_name="Smith"),
    ]
    first = candidate_ids_many(store_a, typed, full)
    assert ("smith", "B100") in full and ("smith", "Z200") not in full
    create([("Bob", "Smith")] * 3 + [("Zack", "Smith")] * 2)
    again = candidate_ids_many(store_a, typed, full)
    assert again[0] == first[0] and len(again[1]) == len(first[1]) + 2
    for (f, la), ids in zip([("bob", "smith"), ("zack", "smith")], again, strict=True):
        assert ids == set(_sound_candidates(store_a, f, la, ""))


def test_the_records_kept_across_batches_are_what_the_store_holds(store_a, alice, monkeypatch):
    """The matching records an import keeps from batch to batch (loaded, or remembered as
    its rows are written) equal what the database holds at the end: a customer filled in
    by a later batch is not kept as it was."""
    _existing(store_a, alice)
    kept = []
    monkeypatch.setattr(batching, "BATCH_ROWS", 2)
    monkeypatch.setattr(batching, "RecCache", lambda: kept.append(RecCache()) or kept[-1])
    rows = [row for row, _, _ in TABLE] + [
        "Zoe,Newman,512 555 0111,zoe.n@example.com,,,",  # fills in Zoe, created two batches before
        "Robert,Kowalski,512-555-0199,rk@example.com,,,",  # fills in the existing one again
    ]
    batch = upload_bytes(store_a, alice, "people.csv", (HEADER + "\n".join(rows) + "\n").encode())
    actions.run(batch, commit=True, acting_user=alice)
    assert batch.counts["updated"] == 5
    (cache,) = kept
    kept_recs = cache.recs | cache.pinned
    assert len(kept_recs) >= 6 and cache.hits
    assert kept_recs == candidate_recs(store_a, list(kept_recs))


def test_the_full_answers_records_stay_kept_when_written_rows_pass_the_bound(store_a, monkeypatch):
    """The records of the customers in the name probes' full answers (asked batch after
    batch for the rest of an import) are kept however many rows are written after them;
    the other records give way, least recently used first, within one bound; a customer
    filled in is forgotten in either tier and loaded again when next asked."""
    loads = []

    def load(dealership, ids):
        loads.extend(ids)
        return {cid: Rec.build(cid, first_name="Bob", last_name="Smith") for cid in ids}

    monkeypatch.setattr(batch_lookup, "candidate_recs", load)
    cache = RecCache(limit=4)
    cache.full_probes.keep(("smith", "B100"), [1, 2])
    assert set(cache.get_many(store_a, {1, 2, 3})) == {1, 2, 3} and sorted(loads) == [1, 2, 3]
    cache.remember(Rec.build(cid, first_name="Bob", last_name="Smith") for cid in range(10, 20))
    assert set(cache.pinned) == {1, 2} and len(cache.recs) == 2  # the bound: 4 in all
    loads.clear()
    assert set(cache.get_many(store_a, {1, 2, 19})) == {1, 2, 19} and loads == []
    cache.forget([1])
    assert set(cache.get_many(store_a, {1, 2})) == {1, 2} and loads == [1]
    assert set(cache.pinned) == {1, 2} and len(cache.recs) + len(cache.pinned) <= 4


def test_the_records_load_in_one_statement_as_in_four_queries(store_a, store_b, alice, bob):
    """`candidate_recs` (one statement on PostgreSQL) loads the records `_candidate_recs`'
    four queries load: several phones, emails and vehicles (one without a VIN), a customer
    with none, and never another store's customer."""
    full = make_customer(
        store_a,
        alice,
        first_name="Quentin",
        last_name="Zabrowski",
        phones={"mobile": "512 555 0177", "work": "512 555 0178"},
        emails={"personal": "QZ@example.com", "work": "q.z@example.org"},
        street="4410 Burnet Rd",
        city="Austin",
        postal_code="78756",
    )
    customer_actions.add_vehicle(full, acting_user=alice, vin=GOOD_VIN)
    customer_actions.add_vehicle(full, acting_user=alice, vin=OTHER_VIN)
    customer_actions.add_vehicle(full, acting_user=alice, make="Ford", model="F-150")
    bare = make_customer(store_a, alice, first_name="", last_name="", company_name="Acme Feed")
    other = make_customer(store_b, bob, first_name="Quentin", last_name="Zabrowski")
    ids = [full.pk, bare.pk, other.pk]
    expected = {rec.id: rec for rec in _candidate_recs(store_a, ids)}
    assert candidate_recs(store_a, ids) == expected
    assert set(expected) == {full.pk, bare.pk} and len(expected[full.pk].vins) == 2


def test_an_import_runs_with_rare_collections_and_leaves_the_collector_as_it_found_it(
    store_a, alice, monkeypatch
):
    seen = []
    process = batching.process
    monkeypatch.setattr(
        batching, "process", lambda *a, **kw: seen.append(gc.get_threshold()) or process(*a, **kw)
    )
    before = gc.get_threshold()
    batch = upload_bytes(store_a, alice, "people.csv", (HEADER + TABLE[1][0] + "\n").encode())
    actions.run(batch, commit=True, acting_user=alice)
    assert seen and all(t[0] == 50_000 for t in seen)
    assert gc.get_threshold() == before
    assert batch.counts["new"] == 1
