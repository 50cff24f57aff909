"""The duplicate rule of the customer write path, and the entry-time check behind it:
"is this person already in the store?" while someone types, and again before a create.

`customers.actions.create_customer` asks `check_new_customer` before it writes, so pages,
imports, the API and every app built on customers go through one rule:
- `SAME_CONTACT` (the default, the API's): a customer of the store already has this phone,
  email or VIN. Exact index lookups only; a household sharing a landline is stopped too, and
  the caller confirms with `confirm_new`.
- `LIKELY` (the pages'): the scorer says 90 %+ (a shared landline with another first name
  does not stop anyone).
Either way the caller gets `LikelyDuplicate` with the matches and their reasons, and a user
who answered "add as a new customer" passes `confirm_new=True`.

Every lookup is index-backed, so it stays fast in a store of a million customers:
phone → CustomerPhone(dealership, number); email → CustomerEmail(dealership, address_lower);
VIN → Vehicle(dealership, vin); street → an expression index (dealership, upper(street));
name → B-tree lookups on the Soundex codes of last and first name (dedupe migration 0003) on
PostgreSQL, a LIKE scan on SQLite. At most a few dozen candidates are loaded and scored with
the same comparison as the bulk pass. On PostgreSQL the lookups and the candidates' records
are one statement (`_candidates_in_one`), and the shown matches' model instances a second."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import jellyfish
from django.core.exceptions import ValidationError
from django.db import connection, router
from django.db.models import Q

from goodwill.core.contact import try_normalise_phone
from goodwill.core.prepared import NotPreparable, Prepared
from goodwill.customers.matching import (
    DEFAULT_BOUND,
    ROW_FIELDS,
    Rec,
    canonical_first,
    compare,
    first_token,
    fold,
    name_family,
)
from goodwill.customers.models import NO_VIN, Customer, CustomerEmail, CustomerPhone, Vehicle

CANDIDATES_PER_LOOKUP = 20
SHOW_FROM = -6.0  # log-odds: both names spelled alike is about -4, an exact name +3
STRONG_KEYS = ("phone", "email", "vin", "street")


@dataclass
class Match:
    customer: Customer
    score: int  # match probability in per cent
    reasons: list[str]
    same: frozenset[str] = frozenset()  # the STRONG_KEYS that are identical
    visible: bool = True  # may the user entering the record open this customer?

    @property
    def likely(self) -> bool:
        return self.score >= 90


def _phones(phones, region) -> list[str]:
    out = []
    for raw in phones or ():
        number = try_normalise_phone(raw, region) if raw else None
        if number and number not in out:
            out.append(number)
    return out


def _emails(emails) -> list[str]:
    return [e.strip().lower() for e in emails or () if e and "@" in e]


def _sounds(name: str) -> list[str]:
    """The Soundex codes of a name's family (Bob → Robert, Rob …), ascending."""
    return sorted({jellyfish.soundex(n) for n in name_family(name) | {name} if n})


# One probe per Soundex code of the first name's family, each code the index condition with
# the last name's (`= q.code`): with `soundex(first_name) = ANY(codes)` PostgreSQL used only
# the last name's code as the index condition and read every customer of that code to filter
# the first names (the import's batch probes had the same fix, see `batch_lookup._PAIRS`).
# A name keeps the first CANDIDATES_PER_LOOKUP over its codes in ascending order, by id
# within a code: a total order, not the plan's (an index scan and a bitmap scan of the same
# lookup kept different Smiths), and the one the import's batch probes keep.
_SOUND_PAIR = """(SELECT c.id FROM unnest(%s::text[]) WITH ORDINALITY AS q(code, n)
CROSS JOIN LATERAL (
    SELECT id FROM customers_customer
    WHERE dealership_id = %s AND soundex(last_name) = soundex(%s)
      AND soundex(first_name) = q.code
    ORDER BY id LIMIT %s) c
ORDER BY q.n, c.id LIMIT %s)"""
# A last name alone keeps the same order (the first name's code, then id): the index's own
# order since dedupe 0004 added the id to it (with 0003's index, an incremental sort of each
# code's few), so LIMIT stops after ~20 rows. With `ORDER BY id` PostgreSQL walked the
# primary key in id order filtering for the store and the code (a store's ids are one
# range, so the first match came late): 'smith' at sanford-ford (964 customers of S530)
# read 757,188 rows, 1,134 ms; now 20 rows through dedupe_cust_name_sound, 0.27 ms
# (EXPLAIN ANALYZE, 1 M customers).
_SOUND_LAST = """(SELECT id FROM customers_customer
WHERE dealership_id = %s AND soundex(last_name) = soundex(%s)
ORDER BY soundex(first_name), id LIMIT %s)"""
_COMPANY = """(SELECT id FROM customers_customer
WHERE dealership_id = %s AND company_name <> '' AND upper(company_name::text) = upper(%s)
ORDER BY id LIMIT %s)"""


def _sound_lookups(store: int, first: str, last: str, company: str) -> list[tuple[str, list]]:
    """PostgreSQL: the name lookups as SQL, each an index seek returning ids: the Soundex codes
    of (last, first) through dedupe_cust_name_sound, every name of the first name's family
    and the swapped order; a company by its name (dedupe_cust_company)."""
    cap = CANDIDATES_PER_LOOKUP
    lookups = []
    if last and first:
        lookups.append((_SOUND_PAIR, [_sounds(first), store, last, cap, cap]))
        # Swapped: the typed first name is their last name and the other way round.
        lookups.append((_SOUND_PAIR, [_sounds(last), store, first, cap, cap]))
    elif last:
        lookups.append((_SOUND_LAST, [store, last, cap]))
    if company:
        lookups.append((_COMPANY, [store, company, cap]))
    return lookups


def _sound_candidates(dealership, first: str, last: str, company: str) -> list[int]:
    """PostgreSQL: the ids the name lookups find, on their own (one statement)."""
    lookups = _sound_lookups(dealership.pk, first, last, company)
    if not lookups:
        return []
    sql = " UNION ALL ".join(fragment for fragment, _ in lookups)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for _, params in lookups for value in params])
        return [row[0] for row in cursor.fetchall()]


# The contact lookups of the check as SQL for the one-statement path, each capped in a total
# order (the customer id, then the row).
_PHONES = """(SELECT customer_id FROM customers_customerphone
WHERE dealership_id = %s AND number = ANY(%s) ORDER BY customer_id, id LIMIT %s)"""
_EMAILS = """(SELECT customer_id FROM customers_customeremail
WHERE dealership_id = %s AND address_lower = ANY(%s) ORDER BY customer_id, id LIMIT %s)"""
_VIN = """(SELECT customer_id FROM customers_vehicle
WHERE dealership_id = %s AND vin <> '' AND vin = %s ORDER BY customer_id, id LIMIT 5)"""
_STREET = """(SELECT id FROM customers_customer
WHERE dealership_id = %s AND upper(street::text) = upper(%s) ORDER BY id LIMIT %s)"""
# A stored customer's matching record in one row, `Rec.from_row`'s order: the customer's
# columns (`c`) and its phones, emails and VINs as arrays (each an index scan by customer).
# Shared by the entry-time check (`_RECS`) and the import's loads (`batch_lookup._RECS`).
REC_SELECT = """c.id, c.first_name, c.last_name, c.company_name, c.street, c.city, c.region,
    c.postal_code,
    ARRAY(SELECT p.number FROM customers_customerphone p
          WHERE p.customer_id = c.id AND p.dealership_id = c.dealership_id),
    ARRAY(SELECT e.address_lower FROM customers_customeremail e
          WHERE e.customer_id = c.id AND e.dealership_id = c.dealership_id),
    ARRAY(SELECT v.vin FROM customers_vehicle v
          WHERE v.customer_id = c.id AND v.dealership_id = c.dealership_id AND v.vin <> '')"""
# The candidates' matching records with their phones, emails and VINs, in the same statement
# (`_candidate_recs`' four queries).
_RECS = (
    "WITH candidate AS ({lookups})\nSELECT "  # nosec B608 # constant fragments; values are parameters
    + REC_SELECT
    + "\nFROM customers_customer c"  # nosec B608 # as above
    "\nWHERE c.dealership_id = %s AND c.id IN (SELECT * FROM candidate) AND c.id <> %s"
)


def _candidates_in_one(dealership, phones, emails, vin, street, first, last, company, exclude):
    """PostgreSQL: every lookup of the check and the candidates' records in one statement.
    Each lookup was a round trip of its own (about ten for a full form, with the four that
    load the records); on a loaded machine the round trips, not the index seeks, were the
    check's time."""
    store, cap = dealership.pk, CANDIDATES_PER_LOOKUP
    lookups = []
    if phones:
        lookups.append((_PHONES, [store, phones, cap]))
    if emails:
        lookups.append((_EMAILS, [store, emails, cap]))
    if len(vin) == 17:
        lookups.append((_VIN, [store, vin]))
    if street:
        lookups.append((_STREET, [store, street, cap]))
    lookups += _sound_lookups(store, first, last, company)
    if not lookups:
        return []
    sql = _RECS.format(lookups=" UNION ALL ".join(fragment for fragment, _ in lookups))
    params = [value for _, values in lookups for value in values]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, store, exclude.pk if exclude is not None else 0])
        rows = cursor.fetchall()
    return [Rec.from_row(row) for row in rows]


def _name_candidates(dealership, names: list[str]) -> list[int]:
    """SQLite (tests, demos): any name word's first four letters; scoring sorts out the rest."""
    names = [n for n in names if len(n) >= 3]
    if not names:
        return []
    cond = Q()
    for token in {t[:4] for name in names for t in name.split() if len(t) >= 3}:
        cond |= Q(search_name__contains=token)
    qs = Customer.objects.for_dealership(dealership).filter(cond)
    return list(qs.values_list("id", flat=True)[: CANDIDATES_PER_LOOKUP * 3])


def _candidate_ids(dealership, phones, emails, vin, street) -> set[int]:
    """SQLite: the contact lookups through the ORM, one query each (tests and demos)."""
    store = {"dealership": dealership}
    ids: set[int] = set()
    if phones:
        ids.update(
            CustomerPhone.objects.filter(number__in=phones, **store)
            .order_by("customer_id", "id")
            .values_list("customer_id", flat=True)[:CANDIDATES_PER_LOOKUP]
        )
    if emails:
        ids.update(
            CustomerEmail.objects.filter(address_lower__in=emails, **store)
            .order_by("customer_id", "id")
            .values_list("customer_id", flat=True)[:CANDIDATES_PER_LOOKUP]
        )
    if len(vin) == 17:
        ids.update(Vehicle.objects.filter(vin=vin, **store).values_list("customer_id", flat=True))
    if street:
        ids.update(
            Customer.objects.filter(street__iexact=street, **store)
            .order_by("id")
            .values_list("id", flat=True)[:CANDIDATES_PER_LOOKUP]
        )
    return ids


def _sqlite_names(first_name: str, first: str, last: str, company_name: str) -> list[str]:
    names = []
    if first or last:
        names.append(f"{fold(first_name)} {last}".strip())
        canon = canonical_first(first)
        if canon and canon != first and last:
            names.append(f"{canon} {last}")
    if company_name:
        names.append(fold(company_name))
    return names


def find_likely_matches(
    dealership,
    *,
    first_name: str = "",
    last_name: str = "",
    company_name: str = "",
    phones=(),
    emails=(),
    vin: str = "",
    street: str = "",
    postal_code: str = "",
    exclude=None,
    limit: int = 5,
) -> list[Match]:
    """Existing customers of `dealership` that may be the person being entered, best first,
    each with the reasons. Never decides anything: the user picks one or goes on."""
    phones = _phones(phones, dealership.phone_region)
    emails = _emails(emails)
    vin = "".join((vin or "").split()).upper()
    street_norm = " ".join((street or "").split())
    if not (len(street_norm) >= 5 and any(ch.isdigit() for ch in street_norm)):
        street_norm = ""
    first, last = first_token(first_name), fold(last_name)
    if connection.vendor == "postgresql":
        candidates = _candidates_in_one(
            dealership, phones, emails, vin, street_norm, first, last, company_name.strip(), exclude
        )
    else:
        ids = _candidate_ids(dealership, phones, emails, vin, street_norm)
        ids |= set(
            _name_candidates(dealership, _sqlite_names(first_name, first, last, company_name))
        )
        if exclude is not None:
            ids.discard(exclude.pk)
        candidates = _candidate_recs(dealership, ids) if ids else []
    if not candidates:
        return []
    typed = Rec.build(
        None,
        first_name=first_name,
        last_name=last_name,
        company_name=company_name,
        phones=phones,
        emails=emails,
        vins=[vin] if vin else [],
        street=street,
        postal_code=postal_code,
    )
    scored = score_candidates(typed, candidates)
    scored.sort(key=lambda m: (-m[0], m[1]))
    scored = scored[:limit]
    # Model instances only for what is shown.
    customers = Customer.objects.select_related("salesperson").in_bulk(
        [pk for _, pk, _, _ in scored]
    )
    return [Match(customers[pk], score, reasons, same) for score, pk, reasons, same in scored]


def score_candidates(
    typed: Rec, candidates, *, at_least: int | None = None
) -> list[tuple[int, object, list[str], frozenset]]:
    """(score in per cent, candidate id, reasons, identical strong keys) for each candidate
    worth showing, unsorted: the scoring of `find_likely_matches`, shared with imports.
    `at_least` (imports): a candidate whose `matching.Bound` says it cannot reach this score
    is left out before it is compared; every candidate that can is scored as without it, so
    the best one, when it reaches `at_least`, is the same. Measured on a 20,000-row import's
    candidates (3.2 a row): 59.6 → 22.8 µs a row (docs/closing-notes/issue-10.md)."""
    floor = None
    if at_least is not None:
        # A log-odds below any that rounds to at_least per cent (one per cent of margin).
        q = (at_least - 1) / 100
        floor = math.log2(q / (1 - q))
    scored = []
    for rec in candidates:
        if floor is not None and not DEFAULT_BOUND.reaches(typed, rec, floor):
            continue
        comparison = compare(typed, rec)
        # A shared phone, email, VIN or address is always worth showing, whatever the
        # names say; a name-only candidate needs a resemblance that means something.
        strong = any(comparison.levels.get(k) == "exact" for k in STRONG_KEYS)
        if not strong and comparison.score < SHOW_FROM:
            continue
        reasons = comparison.reasons(typed, rec)
        if reasons:
            # Capped like the bulk pass: a match is a proposal, never a certainty.
            same = frozenset(k for k in STRONG_KEYS if comparison.levels.get(k) == "exact")
            score = min(round(comparison.probability * 100), 99)
            scored.append((score, rec.id, reasons, same))
    return scored


def _candidate_recs(dealership, ids) -> list[Rec]:
    """Matching records for the candidate ids: four light queries, no model instances."""
    store = {"dealership": dealership}
    phones, emails, vins = defaultdict(list), defaultdict(list), defaultdict(list)
    for cid, number in CustomerPhone.objects.filter(customer_id__in=ids, **store).values_list(
        "customer_id", "number"
    ):
        phones[cid].append(number)
    for cid, address in CustomerEmail.objects.filter(customer_id__in=ids, **store).values_list(
        "customer_id", "address_lower"
    ):
        emails[cid].append(address)
    for cid, v in (
        Vehicle.objects.filter(customer_id__in=ids, **store)
        .exclude(vin="")
        .values_list("customer_id", "vin")
    ):
        vins[cid].append(v)
    rows = Customer.objects.filter(id__in=ids, **store).values_list(*ROW_FIELDS)
    return [
        Rec.from_row((*row, phones.get(row[0], ()), emails.get(row[0], ()), vins.get(row[0], ())))
        for row in rows
    ]


def matches_for(user, **entered) -> list[Match]:
    """`find_likely_matches` for what `user` is entering, each marked `visible` when the user
    may open that customer (a colleague's customer is named but not linked)."""
    return _mark_visible(user, find_likely_matches(user.dealership, **entered))


def _mark_visible(user, matches: list[Match]) -> list[Match]:
    if not matches:
        return matches
    visible = set(
        Customer.objects.visible_to(user)
        .filter(pk__in=[m.customer.pk for m in matches])
        .values_list("pk", flat=True)
    )
    for m in matches:
        m.visible = m.customer.pk in visible
    return matches


# --- the rule of the write path --------------------------------------------------------------

SAME_CONTACT = "same_contact"
LIKELY = "likely"
SAME_CONTACT_KEYS = frozenset({"phone", "email", "vin"})


class LikelyDuplicate(ValidationError):
    """The customer being created is very probably one the store has. Carries the matches
    (best first, with reasons); pages show them, the API answers 409."""

    def __init__(self, matches: list[Match]):
        self.matches = matches
        names = ", ".join(str(m.customer) for m in matches[:3])
        super().__init__(
            {"__all__": [f"This looks like a customer the store already has: {names}."]}
        )


def _same_contact_ids(dealership, phones, emails, vin) -> bool:
    """Is any of these exact contact points already in the store? One query of index
    lookups, so a create that finds nothing (nearly all of them) pays one round trip. The
    query is compiled once per count of phones and emails (`goodwill.core.prepared`): its
    building and compiling by the ORM was a fifth of an API create's CPU (CPU-clock
    profile, `bench/profile_request.py --endpoint create`)."""
    shape = _same_contact_shape(dealership, phones, emails, vin)
    if shape is None:
        return False
    return bool(_SAME_CONTACT.rows(*shape, using=router.db_for_read(CustomerPhone)))


def _same_contact_shape(dealership, phones, emails, vin):
    """(key, values) of the lookup for normalised contact points; None: nothing to look up."""
    phones, emails = list(phones), list(emails)
    with_vin = len(vin) == 17
    if not (phones or emails or with_vin):
        return None
    values = {"store": dealership.pk}
    values |= {f"p{i}": number for i, number in enumerate(phones)}
    values |= {f"e{i}": address for i, address in enumerate(emails)}
    if with_vin:
        values["vin"] = vin
    return (len(phones), len(emails), with_vin), values


def same_contact_lookup(dealership, phones=(), emails=(), vin: str = "", *, normalised=False):
    """(SQL, params) of `_same_contact_ids`'s lookup for these contact points (normalised
    as `check_new_customer` does), for a create that runs it inside its own statement as
    the guard of its writes (`customers.writes`); None when there is nothing to look up.
    `normalised`: the phones are already E.164 (`prepare_new_customer`'s), not parsed again
    (phonenumbers' parse was ~4 % of an API create's CPU).
    Raises `NotPreparable` when the lookup's shape cannot be prepared."""
    vin = "".join((vin or "").split()).upper()
    if normalised:
        numbers = list(dict.fromkeys(p for p in phones if p))
    else:
        numbers = _phones(phones, dealership.phone_region)
    shape = _same_contact_shape(dealership, numbers, _emails(emails), vin)
    if shape is None:
        return None
    found = _SAME_CONTACT.sql(*shape, using=router.db_for_read(CustomerPhone))
    if found is None:
        raise NotPreparable("the same-contact lookup")
    return found


def _same_contact_query(key, *, store, **values):
    phones, emails, with_vin = key
    lookups = []
    if phones:
        numbers = [values[f"p{i}"] for i in range(phones)]
        lookups.append(
            CustomerPhone.objects.filter(number__in=numbers, dealership_id=store).values("id")
        )
    if emails:
        addresses = [values[f"e{i}"] for i in range(emails)]
        lookups.append(
            CustomerEmail.objects.filter(address_lower__in=addresses, dealership_id=store).values(
                "id"
            )
        )
    if with_vin:
        # The partial unique index's predicate, for a plan kept for any VIN (`search`).
        vins = Vehicle.objects.filter(vin=values["vin"], dealership_id=store).exclude(vin=NO_VIN)
        lookups.append(vins.values("id"))
    first, *rest = (q.order_by() for q in lookups)  # SQLite: no ORDER BY inside a UNION
    return (first.union(*rest, all=True) if rest else first)[:1]


_SAME_CONTACT = Prepared(_same_contact_query)


def check_new_customer(
    dealership,
    *,
    acting_user,
    rule: str = SAME_CONTACT,
    first_name: str = "",
    last_name: str = "",
    company_name: str = "",
    phones=(),
    emails=(),
    vin: str = "",
    street: str = "",
    postal_code: str = "",
) -> None:
    """Raise `LikelyDuplicate` when the rule says the store already has this customer."""
    phones = _phones(phones, dealership.phone_region)
    emails = _emails(emails)
    vin = "".join((vin or "").split()).upper()
    if rule == SAME_CONTACT and not _same_contact_ids(dealership, phones, emails, vin):
        return
    matches = find_likely_matches(
        dealership,
        first_name=first_name,
        last_name=last_name,
        company_name=company_name,
        phones=phones,
        emails=emails,
        vin=vin,
        street="" if rule == SAME_CONTACT else street,
        postal_code=postal_code,
    )
    if rule == SAME_CONTACT:
        matches = [m for m in matches if m.same & SAME_CONTACT_KEYS]
    else:
        matches = [m for m in matches if m.likely]
    if matches:
        if acting_user is not None and getattr(acting_user, "is_authenticated", False):
            _mark_visible(acting_user, matches)
        raise LikelyDuplicate(matches)


def with_chosen_match(data):
    """The submitted form with the match the user picked ("this is them": `use_customer`)
    put in its `customer` field, so the form goes on with the existing customer."""
    chosen = data.get("use_customer")
    if not chosen:
        return data
    data = data.copy()
    data["customer"] = chosen
    return data


def confirmed_new(data) -> bool:
    """The user answered "add as a new customer" on a form that showed likely matches."""
    return data.get("confirm_new") == "1"
