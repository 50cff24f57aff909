"""The entry-time duplicate check's lookups for many people at once (imports classify a
batch of rows with them): one query per key kind for the whole batch instead of about ten
queries per person.

`candidate_ids_many` asks the same indexes as `duplicates.find_likely_matches` — phone,
email, VIN, upper(street), and on PostgreSQL the Soundex codes of (last, first) name, the
swapped order and the company name — with the values of every entry in one statement per
kind (`= ANY`, and a `LATERAL … LIMIT 20` for the names so each entry keeps its own cap).
`candidate_recs` then loads all the candidates of the batch once. Scoring stays
`duplicates.score_candidates`, the entry-time check's own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

import jellyfish
from django.db import connection
from django.db.models.functions import Upper

from goodwill.customers.duplicates import (
    CANDIDATES_PER_LOOKUP,
    REC_SELECT,
    _candidate_recs,
    _name_candidates,
)
from goodwill.customers.matching import Rec, canonical_first, first_token, fold, name_family
from goodwill.customers.models import Customer, CustomerEmail, CustomerPhone, Vehicle

CHUNK = 5000  # values per IN / ANY list


@dataclass(slots=True)
class Entered:
    """What one row says about a person. Phones are E.164 and emails as `normalise_email`
    returned them (the caller normalised them once)."""

    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    phones: tuple = ()
    emails: tuple = ()
    vin: str = ""
    street: str = ""
    postal_code: str = ""

    def rec(self, id=None) -> Rec:
        vin = self.vin_key
        return Rec.build(
            id,
            first_name=self.first_name,
            last_name=self.last_name,
            company_name=self.company_name,
            phones=self.phones,
            emails=[e.lower() for e in self.emails],
            vins=[vin] if vin else [],
            street=self.street,
            postal_code=self.postal_code,
        )

    @property
    def vin_key(self) -> str:
        return "".join((self.vin or "").split()).upper()

    @property
    def street_key(self) -> str:
        street = " ".join((self.street or "").split())
        return street.upper() if len(street) >= 5 and any(c.isdigit() for c in street) else ""


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _by_value(
    qs, field: str, values, customer_field: str = "customer_id", *, sql=None, store=None
) -> dict:
    """{value: sorted customer ids} for the values, in chunks. `sql`: on PostgreSQL, the
    same lookup as one statement with the values as one array (`= ANY(%s)`, parameters
    store, values): Django's `IN` of 5,000 placeholders, each converted by psycopg's
    client-side binding, was most of the lookups' CPU in the import process."""
    found = defaultdict(list)
    values = sorted(values)
    postgres = sql is not None and connection.vendor == "postgresql"
    for chunk in _chunks(values):
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(sql, [store, chunk])
                rows = cursor.fetchall()
        else:
            rows = qs.filter(**{f"{field}__in": chunk}).values_list(field, customer_field)
        for value, cid in rows:
            found[value].append(cid)
    for ids in found.values():
        ids.sort()
    return found


def _capped(found: dict, keys, cap: int) -> list[int]:
    out = []
    for key in keys:
        for cid in found.get(key, ()):
            if cid not in out:
                out.append(cid)
                if len(out) >= cap:
                    return out
    return out


# One probe per (name, Soundex code of a first name of the family): with the codes as
# `soundex(first_name) = ANY(…)`, PostgreSQL used only the last name's code as the index
# condition and read every customer of that code to filter the first names — a probe read
# ~300 rows at 30,000 customers and grows with the store (186 µs of database CPU a row of an
# import at 20,000 rows, the largest share). With `= q.code` the whole key is the index
# condition: ~0.15 ms → ~0.03 ms a probe (EXPLAIN ANALYZE). Codes are asked in ascending
# order and each name keeps the first CANDIDATES_PER_LOOKUP over its codes, by id within a
# code: the entry-time check's order (code, id), never the plan's.
_PAIRS = """
SELECT q.i, c.id FROM unnest(%s::int[], %s::text[], %s::text[]) AS q(i, last, code)
CROSS JOIN LATERAL (
    SELECT id FROM customers_customer
    WHERE dealership_id = %s AND soundex(last_name) = soundex(q.last)
      AND soundex(first_name) = q.code
    ORDER BY id LIMIT %s) c
"""
# A last name alone: the entry-time check's order (the first name's code, then id), the
# index's own since dedupe 0004; `ORDER BY id` let PostgreSQL walk the primary
# key filtering for the store (see `duplicates._SOUND_LAST`).
_LASTS = """
SELECT q.i, c.id FROM unnest(%s::int[], %s::text[]) AS q(i, last)
CROSS JOIN LATERAL (
    SELECT id FROM customers_customer
    WHERE dealership_id = %s AND soundex(last_name) = soundex(q.last)
    ORDER BY soundex(first_name), id LIMIT %s) c
"""
_COMPANIES = """
SELECT q.i, c.id FROM unnest(%s::int[], %s::text[]) AS q(i, company)
CROSS JOIN LATERAL (
    SELECT id FROM customers_customer
    WHERE dealership_id = %s AND company_name <> ''
      AND upper(company_name::text) = upper(q.company) ORDER BY id LIMIT %s) c
"""


@lru_cache(maxsize=50_000)
def _sounds(name: str) -> tuple[str, ...]:
    return tuple(sorted({jellyfish.soundex(n) for n in name_family(name) | {name} if n}))


class FullProbes(dict):
    """The answers of the (last name, first-name code) probes that came back full — the
    first CANDIDATES_PER_LOOKUP customers by id — kept for the rest of an import: customers
    created later get larger ids and a fill-in never changes a name, so a full answer stays
    the answer. Measured (`bench/profile_import_db.py`): the figures are in
    docs/closing-notes/issue-10.md (impdb). Bounded (the oldest answers go past `limit`): a
    few ids a key. A customer deleted or merged by someone else while the import runs stays
    in the answer until the import ends (as `RecCache` keeps its record); the load of its
    record then finds nothing and it is not scored."""

    def __init__(self, limit: int = 200_000):
        super().__init__()
        self.limit = limit
        self.members: set[int] = set()  # the customers of every full answer kept so far

    def keep(self, key, ids: list[int]) -> None:
        self[key] = tuple(ids)
        self.members.update(ids)
        while len(self) > self.limit:
            del self[next(iter(self))]


def _sound_candidates_many(
    dealership, entries: list[Entered], out: list[set], full: FullProbes | None = None
) -> None:
    """`duplicates._sound_candidates` for every entry, three statements for the batch. Each
    distinct name is asked once per batch and its answer shared by the entries that typed it
    (the lateral subquery depends on the name alone): a store's names repeat, and in the
    benchmark's file this asked ~40 % fewer lookups (the largest share of the import's
    database time). `full`: the answers already full, not asked again."""
    full = FullProbes() if full is None else full
    pairs: dict[tuple[str, tuple], list[int]] = defaultdict(list)
    lasts: dict[tuple[str], list[int]] = defaultdict(list)
    companies: dict[tuple[str], list[int]] = defaultdict(list)
    for i, e in enumerate(entries):
        first, last = first_token(e.first_name), fold(e.last_name)
        if last and first:
            for a, b in ((last, first), (first, last)):  # and swapped
                pairs[(a, _sounds(b))].append(i)
        elif last:
            lasts[(last,)].append(i)
        company = e.company_name.strip()
        if company:
            companies[(company,)].append(i)
    cap = CANDIDATES_PER_LOOKUP
    with connection.cursor() as cursor:
        if pairs:
            keys = list(pairs)
            probes = [(k, last, code) for k, (last, codes) in enumerate(keys) for code in codes]
            found = defaultdict(list)  # probe → ids, in the index's order
            ask = []
            for p, (_, last, code) in enumerate(probes):
                if (last, code) in full:
                    found[p].extend(full[(last, code)])
                else:
                    ask.append(p)
            if ask:
                cursor.execute(
                    _PAIRS,
                    [
                        ask,
                        [probes[p][1] for p in ask],
                        [probes[p][2] for p in ask],
                        dealership.pk,
                        cap,
                    ],
                )
                for p, cid in cursor.fetchall():
                    found[p].append(cid)
                for p in ask:
                    if len(found[p]) >= cap:
                        full.keep(probes[p][1:], found[p])
            by_key = defaultdict(list)
            for p in range(len(probes)):  # the codes of a name in ascending order
                by_key[probes[p][0]].extend(found.get(p, ()))
            for k, ids in by_key.items():
                for i in pairs[keys[k]]:
                    out[i].update(ids[:cap])
        for sql, asked in ((_LASTS, lasts), (_COMPANIES, companies)):
            if not asked:
                continue
            keys = list(asked)
            columns = [list(column) for column in zip(*keys, strict=True)]
            cursor.execute(sql, [list(range(len(keys))), *columns, dealership.pk, cap])
            for k, cid in cursor.fetchall():
                for i in asked[keys[k]]:
                    out[i].add(cid)


def _name_candidates_each(dealership, entries: list[Entered], out: list[set]) -> None:
    """SQLite (tests, demos): the entry-time check's LIKE scan, one query per entry."""
    for i, e in enumerate(entries):
        first, last = first_token(e.first_name), fold(e.last_name)
        names = []
        if first or last:
            names.append(f"{fold(e.first_name)} {last}".strip())
            canon = canonical_first(first)
            if canon and canon != first and last:
                names.append(f"{canon} {last}")
        if e.company_name:
            names.append(fold(e.company_name))
        out[i].update(_name_candidates(dealership, names))


# The lookups of `candidate_ids_many` as SQL for `_by_value` on PostgreSQL: the same
# columns and indexes as the querysets beside them (`vin <> ''`: the unique index on VINs is
# partial).
_PHONES_ANY = (
    "SELECT number, customer_id FROM customers_customerphone"
    " WHERE dealership_id = %s AND number = ANY(%s)"
)
_EMAILS_ANY = (
    "SELECT address_lower, customer_id FROM customers_customeremail"
    " WHERE dealership_id = %s AND address_lower = ANY(%s)"
)
_VINS_ANY = (
    "SELECT vin, customer_id FROM customers_vehicle"
    " WHERE dealership_id = %s AND vin <> '' AND vin = ANY(%s)"
)
_STREETS_ANY = (
    "SELECT upper(street::text), id FROM customers_customer"
    " WHERE dealership_id = %s AND upper(street::text) = ANY(%s)"
)


def candidate_ids_many(
    dealership, entries: list[Entered], full: FullProbes | None = None
) -> list[set[int]]:
    """For each entry, the ids of the store's customers `find_likely_matches` would score.
    `full`: the name probes' full answers, kept across the batches of an import."""
    out: list[set[int]] = [set() for _ in entries]
    store = {"dealership": dealership}
    pk = dealership.pk
    phones = _by_value(
        CustomerPhone.objects.filter(**store),
        "number",
        {p for e in entries for p in e.phones},
        sql=_PHONES_ANY,
        store=pk,
    )
    emails = _by_value(
        CustomerEmail.objects.filter(**store),
        "address_lower",
        {a.lower() for e in entries for a in e.emails},
        sql=_EMAILS_ANY,
        store=pk,
    )
    vins = _by_value(
        Vehicle.objects.filter(**store),
        "vin",
        {e.vin_key for e in entries if len(e.vin_key) == 17},
        sql=_VINS_ANY,
        store=pk,
    )
    # upper(street): dedupe_cust_street (dealership_id, upper(street)) on PostgreSQL.
    streets = _by_value(
        Customer.objects.filter(**store).annotate(street_upper=Upper("street")),
        "street_upper",
        {e.street_key for e in entries if e.street_key},
        "id",
        sql=_STREETS_ANY,
        store=pk,
    )
    for i, e in enumerate(entries):
        out[i].update(_capped(phones, e.phones, CANDIDATES_PER_LOOKUP))
        out[i].update(_capped(emails, [a.lower() for a in e.emails], CANDIDATES_PER_LOOKUP))
        if len(e.vin_key) == 17:
            out[i].update(_capped(vins, [e.vin_key], 5))
        if e.street_key:
            out[i].update(_capped(streets, [e.street_key], CANDIDATES_PER_LOOKUP))
    if connection.vendor == "postgresql":
        _sound_candidates_many(dealership, entries, out, full)
    else:
        _name_candidates_each(dealership, entries, out)
    return out


# `_candidate_recs`' four queries as one statement on PostgreSQL, the ids as one array: the
# record's columns and arrays are `duplicates.REC_SELECT` (each array an index scan by
# customer, the indexes the four queries used). Django's `IN` of 5,000 placeholders was
# parsed and planned four times a chunk, and the four result sets joined in Python.
_RECS = (
    f"SELECT {REC_SELECT}\nFROM customers_customer c WHERE c.dealership_id = %s AND c.id = ANY(%s)"  # nosec B608 # a constant fragment; the values are parameters
)


def _recs_one_statement(dealership, ids: list[int]) -> list[Rec]:
    with connection.cursor() as cursor:
        cursor.execute(_RECS, [dealership.pk, ids])
        rows = cursor.fetchall()
    return [Rec.from_row(row) for row in rows]


def candidate_recs(dealership, ids) -> dict[int, Rec]:
    """The matching records of the candidates, loaded once for the whole batch. PostgreSQL:
    one statement a chunk (`_RECS`) instead of `_candidate_recs`' four; the same records.
    Measured (`bench/profile_import_db.py`): the figures are in
    docs/closing-notes/issue-10.md (impdb)."""
    load = _recs_one_statement if connection.vendor == "postgresql" else _candidate_recs
    recs = {}
    for chunk in _chunks(sorted(ids)):
        recs.update((rec.id, rec) for rec in load(dealership, chunk))
    return recs


class RecCache:
    """The store's candidates' matching records kept from one batch to the next of an import
    (bounded). The name lookups return the same first customers of a common name's Soundex
    codes batch after batch, so most of a batch's candidates were loaded by an earlier one:
    loading them (a statement and `Rec.build` per candidate) was a seventh of the import's
    CPU. The import `forget`s a customer it fills in (its phones, emails, address or
    vehicles change); nothing else changes a store's customer during an import, which runs
    in one transaction. The customers the import creates are `remember`ed as they are
    written (what `candidate_recs` would load for them): most of a batch's candidates not
    seen before were rows of earlier batches.

    Two tiers within one bound (`limit` records, ~1.1 KB each with their strings and sets,
    tracemalloc: ≤ ~330 MB at 300,000, flat past it):
    - `pinned`: the customers of the name probes' full answers (`FullProbes.members`),
      never evicted. Those answers are the first 20 customers by id of a (last name,
      first-name code) pair and do not change for the rest of the import, so these are the
      records asked again and again; every customer written after its pair is full is
      never found by name again.
    - `recs`: the others, least recently used evicted past what `pinned` leaves of the
      bound: recent rows (their pairs not full yet) and contact-point candidates.
    With one LRU of every record loaded or written (bound 100,000), the rows written past
    the bound pushed out the full answers' customers, which were then loaded again in every
    batch: at 182,000 rows (10,000 customers first, in-process dry run) 2.9 loads a row and
    the import's CPU a row 286 → 497 µs from the first 26,000 rows; measured after in
    docs/closing-notes/issue-10.md (helper imp)."""

    def __init__(self, limit: int = 300_000):
        self.limit, self.recs, self.pinned = limit, {}, {}
        self.hits = self.loaded = 0
        self.full_probes = FullProbes()  # kept across the batches too

    def get_many(self, dealership, ids) -> dict[int, Rec]:
        recs, pinned, members = self.recs, self.pinned, self.full_probes.members
        out, missing = {}, []
        for cid in ids:
            rec = pinned.get(cid)
            if rec is None:
                rec = recs.pop(cid, None)
                if rec is None:
                    missing.append(cid)
                    continue
                self._keep(cid, rec, members)
            out[cid] = rec
        self.hits, self.loaded = self.hits + len(out), self.loaded + len(missing)
        if missing:
            for cid, rec in candidate_recs(dealership, missing).items():
                out[cid] = rec
                self._keep(cid, rec, members)
        self._trim()
        return out

    def _keep(self, cid, rec, members) -> None:
        if cid in members and len(self.pinned) < self.limit:
            self.pinned[cid] = rec
        else:
            self.recs[cid] = rec  # to the end: most recently used

    def remember(self, written) -> None:
        self.recs.update((rec.id, rec) for rec in written)
        self._trim()

    def _trim(self) -> None:
        room = max(0, self.limit - len(self.pinned))
        for cid in list(islice(self.recs, max(0, len(self.recs) - room))):
            del self.recs[cid]

    def forget(self, ids) -> None:
        for cid in ids:
            self.recs.pop(cid, None)
            self.pinned.pop(cid, None)


def existing_vins(dealership, vins) -> set[str]:
    """Which of these VINs a vehicle of the store already has."""
    found = set()
    for chunk in _chunks(sorted(v for v in vins if v)):
        found.update(
            Vehicle.objects.filter(dealership=dealership, vin__in=chunk).values_list(
                "vin", flat=True
            )
        )
    return found
