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
- updated (a sure match on a shared phone or email): filled in one by one through
  `customers.actions.update_customer`, after the batch's new customers exist (a row may
  fill in a customer created by an earlier row of the same batch).

Measured (`bench/bench_import.py`): the figures are in docs/closing-notes/issue-10.md."""

from __future__ import annotations

import dataclasses
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

import jellyfish
from django.core.exceptions import ValidationError
from django.db import transaction

from goodwill.core.bulk import copy_rows
from goodwill.customers import actions as customer_actions
from goodwill.customers.batch_lookup import (
    Entered,
    candidate_ids_many,
    candidate_recs,
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
FILLABLE = ("company_name", "street", "city", "region", "postal_code")


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


def entered(rec: Record) -> Entered:
    return Entered(
        first_name=rec.fields.get("first_name", ""),
        last_name=rec.fields.get("last_name", ""),
        company_name=rec.fields.get("company_name", ""),
        phones=tuple(rec.phones.values()),
        emails=tuple(rec.emails.values()),
        vin=rec.vehicle.get("vin", ""),
        street=rec.fields.get("street", ""),
        postal_code=rec.fields.get("postal_code", ""),
    )


def _sx(name: str) -> str:
    return jellyfish.soundex(name) if name else ""


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
            for a, b in ((typed.last, typed.first), (typed.first, typed.last)):
                for name in name_family(b) | {b}:
                    yield ("n", _sx(a), _sx(name))
        elif typed.last:
            yield ("l", _sx(typed.last))
        if typed.company:
            yield ("c", typed.company)

    def add(self, key, rec: Rec) -> None:
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


def process(batch: ImportBatch, rows, *, acting_user, reason, counts, errors) -> None:
    """Classify and write one batch of valid rows [(row number, Record)], in file order.
    `errors` collects (row, column, value, reason) tuples."""
    store = batch.dealership
    entries = [entered(rec) for _, rec in rows]
    ids = candidate_ids_many(store, entries)
    db = candidate_recs(store, set().union(*ids)) if rows else {}
    taken_vins = existing_vins(store, {r.vehicle.get("vin", "") for _, r in rows})
    in_file = InFile()
    plans: list[Planned] = []
    throwaway = Customer(dealership=store)
    for (number, rec), entry, found in zip(rows, entries, ids, strict=True):
        typed = entry.rec()
        near = in_file.candidates(typed)
        cands = [in_file.recs[k] if k in in_file.recs else db[k] for k in found if k in db]
        cands += [in_file.recs[k] for k in near if k not in found]
        scored = score_candidates(typed, cands)
        best = min(scored, key=lambda m: (-m[0], _order(m[1]))) if scored else None
        kind = _kind(best)
        counts[kind] += 1
        # Below "likely" the best candidate is no match: a new customer, no duplicate_of.
        target = best[1] if kind != "new" else None
        plan = Planned(number, rec, kind, target=target, best=best)
        if kind == "duplicate" and batch.on_duplicate == ImportBatch.OnDuplicate.SKIP:
            counts["skipped"] += 1
            plan.skipped = True
            plans.append(plan)
            continue
        try:
            if kind != "updated":
                fields = {k: v for k, v in rec.fields.items() if v}
                plan.new = customer_actions.prepare_new_customer(
                    store,
                    acting_user=acting_user,
                    phones=rec.phones,
                    emails=rec.emails,
                    reason=reason,
                    normalised=True,
                    **fields,
                )
            vin = rec.vehicle.get("vin", "")
            if rec.vehicle and not (vin and vin in taken_vins):
                plan.vehicle = customer_actions.prepare_vehicle(
                    plan.new.customer if plan.new else throwaway,
                    allow_unvalidated_vin=True,
                    **rec.vehicle,
                )
        except ValidationError as exc:
            counts[kind] -= 1
            counts["invalid"] += 1
            errors.extend(_not_imported(number, exc))
            continue
        if plan.vehicle is not None and plan.vehicle.vin:
            taken_vins.add(plan.vehicle.vin)
            taken_vins.add(vin)
        if kind == "updated":
            in_file.add(best[1], _filled(in_file.recs.get(best[1]) or db[best[1]], typed))
        else:
            in_file.add(("row", number), typed)
        plans.append(plan)
    _write(batch, plans, acting_user=acting_user, reason=reason, counts=counts, errors=errors)


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
    for p in plans:
        if p.kind == "updated":
            _fill_in_row(batch, p, pk(p.target), acting_user, reason, counts, errors)


def _fill_in_row(batch, plan, customer_id, acting_user, reason, counts, errors) -> None:
    try:
        with transaction.atomic():
            customer = Customer.objects.get(pk=customer_id)
            before = fill_in(customer, plan.rec, acting_user=acting_user, reason=reason)
            ImportedRecord.objects.create(
                dealership_id=batch.dealership_id,
                batch=batch,
                row=plan.number,
                customer=customer,
                action=ImportedRecord.Action.UPDATED,
                before=before,
            )
            if plan.vehicle is not None:
                customer_actions.add_vehicle(
                    customer,
                    acting_user=acting_user,
                    allow_unvalidated_vin=True,
                    **plan.rec.vehicle,
                )
    except ValidationError as exc:
        counts["updated"] -= 1
        counts["invalid"] += 1
        errors.extend(_not_imported(plan.number, exc))


def fill_in(customer: Customer, rec: Record, *, acting_user, reason) -> dict:
    """Fill the existing customer's empty fields and free phone/email labels from the row;
    never overwrite. Returns what was empty before, for the undo."""
    fields = {f: rec.fields[f] for f in FILLABLE if rec.fields.get(f) and not getattr(customer, f)}
    have_phones = {p.label: p.number for p in customer.phones.all()}
    have_emails = {e.label: e.address_lower for e in customer.emails.all()}
    phones = {
        label: n
        for label, n in rec.phones.items()
        if label not in have_phones and n not in have_phones.values()
    }
    emails = {
        label: a
        for label, a in rec.emails.items()
        if label not in have_emails and a.lower() not in have_emails.values()
    }
    if not (fields or phones or emails):
        return {}
    customer_actions.update_customer(
        customer,
        acting_user=acting_user,
        phones=phones or None,
        emails=emails or None,
        reason=reason,
        **fields,
    )
    return {"fields": list(fields), "phones": list(phones), "emails": list(emails)}
