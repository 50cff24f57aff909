"""The API's customer reads (a GET of one, a page, a search) as `.values()` rows, straight to
the answer's dict: no model instances, no second validation.

Each read is a queryset written with the ORM — `Customer.objects.visible_to` for the
store and the role, `customers.search.apply_plan` for a search, the phones and emails as
two JSON columns on PostgreSQL — compiled once per process and shape by
`goodwill.core.prepared` and run with the request's values. Measured (CPU-clock profile
and `bench/bench_http.py`, 1,000,000 customers on PostgreSQL): figures in issue 10's
closing note, "http" section of the session of 2026-11-30 (second part)."""

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connections, router
from django.db.models import CharField, JSONField, OuterRef, Subquery, Value
from django.db.models.functions import JSONObject

from goodwill.core.prepared import Prepared
from goodwill.customers.actions import CUSTOMER_FIELDS
from goodwill.customers.models import Customer, CustomerEmail, CustomerPhone, display_name_of
from goodwill.customers.search import apply_plan
from goodwill.dealerships.models import Dealership, User, staff_name_of

STAFF_ROLES = ("salesperson", "service_advisor")
STAFF_FIELDS = ("public_id", "first_name", "last_name", "username")
# The list's order, ending with a unique key so that pages never overlap or skip (names
# repeat: 18,520 rows walked by offset once gave 18,501 distinct customers).
CURSOR_ORDER = ("last_name", "first_name", "company_name", "public_id")
# What the answer shows of a customer, and the id its phones and emails are read by.
VALUE_FIELDS = (
    "id",
    "public_id",
    *CUSTOMER_FIELDS,
    "created_at",
    "updated_at",
    *(f"{role}__{f}" for role in STAFF_ROLES for f in STAFF_FIELDS),
)


def contact_points(customer_ids) -> dict[int, tuple[list, list]]:
    """{customer id: (phones, emails)} as the answer shows them, in id order, for a page of
    customers in one query (phones UNION ALL emails, plain values: no model instances).
    Instead of `prefetch_related("phones", "emails")`: one round trip and ~100 model
    instances fewer per page of 50 (bench/bench_http.py, list 50)."""
    out: dict[int, tuple[list, list]] = {pk: ([], []) for pk in customer_ids}
    if not out:
        return out
    kind = Value("phone", output_field=CharField())
    phones = (
        CustomerPhone.objects.filter(customer_id__in=out)
        .order_by()
        .values_list("id", "customer_id", kind, "label", "number")
    )
    emails = (
        CustomerEmail.objects.filter(customer_id__in=out)
        .order_by()
        .values_list(
            "id", "customer_id", Value("email", output_field=CharField()), "label", "address"
        )
    )
    for _, customer_id, what, label, value in phones.union(emails, all=True).order_by("id"):
        if what == "phone":
            out[customer_id][0].append({"label": label, "number": value})
        else:
            out[customer_id][1].append({"label": label, "address": value})
    return out


def _json_rows(model, value: str) -> Subquery:
    """The customer's `model` rows (phones or emails) as one JSON array of {label, value}
    in id order: a correlated subquery of the customer's own query (PostgreSQL)."""
    rows = model.objects.filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
    agg = JSONBAgg(JSONObject(label="label", **{value: value}), order_by="id")
    return Subquery(rows.annotate(rows=agg).values("rows"), output_field=JSONField())


# Built once: an expression is copied, never changed, when a query uses it.
_CONTACT_ROWS = {
    "phone_rows": _json_rows(CustomerPhone, "number"),
    "email_rows": _json_rows(CustomerEmail, "address"),
}


def with_contact_points(qs):
    """On PostgreSQL, the customers' phones and emails come back with the customers, as two
    JSON columns of the same query: one round trip fewer than `contact_points` for a GET of
    one customer, a page and every search. Elsewhere (SQLite: no ordered JSON aggregate
    before 3.44) unchanged, and `answers` reads them with `contact_points`."""
    if connections[qs.db].vendor != "postgresql":
        return qs
    return qs.annotate(**_CONTACT_ROWS)


def scoped(store_id, user_id, *, sees_all: bool):
    """`Customer.objects.visible_to` a user of this store who sees every customer or not,
    from the two ids alone (the values, or `goodwill.core.prepared`'s stand-ins)."""
    store = Dealership(pk=store_id, salespeople_see_all=sees_all)
    viewer = User(pk=user_id, dealership=store, role=User.Role.SALESPERSON)
    return Customer.objects.visible_to(viewer)


def _build(key: tuple, *, store, user, **values):
    """The read for `key` = (sees_all, "get") or (sees_all, "page", search shape or None,
    limit, offset) as a `.values()` queryset; `after` (a cursor's condition) only unprepared."""
    sees_all, what = key[0], key[1]
    qs = with_contact_points(scoped(store, user, sees_all=sees_all))
    names = VALUE_FIELDS + tuple(n for n in _CONTACT_ROWS if n in qs.query.annotations)
    if what == "get":
        return qs.filter(public_id=values["customer"]).values(*names)
    _, _, shape, limit, offset = key
    after = values.pop("after", None)
    if shape is not None:
        qs = apply_plan(qs, shape, values, store_id=store)
    if after is not None:
        qs = qs.filter(after)
    return qs.order_by(*CURSOR_ORDER).values(*names)[offset : offset + limit + 1]


_READS = Prepared(_build)


def read(user, key: tuple, *, prepare: bool = True, **values) -> list[dict]:
    """Rows of the customers `user` may see, for `key` without its leading `sees_all`."""
    key = (user.sees_all_customers, *key)
    values = {"store": user.dealership_id, "user": user.pk, **values}
    if not prepare:
        return list(_build(key, **values))
    return _READS.rows(key, values, using=router.db_for_read(Customer))


def _staff(row: dict, role: str) -> dict | None:
    public_id = row[f"{role}__public_id"]
    if public_id is None:
        return None
    name = staff_name_of(
        row[f"{role}__first_name"], row[f"{role}__last_name"], row[f"{role}__username"]
    )
    return {"id": public_id, "name": name}


def answers(rows: list[dict]) -> list[dict]:
    """Each row as `CustomerOut` (the same dict `customers.api.customer_out` makes of a
    model instance), the phones and emails read in one query where the row lacks them."""
    if rows and "phone_rows" not in rows[0]:
        contacts = contact_points([r["id"] for r in rows])
        for r in rows:
            r["phone_rows"], r["email_rows"] = contacts[r["id"]]
    return [
        {
            "id": r["public_id"],
            "kind": r["kind"],
            "display_name": display_name_of(
                r["kind"], r["first_name"], r["last_name"], r["company_name"]
            ),
            **{f: r[f] for f in CUSTOMER_FIELDS if f != "kind"},
            "phones": r["phone_rows"] or [],
            "emails": r["email_rows"] or [],
            "salesperson": _staff(r, "salesperson"),
            "service_advisor": _staff(r, "service_advisor"),
            "created_at": r["created_at"],
            "updated_at": r["updated_at"],
        }
        for r in rows
    ]
