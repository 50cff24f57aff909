"""Customer search: one box that understands names, phones, emails and VINs.

The shape of the query decides the lookup, so every branch hits an index:
email → CustomerEmail(dealership, address_lower); phone → CustomerPhone(dealership, number);
VIN → Vehicle(dealership, vin); otherwise name fragments → Customer.search_name, on
PostgreSQL through the store's own trigrams (`customers_store_grams`, migration 0005), so a
fragment reads the entries of one store, not of the network; SQLite scans the store.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Exists,
    Expression,
    F,
    Func,
    Q,
    TextField,
    Value,
)
from django.db.models.functions import Cast

from goodwill.core.contact import try_normalise_phone
from goodwill.customers.models import NO_VIN, CustomerEmail, CustomerPhone, Vehicle

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


class EmailOwners(Func):
    """`customers_email_owners(store, address)` (migration 0011): the ids of the store's
    customers with this exact address or, when it has none, an address that starts so."""

    function = "customers_email_owners"
    output_field = ArrayField(BigIntegerField())

    def __init__(self, store_id, address):
        super().__init__(
            Cast(Value(store_id), BigIntegerField()), Cast(Value(address), TextField())
        )


class AnyOf(Expression):
    """`<column> = ANY(<array>)`: a filter on an array an expression computes."""

    output_field = BooleanField()

    def __init__(self, column, array):
        super().__init__()
        self.column, self.array = column, array

    def get_source_expressions(self):
        return [self.column, self.array]

    def set_source_expressions(self, exprs):
        self.column, self.array = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        array, array_params = compiler.compile(self.array)
        return f"{column} = ANY({array})", (*column_params, *array_params)


def with_store_grams(qs, column: str, text: str, *, dealership):
    """On PostgreSQL, only rows whose `column` holds every trigram of `text` in this store
    (`@>` on the GIN over `customers_store_grams(dealership_id, column)`), so the index hands
    over one store's rows, not the network's. Unchanged elsewhere, or for text without three
    letters or digits in a row (the store's rows are then scanned, still one store's). The
    caller's LIKE keeps the answer exact."""
    if not HAS_TRIGRAM_RE.search(text):
        return qs
    return _store_grams(qs, column, text, getattr(dealership, "pk", dealership))


def _store_grams(qs, column: str, text, store_id):
    if connections[qs.db].vendor != "postgresql":
        return qs
    name = f"_{column}_grams"
    return qs.alias(**{name: StoreGrams(F("dealership_id"), F(column))}).filter(
        **{f"{name}__contains": StoreGrams(Value(store_id), Value(text))}
    )


def name_condition(qs, tokens: list[str], *, dealership):
    """Every token a substring of the name, asked of the store's trigrams first."""
    grams = tuple(bool(HAS_TRIGRAM_RE.search(t)) for t in tokens)
    values = {f"t{i}": t for i, t in enumerate(tokens)}
    return _by_name(qs, grams, values, getattr(dealership, "pk", dealership))


def _by_name(qs, grams: tuple[bool, ...], values: dict, store_id):
    condition = Q()
    for i in range(len(grams)):
        condition &= Q(search_name__contains=values[f"t{i}"])
    qs = qs.filter(condition)
    for i, with_grams in enumerate(grams):
        if with_grams:
            qs = _store_grams(qs, "search_name", values[f"t{i}"], store_id)
    return qs


@dataclass(frozen=True)
class Plan:
    """What a search box query asks, decided once: `shape` alone decides the SQL (which
    branch, which tokens use the store's trigrams) and `values` fill it in (the address,
    the number, the tokens …), so a shape can be compiled once (`goodwill.core.prepared`)
    and run with each request's values. `preparable` is False for the partial VIN, whose
    filter reads the vehicles first."""

    shape: tuple
    values: dict
    preparable: bool = True


def plan_search(query: str, *, dealership) -> Plan | None:
    """The plan of a search box query, or None for an empty one (nothing filtered)."""
    query = (query or "").strip()[:200]
    if not query:
        return None
    if "@" in query:
        return Plan(("email",), {"address": query.lower()})
    compact = re.sub(r"[\s\-]", "", query).upper()
    if VIN_RE.match(compact) and any(c.isalpha() for c in compact):
        return Plan(("vin",), {"vin": compact})
    if PHONE_CHARS_RE.match(query):
        digits = re.sub(r"\D", "", query)
        number = try_normalise_phone(query, dealership.phone_region)
        if number:
            return Plan(("phone",), {"number": number})
        if len(digits) >= 4:
            return Plan(("phone_tail", bool(HAS_TRIGRAM_RE.search(digits))), {"digits": digits})
    if PARTIAL_VIN_RE.match(compact):
        return Plan(("partial_vin",), {"vin": compact, "name": query.lower()}, preparable=False)
    tokens = query.lower().split()[:5]
    grams = tuple(bool(HAS_TRIGRAM_RE.search(t)) for t in tokens)
    return Plan(("name", grams), {f"t{i}": t for i, t in enumerate(tokens)})


def apply_plan(qs, shape: tuple, values: dict, *, store_id):
    """`qs` narrowed as the plan says. The SQL depends on `shape` only (the values may be
    the stand-ins of `goodwill.core.prepared`), except for the partial VIN's first read."""
    # The sub-queries repeat the store so that the (dealership, …) indexes lead the lookup.
    store = {"dealership_id": store_id}
    kind = shape[0]
    if kind == "email":
        # The owners of this exact address or, when the store has none, of the addresses
        # that start so. On PostgreSQL a function answers it (migration 0011): the same
        # lookups written into the search's SQL made a statement planned again on every
        # search. Elsewhere one query: a UNION ALL whose second half runs only when the
        # first finds nothing (closing note of issue 10, "http" section).
        address = values["address"]
        if connections[qs.db].vendor == "postgresql":
            return qs.filter(AnyOf(F("id"), EmailOwners(store_id, address)))
        exact = CustomerEmail.objects.filter(address_lower=address, **store).order_by()
        started = CustomerEmail.objects.filter(address_lower__startswith=address, **store)
        either = exact.values("customer_id").union(
            started.filter(~Exists(exact)).order_by().values("customer_id"), all=True
        )
        return qs.filter(id__in=either)
    if kind == "vin":
        # `NOT (vin = '')`, the partial unique index's own predicate, written as a literal:
        # a plan kept for any VIN (a prepared statement's) may then use that index. Without
        # it PostgreSQL planned every VIN search again (a kept plan would scan the store).
        vehicles = Vehicle.objects.filter(vin=values["vin"], **store).exclude(vin=NO_VIN)
        return qs.filter(id__in=vehicles.values("customer_id"))
    if kind == "phone":
        phones = CustomerPhone.objects.filter(number=values["number"], **store)
        return qs.filter(id__in=phones.values("customer_id"))
    if kind == "phone_tail":
        digits = values["digits"]
        phones = CustomerPhone.objects.filter(number__endswith=digits, **store)
        if shape[1]:
            phones = _store_grams(phones, "number", digits, store_id)
        return qs.filter(id__in=phones.values("customer_id"))
    if kind == "partial_vin":
        # Ids first (a handful): an OR of a literal id list and the name lookup lets
        # PostgreSQL combine two index scans instead of scanning the store's customers.
        compact = values["vin"]
        vehicles = with_store_grams(
            Vehicle.objects.filter(vin__endswith=compact, **store),
            "vin",
            compact,
            dealership=store_id,
        )
        by_vin = list(vehicles.values_list("customer_id", flat=True)[:200])
        by_name = Q(search_name__contains=values["name"])
        if connections[qs.db].vendor == "postgresql":
            qs = qs.alias(_search_name_grams=StoreGrams(F("dealership_id"), F("search_name")))
            by_name &= Q(_search_name_grams__contains=StoreGrams(Value(store_id), Value(compact)))
        return qs.filter(Q(id__in=by_vin) | by_name)
    return _by_name(qs, shape[1], values, store_id)


def filter_customers(qs, query: str, *, dealership):
    plan = plan_search(query, dealership=dealership)
    if plan is None:
        return qs
    return apply_plan(qs, plan.shape, plan.values, store_id=dealership.pk)
