"""Customer search latency and API create throughput at scale (see bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/goodwill_bench \\
        .venv/bin/python bench/bench_customers.py [--customers 1000000] [--skip-load]

Search is timed exactly as the customer list page runs it (goodwill/customers/views.py,
customer_list): visible_to(user) + select_related("salesperson") + search(q) and the first
page of 50 plus one row. Creates go through POST /api/v1/customers with a Bearer token in
the in-process WSGI test client, next to a bare ORM insert of the same rows. Seeded: the
same database and seed give the same queries and bodies."""

import argparse
import json
import os
import random
import re
import sys
import time
import uuid
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from goodwill.api.models import ApiToken, IdempotencyRecord  # noqa: E402
from goodwill.core.contact import normalise_email, normalise_phone  # noqa: E402
from goodwill.customers.models import (  # noqa: E402
    Customer,
    CustomerEmail,
    CustomerEvent,
    CustomerPhone,
    Vehicle,
)
from goodwill.customers.search import filter_customers  # noqa: E402
from goodwill.dealerships.models import Dealership, User  # noqa: E402
from goodwill.devdata import fake  # noqa: E402

PAGE = 50  # the list page fetches PAGE + 1 rows to know whether there is a next page
BUDGET_MS = 50.0


def say(text: str = "") -> None:
    print(text, flush=True)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


# --------------------------------------------------------------------------- data


def ensure_data(customers: int, dealerships: int, seed: int, skip_load: bool) -> None:
    call_command("migrate", verbosity=0)  # other apps' tables are part of every delete
    have = Customer.objects.count()
    if skip_load or have >= customers:
        say(f"Data: {have:,} customers already in the database (no load).")
        return
    missing = customers - have
    stores = max(1, round(dealerships * missing / customers))
    say(f"Data: {have:,} customers; simulating {missing:,} more in {stores} new stores…")
    started = time.perf_counter()
    call_command("simulate", dealerships=stores, customers=missing, seed=seed, no_progress=True)
    say(f"  loaded in {time.perf_counter() - started:,.0f} s")


def describe_scale() -> dict:
    vendor = connection.vendor
    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("SHOW server_version")
            version = f"PostgreSQL {cur.fetchone()[0]}"
            cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cur.fetchone()[0]
        else:
            cur.execute("SELECT sqlite_version()")
            version = f"SQLite {cur.fetchone()[0]}"
            size = ""
    per_store = Counter(Customer.objects.values_list("dealership_id", flat=True).iterator())
    sizes = sorted(per_store.values()) or [0]
    scale = {
        "vendor": version,
        "size": size,
        "stores": Dealership.objects.count(),
        "staff": User.objects.filter(dealership__isnull=False).count(),
        "customers": sum(sizes),
        "phones": CustomerPhone.objects.count(),
        "emails": CustomerEmail.objects.count(),
        "vehicles": Vehicle.objects.count(),
        "events": CustomerEvent.objects.count(),
        "median_store": sizes[len(sizes) // 2],
        "largest_store": sizes[-1],
    }
    say(
        f"Database: {version}{f', {size}' if size else ''} ({settings.DATABASES['default']['NAME']})"
    )
    say(
        f"Scale: {scale['customers']:,} customers in {scale['stores']:,} stores "
        f"(median {scale['median_store']:,}, largest {scale['largest_store']:,} per store), "
        f"{scale['staff']:,} staff, {scale['phones']:,} phones, {scale['emails']:,} emails, "
        f"{scale['vehicles']:,} vehicles, {scale['events']:,} history events"
    )
    return scale


# --------------------------------------------------------------------------- search


def phone_as_typed(e164: str, rng: random.Random) -> str:
    area, exchange, line = e164[2:5], e164[5:8], e164[8:]
    return rng.choice(
        [
            f"({area}) {exchange}-{line}",
            f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}",
            f"{area}.{exchange}.{line}",
            f"{area} {exchange} {line}",
            f"+1 {area} {exchange} {line}",
            f"{area}{exchange}{line}",
        ]
    )


def name_fragment(customer: Customer, rng: random.Random) -> str:
    name = (
        customer.last_name if rng.random() < 0.7 or not customer.first_name else customer.first_name
    )
    name = re.sub(r"[^A-Za-z]", "", name) or customer.search_name.replace(" ", "")
    length = min(len(name), rng.randint(3, 6))
    start = 0 if rng.random() < 0.8 else rng.randint(0, len(name) - length)
    fragment = name[start : start + length]
    return fragment.lower() if rng.random() < 0.7 else fragment.capitalize()


def random_rows(model, n: int, rng: random.Random, *, related=()) -> list:
    """n rows picked uniformly by id (fast on a big table: one index probe each)."""
    bounds = model.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    rows = []
    while len(rows) < n:
        pick = rng.randint(bounds["lo"], bounds["hi"])
        row = model.objects.filter(id__gte=pick).order_by("id").select_related(*related).first()
        if row is not None:
            rows.append(row)
    return rows


def staff_of(store_id: int, rng: random.Random, cache: dict) -> User:
    if store_id not in cache:
        cache[store_id] = list(
            User.objects.filter(dealership_id=store_id, is_active=True)
            .select_related("dealership")
            .order_by("id")
        )
    return rng.choice(cache[store_id])


def build_queries(n: int, rng: random.Random) -> dict[str, list[tuple]]:
    """kind → [(user, store, query, expected customer id)]."""
    staff: dict[int, list] = {}
    customers = random_rows(Customer, n, rng, related=("dealership",))
    vehicles = random_rows(Vehicle, n, rng, related=("dealership",))
    phones = {
        p.customer_id: p.number
        for p in CustomerPhone.objects.filter(customer__in=[c.id for c in customers]).order_by(
            "-id"
        )
    }
    emails = {
        e.customer_id: e.address
        for e in CustomerEmail.objects.filter(customer__in=[c.id for c in customers])
    }
    queries: dict[str, list[tuple]] = {
        "phone": [],
        "name fragment": [],
        "VIN": [],
        "VIN, last 8": [],
        "email": [],
    }
    for c in customers:
        user = staff_of(c.dealership_id, rng, staff)
        number = phones.get(c.id) or c.primary_phone
        queries["phone"].append((user, c.dealership, phone_as_typed(number, rng), c.id))
        queries["name fragment"].append((user, c.dealership, name_fragment(c, rng), c.id))
        if c.id in emails:
            queries["email"].append((user, c.dealership, emails[c.id], c.id))
    for v in vehicles:
        user = staff_of(v.dealership_id, rng, staff)
        queries["VIN"].append((user, v.dealership, v.vin, v.customer_id))
        queries["VIN, last 8"].append((user, v.dealership, v.vin[-8:], v.customer_id))
    return queries


def run_search(user, store, query: str) -> list[Customer]:
    """What customer_list runs for page 1 of a search."""
    qs = Customer.objects.visible_to(user).select_related("salesperson")
    qs = filter_customers(qs, query, dealership=store)
    return list(qs[: PAGE + 1])


def bench_search(n: int, seed: int, explain: bool) -> dict:
    rng = random.Random(seed)
    queries = build_queries(n, rng)
    # Warm-up: the first queries of a fresh process pay for imports and plan caches.
    for items in queries.values():
        for user, store, query, _ in items[:20]:
            run_search(user, store, query)
    timings: dict[str, list[tuple[float, tuple, int]]] = {kind: [] for kind in queries}
    order = [(kind, item) for kind, items in queries.items() for item in items]
    rng.shuffle(order)  # interleave the kinds so that noise spreads evenly
    for kind, item in order:
        user, store, query, _ = item
        t = time.perf_counter()
        rows = run_search(user, store, query)
        timings[kind].append(((time.perf_counter() - t) * 1000, item, len(rows)))
    say()
    say(
        f"Customer search, as the list page runs it (first page: {PAGE}+1 rows), budget p99 < {BUDGET_MS:.0f} ms"
    )
    say(f"  {'query kind':16} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'avg rows':>9}")
    results = {}
    for kind, samples in timings.items():
        if not samples:
            continue
        ms = [s[0] for s in samples]
        p50, p99 = percentile(ms, 50), percentile(ms, 99)
        rows = sum(s[2] for s in samples) / len(samples)
        flag = "" if p99 < BUDGET_MS else "  OVER BUDGET"
        say(f"  {kind:16} {len(ms):>5} {p50:>8.2f} {p99:>8.2f} {max(ms):>8.2f} {rows:>9.1f}{flag}")
        results[kind] = {"p50": p50, "p99": p99, "max": max(ms)}
    examples = {kind: [s[1][2] for s in samples[:6]] for kind, samples in timings.items()}
    say(f"  e.g. {json.dumps(examples)}")
    for kind, samples in timings.items():
        if samples and (explain or results[kind]["p99"] >= BUDGET_MS):
            slowest = max(samples, key=lambda s: s[0])
            user, store, query, _ = slowest[1]
            qs = Customer.objects.visible_to(user).select_related("salesperson")
            qs = filter_customers(qs, query, dealership=store)[: PAGE + 1]
            say()
            say(f"Slowest {kind} query: {query!r} in store {store.id} ({slowest[0]:.1f} ms)")
            say(str(qs.query))
            if connection.vendor == "postgresql":
                say(qs.explain(analyze=True, buffers=True))
            else:
                say(qs.explain())
    return results


# --------------------------------------------------------------------------- creates


def make_bodies(n: int, rng: random.Random, area_codes: list[str]) -> list[dict]:
    bodies = []
    for i in range(n):
        first, last = rng.choice(fake.FIRST_NAMES), rng.choice(fake.LAST_NAMES)
        area = rng.choice(area_codes)
        phone = f"({area}) 555-{rng.randint(100, 9999):04d}"
        bodies.append(
            {
                "first_name": first,
                "last_name": last,
                "relationship": "prospect",
                "phones": [{"label": "mobile", "number": phone}],
                "emails": [{"label": "personal", "address": fake.fake_email(rng, first, last, i)}],
            }
        )
    return bodies


def bare_insert(store, user, body: dict, phone: str, email: str) -> Customer:
    """The same rows, straight through the ORM: no validation, no history."""
    with transaction.atomic():
        customer = Customer(
            dealership=store,
            created_by=user,
            first_name=body["first_name"],
            last_name=body["last_name"],
            relationship=body["relationship"],
            primary_phone=phone,
            primary_email=email,
        )
        customer.refresh_search_name()
        customer.save()
        CustomerPhone.objects.create(
            dealership=store, customer=customer, number=phone, label="mobile"
        )
        CustomerEmail.objects.create(
            dealership=store, customer=customer, address=email, address_lower=email.lower()
        )
    return customer


def bench_creates(n: int, seed: int, rounds: int = 10) -> dict:
    rng = random.Random(seed + 1)
    store = (
        Dealership.objects.filter(staff__role="sales", staff__is_active=True)
        .order_by("id")
        .distinct()
        .first()
    )
    user = (
        User.objects.filter(dealership=store, role="sales", is_active=True).order_by("id").first()
    )
    token_row, token = ApiToken.issue(user, name="bench")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    area_codes = ["512", "737", "214", "713", "602", "303", "404", "312", "206", "617"]
    warm = 20
    bodies = {kind: make_bodies(n + warm, rng, area_codes) for kind in ("bare", "api", "idem")}
    normalised = [
        (normalise_phone(b["phones"][0]["number"]), normalise_email(b["emails"][0]["address"]))
        for b in bodies["bare"]
    ]
    keys = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(n + warm)]
    created: list[int] = []
    spent = {"bare": 0.0, "api": 0.0, "idem": 0.0}

    def do(kind: str, i: int) -> None:
        body = bodies[kind][i]
        if kind == "bare":
            created.append(bare_insert(store, user, body, *normalised[i]).id)
            return
        headers = {"Idempotency-Key": keys[i]} if kind == "idem" else {}
        response = client.post(
            "/api/v1/customers",
            data=json.dumps(body),
            content_type="application/json",
            headers=headers,
        )
        if response.status_code != 201:
            raise SystemExit(
                f"API create failed: {response.status_code} {response.content[:300]!r}"
            )
        created.append(response.json()["id"])

    try:
        for kind in spent:
            for i in range(warm):
                do(kind, n + i)
        # Interleaved blocks, so that a burst of noise from other work hits all three.
        per_round = n // rounds
        for r in range(rounds):
            for kind in spent:
                t = time.perf_counter()
                for i in range(r * per_round, (r + 1) * per_round):
                    do(kind, i)
                spent[kind] += time.perf_counter() - t
        done = per_round * rounds
        rates = {kind: done / seconds for kind, seconds in spent.items()}

        # What one create runs, query by query.
        profiles = {}
        extra = make_bodies(3, rng, area_codes)
        with CaptureQueriesContext(connection) as ctx:
            c = bare_insert(
                store,
                user,
                extra[0],
                normalise_phone(extra[0]["phones"][0]["number"]),
                normalise_email(extra[0]["emails"][0]["address"]),
            )
        created.append(c.id)
        profiles["bare ORM insert"] = [q["sql"] for q in ctx.captured_queries]
        for label, body, headers in (
            ("API create", extra[1], {}),
            ("API create + Idempotency-Key", extra[2], {"Idempotency-Key": str(uuid.uuid4())}),
        ):
            with CaptureQueriesContext(connection) as ctx:
                response = client.post(
                    "/api/v1/customers",
                    data=json.dumps(body),
                    content_type="application/json",
                    headers=headers,
                )
            created.append(response.json()["id"])
            profiles[label] = [q["sql"] for q in ctx.captured_queries]
    finally:
        cleanup(created, token_row, user)

    say()
    say(
        f"Customer creates, {done} sequential each, store {store.id}, as {user.username} ({user.role})"
    )
    say(
        f"  bare ORM insert (Customer + CustomerPhone + CustomerEmail, one transaction): {rates['bare']:8.1f} creates/s"
    )
    say(
        f"  POST /api/v1/customers (Bearer token, test client):                        {rates['api']:8.1f} creates/s"
    )
    say(
        f"  POST /api/v1/customers + Idempotency-Key:                                 {rates['idem']:8.1f} creates/s"
    )
    say(
        f"  ratio API / bare: {rates['api'] / rates['bare']:.2f}   with Idempotency-Key: "
        f"{rates['idem'] / rates['bare']:.2f}   (budget: at least 0.50)"
    )
    for label, queries in profiles.items():
        say()
        say(f"  {label}: {len(queries)} queries")
        for sql in queries:
            say(f"    {shorten(sql)}")
    return {"rates": rates, "queries": {k: len(v) for k, v in profiles.items()}}


def shorten(sql: str, width: int = 150) -> str:
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r'SELECT (?:"[a-z_]+"\."[a-z_]+", )+"[a-z_]+"\."[a-z_]+"', "SELECT …", sql)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def cleanup(created: list, token_row: ApiToken, user: User) -> None:
    """Leave the database as it was: the bench's customers, keys and token go."""
    ids = [c for c in created if isinstance(c, int)]
    public_ids = [c for c in created if not isinstance(c, int)]
    with transaction.atomic():
        qs = Customer.objects.filter(id__in=ids) | Customer.objects.filter(public_id__in=public_ids)
        qs.delete()
        IdempotencyRecord.objects.filter(user=user).delete()
        token_row.delete()


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--customers", type=int, default=1_000_000, help="Scale to load (if missing)."
    )
    parser.add_argument("--dealerships", type=int, default=200, help="Stores for that scale.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-load", action="store_true", help="Use the database as it is.")
    parser.add_argument("--queries", type=int, default=500, help="Searches per query kind.")
    parser.add_argument("--creates", type=int, default=1000, help="Creates per method.")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN the slowest query of each kind."
    )
    args = parser.parse_args()

    ensure_data(args.customers, args.dealerships, args.seed, args.skip_load)
    if not Customer.objects.exists():
        sys.exit("No customers: run without --skip-load.")
    describe_scale()
    say(f"DEBUG={settings.DEBUG}, seed {args.seed}")
    bench_search(args.queries, args.seed, args.explain)
    bench_creates(args.creates, args.seed)


if __name__ == "__main__":
    main()
