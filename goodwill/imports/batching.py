"""An import, a batch of rows at a time: classify the batch with one set of index lookups
(`customers.batch_lookup`), then write it with one INSERT per table.

Each row is compared, with the entry-time check's scorer, against the store's customers the
lookups found and against the rows earlier in the same batch (`InFile`); earlier batches are
already written, inside the import's transaction, so the lookups find them. Rows are
decided in file order, so the result is the one a row-by-row import gives:
- new / duplicate: `customers.actions.prepare_new_customer` (and `prepare_vehicle`) check
  the row in Python; the batch's customers, phones, emails, "created" history rows,
  vehicles with their history rows and `ImportedRecord`s are written in bulk
  (`create_customers_bulk`, `add_vehicles_bulk`);
- updated (a sure match on a shared phone or email): filled in, in file order, through
  `customers.bulk_updates` (`update_customer`'s checks and history rows, the batch's
  customers read and written at once), after the batch's new customers exist (a row may
  fill in a customer created by an earlier row of the same batch).

Measured (`bench/bench_import.py`): the figures are in docs/closing-notes/issue-10.md."""

from __future__ import annotations

import dataclasses
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from django.core.exceptions import ValidationError
from django.db import connection

from goodwill.core.bulk import copy_rows
from goodwill.customers import actions as customer_actions
from goodwill.customers import bulk_updates
from goodwill.customers.batch_lookup import (
    Entered,
    RecCache,
    candidate_ids_many,
    existing_vins,
)
from goodwill.customers.duplicates import score_candidates
from goodwill.customers.matching import Rec, name_family
from goodwill.customers.models import Customer
from goodwill.imports.models import ImportBatch, ImportedRecord
from goodwill.imports.rows import Record

BATCH_ROWS = 2000
SURE = 97  # a match this strong on a shared phone/email is the same customer: fill in
LIKELY = 90  # a likely match: a duplicate to create (and review) or to skip
FILLABLE = ("middle_name", "company_name", "street", "city", "region", "postal_code")
# A fill-in never overwrites; a value of the row that differs from the customer's goes into
# the customer's notes instead, under the import's name, so nothing the row said is lost.
DIFFERING = {
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "company_name": "Company",
}


@contextmanager
def rare_collections():
    """Python's cycle collector runs rarely while an import runs: by default it ran every 700
    new container objects, and an import makes dozens per row (records, dicts, tuples) that
    live until their batch is written; 18 % of an import's CPU went to collections that
    found little (10,000 rows: 2.2 s of 11.9 s, 1,661 collections; with these thresholds
    0.2 s, 10, and 1,186 → 978 µs of CPU a row). Cycles are still collected, every 50,000
    new objects: memory stays flat. The previous thresholds come back afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def refresh_statistics(batches_written: int) -> None:
    """PostgreSQL: ANALYZE the store column of the customers table before the first batch
    and after the 1st, 2nd, 4th, 8th … The import is one transaction, so autovacuum never sees
    its rows, and the planner kept the statistics from before it: a store new to them looked
    empty, and the batch's name probes were planned as "read the store's rows through any
    index leading with the store, filter, sort" — a cost that grows with every batch
    (measured: a new store in a network of others fell to ~30 rows a second by 20,000 rows,
    one probe statement ran over 30 s). ANALYZE inside the transaction counts the
    transaction's own rows, so the probes are planned on `dedupe_cust_name_sound` again.
    Only `dealership_id`: analysing every column (the expression indexes' too) cost 3 s a
    run at ~150,000 customers. A dry run's statistics are rolled back with its rows.
    The phones, emails and vehicles too, by store and customer (the record loads of
    `batch_lookup.candidate_recs` ask them by customer within the store): without their
    statistics (a new database, autovacuum behind) the planner ANDed the customer lookup
    with a bitmap of every phone and email of the store, a cost that grows with the store
    (EXPLAIN at 107,000 customers: 105,153 index rows read for 4,908 phones of a 5,000-id
    chunk); the one-statement load went from 20 ms a record without them to 20–30 µs with
    them. ~0.4 s a run at ~110,000 customers."""
    if connection.vendor != "postgresql" or batches_written & (batches_written - 1):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE customers_customer (dealership_id),"
            " customers_customerphone (dealership_id, customer_id),"
            " customers_customeremail (dealership_id, customer_id),"
            " customers_vehicle (dealership_id, customer_id)"
        )


@contextmanager
def foreign_keys_checked():
    """PostgreSQL: run the batch's deferred foreign-key checks, then defer again; the
    statements are sent on entry and their answer awaited on exit (psycopg's pipeline
    mode), so the server checks while the import does its Python work inside the block
    (the next batch's rows unpickled or read). A failed check raises on exit, as Django's
    IntegrityError. Every
    foreign key here is DEFERRABLE INITIALLY DEFERRED, so an import's ~10 checks a row
    (store, customer, batch of each row written) were queued in the database backend until
    the commit: the queue grew with the import (memory not flat; `AfterTriggerEvents`
    measured in `bench/profile_import_db.py`) and a dry run, rolled back, never ran them.
    Checked after each batch, the queue holds one batch and the dry run checks what the
    commit checks. Every deferrable constraint is initially deferred, so `ALL DEFERRED`
    puts each back as it was. Measured: docs/closing-notes/issue-10.md (impdb, imp2)."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors, raw.pipeline(), raw.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        yield


def entered(rec: Record) -> Entered:
    """What the row says, for matching: every phone and email it carries, slots or not."""
    return Entered(
        first_name=rec.fields.get("first_name", ""),
        last_name=rec.fields.get("last_name", ""),
        company_name=rec.fields.get("company_name", ""),
        phones=(*rec.phones.values(), *(v for k, _, v in rec.details if k == "phone")),
        emails=(*rec.emails.values(), *(v for k, _, v in rec.details if k == "email")),
        vin=rec.vehicle.get("vin", ""),
        street=rec.fields.get("street", ""),
        postal_code=rec.fields.get("postal_code", ""),
    )


@lru_cache(maxsize=50_000)
def _sx(name: str) -> str:
    return jellyfish.soundex(name) if name else ""


@lru_cache(maxsize=50_000)
def _name_keys(last: str, first: str) -> tuple:
    """The name keys a row with both names asks for: (last, first) and swapped, every name
    of the family. Memoised (bounded) with `_sx`: a store's names repeat, and these were
    recomputed for every row (with records added under their keys: InFile's lookups and
    adds 37.8 → 28.6 µs a row, 20,000 rows, min of 5 runs)."""
    return tuple(
        {
            ("n", _sx(a), _sx(name))
            for a, b in ((last, first), (first, last))
            for name in name_family(b) | {b}
        }
    )


class InFile:
    """The rows of this batch created or filled in so far, as matching records, found by
    the same keys the store's lookups use (phone, email, VIN, street, Soundex of last and
    first name, company)."""

    def __init__(self):
        self.recs: dict = {}
        self.index: dict = defaultdict(list)

    @staticmethod
    def _own_keys(rec: Rec):
        yield from (("p", p) for p in rec.phones)
        yield from (("e", e) for e in rec.emails)
        yield from (("v", v) for v in rec.vins if len(v) == 17)
        if rec.street and rec.street_number:
            yield ("s", rec.street)
        if rec.last:
            yield ("l", _sx(rec.last))
            yield ("n", _sx(rec.last), _sx(rec.first))
        if rec.company:
            yield ("c", rec.company)

    @staticmethod
    def _asked_keys(typed: Rec):
        yield from (("p", p) for p in typed.phones)
        yield from (("e", e) for e in typed.emails)
        yield from (("v", v) for v in typed.vins if len(v) == 17)
        if typed.street and typed.street_number:
            yield ("s", typed.street)
        if typed.last and typed.first:
            yield from _name_keys(typed.last, typed.first)
        elif typed.last:
            yield ("l", _sx(typed.last))
        if typed.company:
            yield ("c", typed.company)

    def add(self, key, rec: Rec) -> None:
        if rec.id != key:
            rec = dataclasses.replace(rec, id=key)  # what the scorer answers with
        self.recs[key] = rec
        for k in self._own_keys(rec):
            self.index[k].append(key)

    def candidates(self, typed: Rec) -> set:
        return {key for k in self._asked_keys(typed) for key in self.index.get(k, ())}


def _filled(rec: Rec, row: Rec) -> Rec:
    """The matching record of a customer after a row filled it in (for later rows)."""
    return dataclasses.replace(
        rec,
        phones=rec.phones | row.phones,
        emails=rec.emails | row.emails,
        vins=rec.vins | row.vins,
        company=rec.company or row.company,
        street=rec.street or row.street,
        street_number=rec.street_number or row.street_number,
        city=rec.city or row.city,
        region=rec.region or row.region,
        postal=rec.postal or row.postal,
    )


def _order(key) -> tuple:
    # The store's customers by id, then this batch's rows in file order (their ids to come).
    return (1, key[1]) if isinstance(key, tuple) else (0, key)


def _kind(best) -> str:
    if best is None or best[0] < LIKELY:
        return "new"
    reasons = " ".join(best[2])
    if (
        best[0] >= SURE
        and ("same phone" in reasons or "same email" in reasons)
        and ("household" not in reasons)
    ):
        return "updated"
    return "duplicate"


@dataclass(slots=True)
class Ready:
    """What one row brings to its batch whatever the rows before it did, worked out before
    the batch is classified (`prepare_row`; `imports.ahead` does it in a thread while the
    batch before is written): what it says for matching, its typed record, and the new
    customer and vehicle it would write, or why they would be refused. Only used where the
    row-by-row order would have built them: a row classified "updated" never uses `new`
    (its vehicle is prepared again against the throwaway customer), a nameless row has
    none."""

    entry: Entered
    typed: Rec
    new: customer_actions.NewCustomer | None = None
    refused: ValidationError | None = None
    vehicle: object = None
    vehicle_refused: ValidationError | None = None


def prepare_row(store, number: int, rec: Record, *, acting_user, reason) -> Ready:
    """The row's `Ready`: pure Python, no query (`prepare_new_customer` and
    `prepare_vehicle` check in Python only)."""
    entry = entered(rec)
    ready = Ready(entry, entry.rec(("row", number)))  # its key in InFile, should it be added
    if rec.nameless:
        return ready
    try:
        ready.new = customer_actions.prepare_new_customer(
            store,
            acting_user=acting_user,
            phones=rec.phones,
            emails=rec.emails,
            reason=reason,
            normalised=True,
            details=rec.details,
            **{k: v for k, v in rec.fields.items() if v},
        )
    except ValidationError as exc:
        ready.refused = exc
        return ready
    if rec.vehicle:
        try:
            ready.vehicle = customer_actions.prepare_vehicle(
                ready.new.customer, allow_unvalidated_vin=True, **rec.vehicle
            )
        except ValidationError as exc:
            ready.vehicle_refused = exc
    return ready


@dataclass(slots=True)
class Planned:
    number: int
    rec: Record
    kind: str
    target: object = None  # a customer id, or ("row", number) of this batch
    best: tuple | None = None  # (score, id, reasons, same)
    skipped: bool = False
    new: customer_actions.NewCustomer | None = None
    vehicle: object = None


def _error(number, column, reason, value=""):
    return (number, column[:120], value[:200], reason[:300])


def process(
    batch: ImportBatch,
    rows,
    *,
    acting_user,
    reason,
    counts,
    errors,
    recs: RecCache | None = None,
    ready: list[Ready] | None = None,
) -> None:
    """Classify and write one batch of valid rows [(row number, Record)], in file order.
    `errors` collects (row, column, value, reason) tuples. `recs`: the candidates' records
    kept across the batches of one import. `ready`: the rows' `prepare_row`, if worked out
    already (`imports.ahead`)."""
    store = batch.dealership
    recs = RecCache() if recs is None else recs
    if ready is None:
        ready = [
            prepare_row(store, number, rec, acting_user=acting_user, reason=reason)
            for number, rec in rows
        ]
    entries = [r.entry for r in ready]
    ids = candidate_ids_many(store, entries, recs.full_probes)
    db = recs.get_many(store, set().union(*ids)) if rows else {}
    taken_vins = existing_vins(store, {r.vehicle.get("vin", "") for _, r in rows})
    in_file = InFile()
    plans: list[Planned] = []
    throwaway = Customer(dealership=store)
    for (number, rec), row, found in zip(rows, ready, ids, strict=True):
        typed = row.typed
        near = in_file.candidates(typed)
        cands = [in_file.recs[k] if k in in_file.recs else db[k] for k in found if k in db]
        cands += [in_file.recs[k] for k in near if k not in found]
        scored = score_candidates(typed, cands, at_least=LIKELY)
        best = min(scored, key=lambda m: (-m[0], _order(m[1]))) if scored else None
        kind = _kind(best)
        if rec.nameless:
            # No name: the row can only be the person its phone or email already belongs to.
            best = _owner(typed, cands)
            if best is None:
                counts["invalid"] += 1
                errors.add(number, "", ", ".join(_contact_values(rec))[:200], NAMELESS)
                continue
            kind = "updated"
        counts[kind] += 1
        # Below "likely" the best candidate is no match: a new customer, no duplicate_of.
        target = best[1] if kind != "new" else None
        plan = Planned(number, rec, kind, target=target, best=best)
        if kind == "duplicate" and batch.on_duplicate == ImportBatch.OnDuplicate.SKIP:
            counts["skipped"] += 1
            plan.skipped = True
            plans.append(plan)
            continue
        if kind != "updated":
            if row.refused is not None:
                counts[kind] -= 1
                counts["invalid"] += 1
                errors.extend(_not_imported(number, row.refused))
                continue
            plan.new = row.new
        # A vehicle that cannot be added is left out with its reason; the person comes in
        # (as a phone that is not a phone does).
        vin = rec.vehicle.get("vin", "")
        if rec.vehicle and vin and vin in taken_vins:
            errors.add(number, "VIN", vin, TAKEN_VIN)
        elif rec.vehicle:
            refused = row.vehicle_refused
            if plan.new is not None:
                plan.vehicle = row.vehicle
            else:  # a fill-in's vehicle: checked against the throwaway customer, as ever
                refused = None
                try:
                    plan.vehicle = customer_actions.prepare_vehicle(
                        throwaway, allow_unvalidated_vin=True, **rec.vehicle
                    )
                except ValidationError as exc:
                    refused = exc
            if refused is not None:
                for column, value, why in _left_out(refused, rec.vehicle):
                    errors.add(number, column, value, why)
        if plan.vehicle is not None and plan.vehicle.vin:
            taken_vins.add(plan.vehicle.vin)
            taken_vins.add(vin)
        if kind == "updated":
            in_file.add(best[1], _filled(in_file.recs.get(best[1]) or db[best[1]], typed))
        else:
            in_file.add(("row", number), typed)
        plans.append(plan)
    # The store's customers this batch fills in change: loaded again when next asked.
    recs.forget(p.target for p in plans if p.kind == "updated" and isinstance(p.target, int))
    _write(batch, plans, acting_user=acting_user, reason=reason, counts=counts, errors=errors)
    recs.remember(_written_rec(p) for p in plans if p.new is not None)


def _written_rec(plan: Planned) -> Rec:
    """The matching record `candidate_recs` would load for a customer this batch created:
    its fields, the phones and emails of its slots, the VIN of the vehicle written."""
    c, vehicle = plan.new.customer, plan.vehicle
    return Rec.build(
        c.pk,
        first_name=c.first_name,
        last_name=c.last_name,
        company_name=c.company_name,
        phones=plan.new.phones.values(),
        emails=[a.lower() for a in plan.new.emails.values()],
        vins=[vehicle.vin] if vehicle is not None and vehicle.vin else (),
        street=c.street,
        city=c.city,
        region=c.region,
        postal_code=c.postal_code,
    )


NAMELESS = (
    "Row not imported: No name, and no customer of this store has its phone or email. "
    "Add a name (in the address book or the file) and import it again."
)
TAKEN_VIN = "Vehicle left out: the store (or an earlier row) already has this VIN."


def _left_out(exc: ValidationError, vehicle: dict):
    for column, messages in (
        exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    ):
        column = "VIN" if column in ("vin", "__all__", "") else column
        value = str(vehicle.get(column.lower(), vehicle.get("vin", "")))
        yield column, value, "Vehicle left out: " + " ".join(messages)


def _contact_values(rec: Record) -> list[str]:
    return [*rec.phones.values(), *rec.emails.values(), *(v for _, _, v in rec.details)]


def _owner(typed: Rec, cands) -> tuple | None:
    """The candidate (store's customer or earlier row) holding one of the row's phones or
    emails, as the scorer's (score, id, reasons, same); the oldest when several do."""
    owners = []
    for cand in cands:
        same = [
            *(["same phone"] if typed.phones & cand.phones else []),
            *(["same email"] if typed.emails & cand.emails else []),
        ]
        if same:
            owners.append((100, cand.id, same, frozenset()))
    return min(owners, key=lambda m: _order(m[1])) if owners else None


def _not_imported(number, exc: ValidationError):
    for column, messages in (
        exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
    ):
        yield _error(
            number,
            "" if column == "__all__" else column,
            "Row not imported: " + " ".join(messages),
        )


def _write(batch, plans, *, acting_user, reason, counts, errors) -> None:
    store = batch.dealership_id
    created = [p for p in plans if p.new is not None]
    customer_actions.create_customers_bulk([p.new for p in created])
    pk_of_row = {p.number: p.new.customer.pk for p in created}

    def pk(target):
        return pk_of_row[target[1]] if isinstance(target, tuple) else target

    copy_rows(
        ImportedRecord,
        [
            {
                "dealership_id": store,
                "batch_id": batch.pk,
                "row": p.number,
                "customer_id": p.new.customer.pk,
                "action": ImportedRecord.Action.CREATED,
                "duplicate_of": pk(p.target) if p.target is not None else None,
                "external_id": p.rec.external_id,
            }
            for p in created
        ],
    )
    customer_actions.add_vehicles_bulk(
        [p.vehicle for p in created if p.vehicle is not None], acting_user=acting_user
    )
    skipped = [p for p in plans if p.skipped]
    names = Customer.objects.in_bulk([p.target for p in skipped if not isinstance(p.target, tuple)])
    new_of_row = {p.number: p.new.customer for p in created}
    for p in skipped:
        score, _, reasons, _ = p.best
        who = (new_of_row.get(p.target[1]) if isinstance(p.target, tuple) else None) or names.get(
            p.target
        )
        errors.add(
            p.number,
            "",
            "",
            f"Skipped: looks like {who.display_name if who else 'a customer'} "
            f"({score}%: {', '.join(reasons)})",
        )
    _fill_in_all(
        batch, [p for p in plans if p.kind == "updated"], pk, acting_user, reason, counts, errors
    )


def _fill_in_all(batch, plans, pk, acting_user, reason, counts, errors) -> None:
    """The batch's fill-ins, in file order, through `customers.bulk_updates`: the customers
    locked and read once, each fill-in checked and applied in memory (a refused one leaves
    its customer as it was and its row invalid, as the savepoint of a row-by-row fill-in
    did), then written with their history rows, records and vehicles in a few statements.
    Measured (20,000 rows, 380 fill-ins, `bench/bench_import.py`'s file): about 34 round
    trips a fill-in before; the figures are in docs/closing-notes/issue-10.md."""
    if not plans:
        return
    pending = bulk_updates.lock_for_update(batch.dealership, [pk(p.target) for p in plans])
    records, vehicles = [], []
    for plan in plans:
        target = pending[pk(plan.target)]
        name = target.customer.display_name
        try:
            before = fill_in(
                target, plan.rec, acting_user=acting_user, reason=reason, row=plan.number
            )
        except ValidationError as exc:
            counts["updated"] -= 1
            counts["invalid"] += 1
            errors.extend(_not_imported(plan.number, exc))
            continue
        records.append(
            {
                "dealership_id": batch.dealership_id,
                "batch_id": batch.pk,
                "row": plan.number,
                "customer_id": target.customer.pk,
                "action": ImportedRecord.Action.UPDATED,
                "before": before,
                "external_id": plan.rec.external_id,
            }
        )
        _, _, why, _ = plan.best
        errors.add(plan.number, "", "", f"Filled in {name}, already a customer ({', '.join(why)}).")
        if plan.vehicle is not None:
            plan.vehicle.customer = target.customer
            vehicles.append(plan.vehicle)
    bulk_updates.write_updates(pending.values())
    copy_rows(ImportedRecord, records)
    customer_actions.add_vehicles_bulk(vehicles, acting_user=acting_user)


def fill_in(
    pending: bulk_updates.Pending, rec: Record, *, acting_user, reason, row: int = 0
) -> dict:
    """Fill the existing customer's empty fields and free phone/email labels from the row;
    never overwrite. What does not fit is kept beside: a phone or email whose label is taken
    goes to the customer's other contact details, the row's notes and any name or company
    that differs from the customer's are added to the notes under the import's name.
    Returns what was there before, for the undo. `pending`: the customer as the batch's
    earlier fill-ins left it (`customers.bulk_updates`)."""
    customer = pending.customer
    fields = {f: rec.fields[f] for f in FILLABLE if rec.fields.get(f) and not getattr(customer, f)}
    have_phones = dict(pending.phones)
    have_emails = {label: a.lower() for label, a in pending.emails.items()}
    have_details = {(kind, value.lower()) for kind, value in pending.details}
    known = {*have_phones.values(), *have_emails.values(), *(v for _, v in have_details)}
    phones, emails, details = {}, {}, []
    for kind, slots, have, taken in (
        ("phone", rec.phones, have_phones, phones),
        ("email", rec.emails, have_emails, emails),
    ):
        for label, value in slots.items():
            if value.lower() in known:
                continue
            if label in have or label in taken:
                details.append((kind, label, value))
            else:
                taken[label] = value
            known.add(value.lower())
    for kind, label, value in rec.details:
        if value.lower() not in known:
            details.append((kind, label, value))
            known.add(value.lower())
    if (
        rec.fields.get("street")
        and customer.street
        and (rec.fields["street"].lower() != customer.street.lower())
    ):
        line = ", ".join(
            p
            for p in (rec.fields.get(f, "") for f in ("street", "city", "region", "postal_code"))
            if p
        )
        if line.lower() not in known:
            details.append(("address", "", line[:300]))
    lines = [
        f"{title}: {rec.fields[name]}"
        for name, title in DIFFERING.items()
        if rec.fields.get(name)
        and getattr(customer, name)
        and rec.fields[name].lower() != getattr(customer, name).lower()
    ]
    note = rec.fields.get("notes", "")
    if note and note not in customer.notes:
        lines.append(note)
    if lines:
        heading = f"{reason}{f', row {row}' if row else ''}:"
        notes = "\n\n".join(p for p in (customer.notes, "\n".join([heading, *lines])) if p)
        limit = Customer._meta.get_field("notes").max_length
        fields["notes"] = notes[:limit]
    if not (fields or phones or emails or details):
        return {}
    before_notes = customer.notes
    pending.update(
        acting_user=acting_user,
        phones=phones or None,
        emails=emails or None,
        details=details or None,
        reason=reason,
        **fields,
    )
    filled = [f for f in fields if f != "notes"]
    before = {"fields": filled, "phones": list(phones), "emails": list(emails)}
    if "notes" in fields:
        before["notes"] = before_notes
    if details:
        before["details"] = [[kind, value] for kind, _, value in details]
    return before
