"""The entry-time check: "is this person already in the store?" while someone types.

Every lookup is index-backed, so it stays fast in a store of a million customers:
phone → CustomerPhone(dealership, number); email → CustomerEmail(dealership, address_lower);
VIN → Vehicle(dealership, vin); street → an expression index (dealership, upper(street));
name → B-tree lookups on the Soundex codes of last and first name (dedupe migration 0003) on
PostgreSQL, a LIKE scan on SQLite. At most a few dozen candidates are loaded and scored with
the same comparison as the bulk pass."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from goodwill.customers.contact import try_normalise_phone
from goodwill.customers.models import Customer, CustomerEmail, CustomerPhone, Vehicle
from goodwill.dedupe.matching import (
    THRESHOLD,
    Rec,
    canonical_first,
    compare,
    first_token,
    fold,
    name_family,
)

CANDIDATES_PER_LOOKUP = 20
SHOW_FROM = -6.0  # log-odds: both names spelled alike is about -4, an exact name +3
STRONG_KEYS = ("phone", "email", "vin", "street")


@dataclass
class Match:
    customer: Customer
    score: int  # match probability in per cent
    reasons: list[str]

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


def _sound_candidates(dealership, first: str, last: str, company: str) -> list[int]:
    """PostgreSQL: Soundex codes of (last, first) through dedupe_cust_name_sound. Every name
    of the first name's family is asked (Bob → Robert, Rob …), and the swapped order; a
    company by its name (dedupe_cust_company)."""
    import jellyfish

    def sounds(name):
        return sorted({jellyfish.soundex(n) for n in name_family(name) | {name} if n})

    lookups = []
    if last and first:
        lookups.append(
            (
                "soundex(last_name) = soundex(%s) AND soundex(first_name) = ANY(%s)",
                [last, sounds(first)],
            )
        )
        # Swapped: the typed first name is their last name and the other way round.
        lookups.append(
            (
                "soundex(last_name) = soundex(%s) AND soundex(first_name) = ANY(%s)",
                [first, sounds(last)],
            )
        )
    elif last:
        lookups.append(("soundex(last_name) = soundex(%s)", [last]))
    if company:
        lookups.append(("company_name <> '' AND upper(company_name::text) = upper(%s)", [company]))
    ids = []
    with connection.cursor() as cursor:
        for where, params in lookups:
            cursor.execute(
                f"SELECT id FROM customers_customer WHERE dealership_id = %s AND {where} LIMIT %s",
                [dealership.pk, *params, CANDIDATES_PER_LOOKUP],
            )
            ids += [row[0] for row in cursor.fetchall()]
    return ids


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
    ids: list[int] = []
    store = {"dealership": dealership}
    if phones:
        ids += CustomerPhone.objects.filter(number__in=phones, **store).values_list(
            "customer_id", flat=True
        )[:CANDIDATES_PER_LOOKUP]
    if emails:
        ids += CustomerEmail.objects.filter(address_lower__in=emails, **store).values_list(
            "customer_id", flat=True
        )[:CANDIDATES_PER_LOOKUP]
    if len(vin) == 17:
        ids += Vehicle.objects.filter(vin=vin, **store).values_list("customer_id", flat=True)[:5]
    street_norm = " ".join((street or "").split())
    if len(street_norm) >= 5 and any(ch.isdigit() for ch in street_norm):
        # Same address: dedupe_cust_street (dealership_id, lower(street)) on PostgreSQL.
        ids += Customer.objects.filter(street__iexact=street_norm, **store).values_list(
            "id", flat=True
        )[:CANDIDATES_PER_LOOKUP]
    first, last = first_token(first_name), fold(last_name)
    if connection.vendor == "postgresql":
        ids += _sound_candidates(dealership, first, last, company_name.strip())
    else:
        names = []
        if first or last:
            names.append(f"{fold(first_name)} {last}".strip())
            canon = canonical_first(first)
            if canon and canon != first and last:
                names.append(f"{canon} {last}")
        if company_name:
            names.append(fold(company_name))
        ids += _name_candidates(dealership, names)
    if exclude is not None:
        ids = [i for i in ids if i != exclude.pk]
    if not ids:
        return []
    ids = set(ids)
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
    scored = []
    for rec in _candidate_recs(dealership, ids):
        comparison = compare(typed, rec)
        # A shared phone, email, VIN or address is always worth showing, whatever the
        # names say; a name-only candidate needs a resemblance that means something.
        strong = any(comparison.levels.get(k) == "exact" for k in STRONG_KEYS)
        if not strong and comparison.score < SHOW_FROM:
            continue
        reasons = comparison.reasons(typed, rec)
        if reasons:
            # Capped like the bulk pass: a match is a proposal, never a certainty.
            scored.append((min(round(comparison.probability * 100), 99), rec.id, reasons))
    scored.sort(key=lambda m: (-m[0], m[1]))
    scored = scored[:limit]
    # Model instances only for what is shown.
    customers = Customer.objects.in_bulk([pk for _, pk, _ in scored])
    return [Match(customers[pk], score, reasons) for score, pk, reasons in scored]


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
    rows = Customer.objects.filter(id__in=ids, **store).values_list(
        "id", "first_name", "last_name", "company_name", "street", "city", "region", "postal_code"
    )
    return [
        Rec.build(
            cid,
            first_name=first,
            last_name=last,
            company_name=company,
            phones=phones.get(cid, ()),
            emails=emails.get(cid, ()),
            vins=vins.get(cid, ()),
            street=street_,
            city=city,
            region=region,
            postal_code=postal,
        )
        for cid, first, last, company, street_, city, region, postal in rows
    ]


__all__ = ["Match", "find_likely_matches", "THRESHOLD"]


def matches_for(user, **entered) -> list[Match]:
    """`find_likely_matches` for what `user` is entering, each marked `visible` when the user
    may open that customer (a colleague's customer is named but not linked)."""
    matches = find_likely_matches(user.dealership, **entered)
    visible = set(
        Customer.objects.visible_to(user)
        .filter(pk__in=[m.customer.pk for m in matches])
        .values_list("pk", flat=True)
    )
    for m in matches:
        m.visible = m.customer.pk in visible
    return matches


def likely_duplicates(data, user, **entered) -> list[Match]:
    """For a form that is about to create a customer: the customers that are very probably
    this person (90 %+), unless the user already answered "add as a new customer"
    (`confirm_new=1` in the submitted `data`). Household members score low and never ask."""
    if data.get("confirm_new") == "1":
        return []
    return [m for m in matches_for(user, **entered) if m.likely]


def with_chosen_match(data):
    """The submitted form with the match the user picked ("this is them": `use_customer`)
    put in its `customer` field, so the form goes on with the existing customer."""
    chosen = data.get("use_customer")
    if not chosen:
        return data
    data = data.copy()
    data["customer"] = chosen
    return data
