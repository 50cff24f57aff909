"""The entry-time check: "is this person already in the store?" while someone types.

Every lookup is index-backed, so it stays fast in a store of a million customers:
phone → CustomerPhone(dealership, number); email → CustomerEmail(dealership, address_lower);
VIN → Vehicle(dealership, vin); name → the trigram GIN index on Customer(dealership,
search_name) on PostgreSQL (`%` similarity operator), a LIKE scan on SQLite. At most a few
dozen candidates are loaded and scored with the same comparison as the bulk pass."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from goodwill.customers.contact import try_normalise_phone
from goodwill.customers.models import Customer, CustomerEmail, CustomerPhone, Vehicle
from goodwill.dedupe.matching import THRESHOLD, Rec, canonical_first, compare, first_token, fold

CANDIDATES_PER_LOOKUP = 20
NAME_SIM = "0.5"
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


def _name_candidates(dealership, names: list[str]) -> list[int]:
    names = [n for n in names if len(n) >= 3]
    if not names:
        return []
    if connection.vendor == "postgresql":
        # `%` uses customers_cust_name_trgm (dealership_id, search_name gin_trgm_ops). The
        # default threshold (0.3) lets every "john *" through in a big store; 0.5 still
        # keeps typos and swapped first/last names (trigrams ignore word order).
        where = " OR ".join(["search_name %% %s"] * len(names))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [NAME_SIM]
            )
            cursor.execute(
                f"SELECT id FROM customers_customer WHERE dealership_id = %s AND ({where}) "
                "LIMIT %s",
                [dealership.pk, *names, CANDIDATES_PER_LOOKUP * len(names)],
            )
            return [row[0] for row in cursor.fetchall()]
    # SQLite (tests, demos): any name word's first four letters, scoring sorts out the rest.
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
    candidates = (
        Customer.objects.for_dealership(dealership)
        .filter(id__in=set(ids))
        .prefetch_related("phones", "emails", "vehicles")
    )
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
    matches = []
    for customer in candidates:
        rec = customer_rec(customer)
        comparison = compare(typed, rec)
        reasons = comparison.reasons(typed, rec)
        # A shared phone, email, VIN or address is always worth showing, whatever the
        # names say; a name-only candidate needs a resemblance that means something.
        strong = any(comparison.levels.get(k) == "exact" for k in STRONG_KEYS)
        if not strong and comparison.score < SHOW_FROM:
            continue
        if not reasons:
            continue
        matches.append(Match(customer, round(comparison.probability * 100), reasons))
    matches.sort(key=lambda m: (-m.score, m.customer.pk))
    return matches[:limit]


def customer_rec(customer: Customer) -> Rec:
    """A customer with phones, emails and vehicles prefetched, as a matching record."""
    return Rec.build(
        customer.pk,
        first_name=customer.first_name,
        last_name=customer.last_name,
        company_name=customer.company_name,
        phones=[p.number for p in customer.phones.all()],
        emails=[e.address_lower for e in customer.emails.all()],
        vins=[v.vin for v in customer.vehicles.all() if v.vin],
        street=customer.street,
        city=customer.city,
        region=customer.region,
        postal_code=customer.postal_code,
    )


__all__ = ["Match", "find_likely_matches", "customer_rec", "THRESHOLD"]
