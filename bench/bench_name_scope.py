"""Name-fragment search against network size: the same stores in a small and a large network.

    .venv/bin/python bench/bench_name_scope.py \\
        --small postgres://postgres@127.0.0.1:5432/gw_perf_1m \\
        --large postgres://postgres@127.0.0.1:5432/gw_perf_5m [--stores 20] [--queries 600]

The large database is a copy of the small one with more stores added
(`createdb -T small large` then `goodwill simulate` into it), so the same stores hold the same
customers in both. Fragments (four to six letters from inside a last name, as typed) are
drawn from those stores and each is searched in both databases, interleaved, exactly as the
customer list page runs it (`filter_customers` + the store + `select_related("salesperson")`,
the first 51 rows in name order). Prints p50/p99 per network and their ratio with the load
average, then `EXPLAIN (ANALYZE, BUFFERS)` of one fragment in both: the rows the index hands
over and the buffers read should follow the store, not the network."""

import argparse
import os
import random
import re
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")

import dj_database_url  # noqa: E402
import django  # noqa: E402
from django.conf import settings  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", required=True, help="DATABASE_URL of the smaller network")
    parser.add_argument("--large", required=True, help="DATABASE_URL of the larger network")
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--queries", type=int, default=600, help="Fragments, each run in both")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--explain", default="willia", help="Fragment to EXPLAIN")
    parser.add_argument("--explain-store", default="warren-toyota")
    parser.add_argument(
        "--before",
        action="store_true",
        help="Search as before migration customers.0005 (LIKE only, for the trigram GIN led "
        "by the store, `customers_cust_name_trgm`, which must then exist) for the comparison.",
    )
    return parser.parse_args()


ARGS = parse_args()
for _alias, _url in (("small", ARGS.small), ("large", ARGS.large)):
    settings.DATABASES[_alias] = dj_database_url.parse(_url, conn_max_age=600)
django.setup()

from django.db import connections  # noqa: E402
from django.db.models import Count  # noqa: E402

from goodwill.customers.models import Customer  # noqa: E402
from goodwill.customers.search import filter_customers  # noqa: E402
from goodwill.dealerships.models import Dealership  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def by_name(qs, fragment: str, store):
    if ARGS.before:
        return qs.filter(search_name__contains=fragment.lower())
    return filter_customers(qs, fragment, dealership=store)


def main() -> None:
    args = ARGS
    rng = random.Random(args.seed)
    sizes = {
        alias: (
            Customer.objects.using(alias).count(),
            Dealership.objects.using(alias).count(),
        )
        for alias in ("small", "large")
    }
    # Stores of a typical size that are in both networks (the large one is a copy plus more).
    by_size = list(
        Customer.objects.using("small")
        .values("dealership_id")
        .annotate(n=Count("id"))
        .order_by("n")
        .values_list("dealership_id", "n")
    )
    middle = by_size[len(by_size) // 4 : 3 * len(by_size) // 4]
    picked = rng.sample(middle, min(args.stores, len(middle)))
    stores = {
        alias: Dealership.objects.using(alias).in_bulk([pk for pk, _ in picked])
        for alias in ("small", "large")
    }
    fragments = []
    per_store = max(1, args.queries // len(picked))
    for pk, _ in picked:
        names = list(
            Customer.objects.using("small")
            .filter(dealership_id=pk)
            .exclude(last_name="")
            .order_by("?")
            .values_list("last_name", flat=True)[: per_store * 2]
        )
        names = [re.sub(r"[^a-z]", "", n.lower()) for n in names]
        names = [n for n in names if len(n) >= 4][:per_store]
        for name in names:
            size = min(len(name), rng.randint(4, 6))
            start = rng.randint(0, len(name) - size)
            fragments.append((pk, name[start : start + size]))
    rng.shuffle(fragments)

    def search(alias, pk, fragment):
        store = stores[alias][pk]
        qs = Customer.objects.using(alias).filter(dealership=store).select_related("salesperson")
        return list(by_name(qs, fragment, store)[:51])

    for alias in ("small", "large"):  # warm both caches the same way
        for pk, fragment in fragments[:50]:
            search(alias, pk, fragment)
    timings = {"small": [], "large": []}
    found = {"small": 0, "large": 0}
    started_load = load_average()
    for i, (pk, fragment) in enumerate(fragments):
        order = ("small", "large") if i % 2 == 0 else ("large", "small")
        for alias in order:
            t = time.perf_counter()
            rows = search(alias, pk, fragment)
            timings[alias].append((time.perf_counter() - t) * 1000)
            found[alias] += len(rows)
    print(
        "Before migration customers.0005 (LIKE on the store-led trigram GIN)"
        if args.before
        else "With the store's own trigrams (customers.0005)"
    )
    print(
        f"Name-fragment search, {len(fragments)} fragments from {len(picked)} stores of "
        f"{min(n for _, n in picked):,}-{max(n for _, n in picked):,} customers, "
        f"each run in both networks (interleaved)."
    )
    print(f"Load average: {started_load} at start, {load_average()} at end (2 cores).")
    for alias in ("small", "large"):
        customers, dealerships = sizes[alias]
        values = timings[alias]
        print(
            f"  {alias:<6} network {customers:>10,} customers in {dealerships:>5,} stores: "
            f"p50 {statistics.median(values):6.2f} ms  p99 {percentile(values, 99):6.2f} ms  "
            f"({found[alias]:,} rows shown)"
        )
    ratio = percentile(timings["large"], 99) / percentile(timings["small"], 99)
    print(f"  p99 large / small: {ratio:.2f}  (budget ≤ 1.30)")

    for alias in ("small", "large"):
        store = Dealership.objects.using(alias).get(slug=args.explain_store)
        qs = by_name(
            Customer.objects.using(alias).filter(dealership=store).select_related("salesperson"),
            args.explain,
            store,
        )[:51]
        sql, params = qs.query.sql_with_params()
        with connections[alias].cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        in_store = Customer.objects.using(alias).filter(dealership=store).count()
        print(
            f"\nEXPLAIN (ANALYZE, BUFFERS) of {args.explain!r} in {store.slug} "
            f"({in_store:,} customers) on the {alias} network ({sizes[alias][0]:,}):"
        )
        print("\n".join("    " + line for line in plan))


if __name__ == "__main__":
    main()
