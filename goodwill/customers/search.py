"""Customer search: one box that understands names, phones, emails and VINs.

The shape of the query decides the lookup, so every branch hits an index:
email → CustomerEmail(dealership, address_lower); phone → CustomerPhone(dealership, number);
VIN → Vehicle(dealership, vin); otherwise name fragments → Customer.search_name, on
PostgreSQL through the store's own trigrams (`customers_store_grams`, migration 0005), so a
fragment reads the entries of one store, not of the network; SQLite scans the store.
"""

import re

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import Exists, F, Func, Q, TextField, Value

from goodwill.core.contact import try_normalise_phone
from goodwill.customers.models import CustomerEmail, CustomerPhone, Vehicle

VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
PARTIAL_VIN_RE = re.compile(r"^(?=.*\d)[A-HJ-NPR-Z0-9]{6,8}$")
PHONE_CHARS_RE = re.compile(r"^[\d\s()+.\-–/x]+$", re.IGNORECASE)
HAS_TRIGRAM_RE = re.compile(r"[^\W_]{3}")  # three letters or digits in a row: pg_trgm's words


class StoreGrams(Func):
    """`customers_store_grams(store, text)`: "<store>:<trigram>" for each trigram inside the
    words of the text (migrations 0005 and 0006 index it with a GIN over customers' names,
    vehicles' VINs and phone numbers)."""

    function = "customers_store_grams"
    output_field = ArrayField(TextField())


def with_store_grams(qs, column: str, text: str, *, dealership):
    """On PostgreSQL, only rows whose `column` holds every trigram of `text` in this store
    (`@>` on the GIN over `customers_store_grams(dealership_id, column)`), so the index hands
    over one store's rows, not the network's. Unchanged elsewhere, or for text without three
    letters or digits in a row (the store's rows are then scanned, still one store's). The
    caller's LIKE keeps the answer exact."""
    if connections[qs.db].vendor != "postgresql" or not HAS_TRIGRAM_RE.search(text):
        return qs
    name = f"_{column}_grams"
    return qs.alias(**{name: StoreGrams(F("dealership_id"), F(column))}).filter(
        **{f"{name}__contains": StoreGrams(Value(dealership.pk), Value(text))}
    )


def name_condition(qs, tokens: list[str], *, dealership):
    """Every token a substring of the name, asked of the store's trigrams first."""
    condition = Q()
    for token in tokens:
        condition &= Q(search_name__contains=token)
    qs = qs.filter(condition)
    for token in tokens:
        qs = with_store_grams(qs, "search_name", token, dealership=dealership)
    return qs


def filter_customers(qs, query: str, *, dealership):
    query = (query or "").strip()[:200]
    if not query:
        return qs
    # The sub-queries repeat the store so that the (dealership, …) indexes lead the lookup.
    store = {"dealership": dealership}
    phone_region = dealership.phone_region
    if "@" in query:
        address = query.lower()
        # The owners of this exact address or, when the store has none, of the addresses
        # that start so. One query: a UNION ALL whose second half runs only when the first
        # finds nothing (PostgreSQL evaluates the NOT EXISTS once, as a one-time filter).
        # It was an `exists()` first and the search second: one round trip fewer for every
        # email search (closing note of issue 10, "http" section).
        exact = CustomerEmail.objects.filter(address_lower=address, **store).order_by()
        started = CustomerEmail.objects.filter(address_lower__startswith=address, **store)
        either = exact.values("customer_id").union(
            started.filter(~Exists(exact)).order_by().values("customer_id"), all=True
        )
        return qs.filter(id__in=either)
    compact = re.sub(r"[\s\-]", "", query).upper()
    if VIN_RE.match(compact) and any(c.isalpha() for c in compact):
        return qs.filter(id__in=Vehicle.objects.filter(vin=compact, **store).values("customer_id"))
    if PHONE_CHARS_RE.match(query):
        digits = re.sub(r"\D", "", query)
        number = try_normalise_phone(query, phone_region)
        if number:
            return qs.filter(
                id__in=CustomerPhone.objects.filter(number=number, **store).values("customer_id")
            )
        if len(digits) >= 4:
            phones = with_store_grams(
                CustomerPhone.objects.filter(number__endswith=digits, **store),
                "number",
                digits,
                dealership=dealership,
            )
            return qs.filter(id__in=phones.values("customer_id"))
    if PARTIAL_VIN_RE.match(compact):
        # Ids first (a handful): an OR of a literal id list and the name lookup lets
        # PostgreSQL combine two index scans instead of scanning the store's customers.
        vehicles = with_store_grams(
            Vehicle.objects.filter(vin__endswith=compact, **store),
            "vin",
            compact,
            dealership=dealership,
        )
        by_vin = list(vehicles.values_list("customer_id", flat=True)[:200])
        by_name = Q(search_name__contains=query.lower())
        if connections[qs.db].vendor == "postgresql":
            qs = qs.alias(_search_name_grams=StoreGrams(F("dealership_id"), F("search_name")))
            by_name &= Q(
                _search_name_grams__contains=StoreGrams(Value(dealership.pk), Value(compact))
            )
        return qs.filter(Q(id__in=by_vin) | by_name)
    return name_condition(qs, query.lower().split()[:5], dealership=dealership)
