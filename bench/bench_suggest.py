"""Suggestions for a wanted make at directory scale (see bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/goodwill_ref_bench \\
        .venv/bin/python bench/bench_suggest.py [--dealerships 20000] [--pros 100000]

Stores come from `goodwill simulate` (clustered around real US metros, 1-4 makes each, a
few staff). `simulate` makes no pros, so this script bulk-inserts them itself: two published
directory cards per store (linked to real staff accounts) and the rest as network rows —
each store's own pros, most linked to a card of a nearby store, some external — with their
ProMake rows and some partnerships. Timed: `suggest(store, make=…)` exactly as the page and
the API call it (two index range scans, partnerships, scoring), for random stores and makes
they do not sell, next to a bare baseline — the directory range scan alone, as raw SQL."""

import argparse
import math
import os
import random
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from goodwill.dealerships.models import Dealership, User  # noqa: E402
from goodwill.network.models import Partnership, Pro, ProMake  # noqa: E402
from goodwill.network.suggest import suggest  # noqa: E402

BUDGET_MS = 30.0
BATCH = 5_000
SPECIALTIES = ["commercial", "used", "EV", "fleet", "first car", "trucks", "hybrid", "luxury"]


def say(text: str = "") -> None:
    print(text, flush=True)


def load() -> str:
    """The machine's load average (1, 5, 15 min): these machines are shared."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def ensure_stores(n: int, seed: int) -> None:
    call_command("migrate", verbosity=0)
    have = Dealership.objects.count()
    if have >= n:
        say(f"Stores: {have:,} already in the database.")
        return
    say(f"Stores: {have:,}; simulating {n - have:,} more (1 customer each)…")
    started = time.perf_counter()
    call_command(
        "simulate",
        dealerships=n - have,
        customers=n - have,
        seed=seed,
        staff_per_store=4,
        no_progress=True,
    )
    say(f"  simulated in {time.perf_counter() - started:,.0f} s")


def ensure_pros(total: int, seed: int) -> None:
    have = Pro.objects.count()
    if have >= total:
        say(f"Pros: {have:,} already in the database.")
        return
    if have:
        sys.exit("Pros exist but fewer than asked: drop the database to rebuild.")
    rng = random.Random(f"bench-suggest:{seed}")
    started = time.perf_counter()
    stores = list(
        Dealership.objects.order_by("id").values(
            "id", "name", "makes", "specialties", "latitude", "longitude", "city", "region"
        )
    )
    sellers = {}
    for uid, store_id, first, last in (
        User.objects.filter(dealership__isnull=False, role__in=["sales", "sales_mgr"])
        .order_by("id")
        .values_list("id", "dealership_id", "first_name", "last_name")
    ):
        sellers.setdefault(store_id, []).append((uid, first, last))
    cards = []  # (pro, store)
    for store in stores:
        for uid, first, last in sellers.get(store["id"], [])[:2]:
            cards.append(_pro(store, store, first, last, user_id=uid, listed=True, rng=rng))
    # Stores bucketed on a ~0.5° grid so each store's network is drawn from nearby cards.
    grid = {}
    for pro in cards:
        grid.setdefault((round(pro.latitude * 2), round(pro.longitude * 2)), []).append(pro)
    network = []
    remaining = total - len(cards)
    per_store = [remaining // len(stores)] * len(stores)
    for i in range(remaining - sum(per_store)):
        per_store[i] += 1
    for store, k in zip(stores, per_store, strict=True):
        near = grid.get((round(store["latitude"] * 2), round(store["longitude"] * 2)), [])
        near = [c for c in near if c.store_id != store["id"]]
        seen = set()
        for _ in range(k):
            card = rng.choice(near) if near and rng.random() < 0.75 else None
            if card is not None and card.user_id not in seen:
                seen.add(card.user_id)
                pro = _pro(store, None, card.first_name, card.last_name, rng=rng, like=card)
            else:
                pro = _pro(
                    store, None, *rng.choice([("Kim", "Nguyen"), ("Raul", "Ortega")]), rng=rng
                )
            network.append(pro)
    say(f"  planned {len(cards):,} directory cards and {len(network):,} network pros")
    with transaction.atomic():
        for i in range(0, len(cards), BATCH):
            Pro.objects.bulk_create(cards[i : i + BATCH])
        for i in range(0, len(network), BATCH):
            Pro.objects.bulk_create(network[i : i + BATCH])
        rows = [
            ProMake(
                dealership_id=p.dealership_id,
                pro_id=p.pk,
                make=m.lower(),
                listed=p.listed,
                latitude=p.latitude,
                longitude=p.longitude,
            )
            for p in [*cards, *network]
            for m in p.makes
        ]
        for i in range(0, len(rows), BATCH):
            ProMake.objects.bulk_create(rows[i : i + BATCH])
        proposer = {}
        for uid, store_id in User.objects.filter(dealership__isnull=False).values_list(
            "id", "dealership_id"
        ):
            proposer.setdefault(store_id, uid)
        partnerships = [
            Partnership(
                dealership_id=p.dealership_id,
                pro_id=p.pk,
                partner_store_id=p.store_id,
                partner_user_id=p.user_id,
                proposed_by_id=proposer[p.dealership_id],
                status=rng.choice(["agreed", "agreed", "proposed"]),
            )
            for p in network
            if rng.random() < 0.5
        ]
        for i in range(0, len(partnerships), BATCH):
            Partnership.objects.bulk_create(partnerships[i : i + BATCH])
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ANALYZE network_pro; ANALYZE network_promake; ANALYZE network_partnership")
    say(
        f"  {len(rows):,} make rows, {len(partnerships):,} partnerships; "
        f"loaded in {time.perf_counter() - started:,.0f} s"
    )


def _pro(store, own_store, first, last, *, rng, user_id=None, listed=False, like=None):
    """A pro row; `like` copies a directory card (a network row linked to that member)."""
    if like is not None:
        return Pro(
            dealership_id=store["id"],
            store_id=like.store_id,
            user_id=like.user_id,
            store_name=like.store_name,
            first_name=first,
            last_name=last,
            phone=like.phone,
            makes=like.makes,
            specialties=like.specialties,
            latitude=like.latitude,
            longitude=like.longitude,
            city=like.city,
            region=like.region,
            sent_count=rng.randint(0, 12),
            received_count=rng.randint(0, 12),
            acked_count=(a := rng.randint(0, 8)),
            ack_seconds_total=a * rng.randint(600, 40000),
            closed_count=(c := rng.randint(0, 8)),
            won_count=rng.randint(0, c),
            public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        )
    base = own_store or store
    makes = list(base["makes"]) if own_store else [rng.choice(["Kia", "Mazda", "GMC", "Isuzu"])]
    return Pro(
        dealership_id=store["id"],
        store_id=own_store["id"] if own_store else None,
        user_id=user_id,
        listed=listed,
        store_name=base["name"] if own_store else "Elsewhere",
        first_name=first,
        last_name=last,
        makes=makes,
        specialties=rng.sample(SPECIALTIES, 2),
        city=base["city"],
        region=base["region"],
        latitude=base["latitude"] + rng.uniform(-0.05, 0.05),
        longitude=base["longitude"] + rng.uniform(-0.05, 0.05),
        acked_count=(a := rng.randint(0, 20)),
        ack_seconds_total=a * rng.randint(600, 40000),
        closed_count=(c := rng.randint(0, 20)),
        won_count=rng.randint(0, c),
        public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
    )


def bare(store, make: str, radius: float = 60.0, nearest: int = 60) -> int:
    """The directory range scan alone, raw SQL, nearest first as suggest() asks for it: the
    floor under any suggestion (no ORM, no join to the pro, no scoring)."""
    dlat = radius / 69.0
    squeeze = max(0.01, math.cos(math.radians(store.latitude)))
    dlon = radius / max(1.0, 69.0 * squeeze)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pro_id FROM network_promake WHERE listed AND make = %s "
            "AND latitude BETWEEN %s AND %s AND longitude BETWEEN %s AND %s "
            "ORDER BY (latitude - %s) * (latitude - %s) "
            "+ ((longitude - %s) * %s) * ((longitude - %s) * %s) LIMIT %s",
            [
                make,
                store.latitude - dlat,
                store.latitude + dlat,
                store.longitude - dlon,
                store.longitude + dlon,
                store.latitude,
                store.latitude,
                store.longitude,
                squeeze,
                store.longitude,
                squeeze,
                nearest,
            ],
        )
        return len(cur.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dealerships", type=int, default=20_000)
    parser.add_argument("--pros", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ensure_stores(args.dealerships, args.seed)
    ensure_pros(args.pros, args.seed)
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(" on ")[0]
    say(f"Database: {version} ({settings.DATABASES['default']['NAME']}), load {load()}")
    say(
        f"Scale: {Dealership.objects.count():,} dealerships, {Pro.objects.count():,} pros "
        f"({Pro.objects.filter(listed=True).count():,} directory cards), "
        f"{ProMake.objects.count():,} make rows, {Partnership.objects.count():,} partnerships"
    )
    rng = random.Random(f"bench-suggest-queries:{args.seed}")
    ids = list(Dealership.objects.values_list("id", flat=True))
    makes = sorted({m for (ms,) in Dealership.objects.values_list("makes")[:5000] for m in ms})
    cases = []
    for _ in range(args.queries):
        store = Dealership.objects.get(pk=rng.choice(ids))
        wanted = rng.choice([m for m in makes if m not in store.makes] or makes)
        cases.append((store, wanted))
    for store, wanted in cases[:20]:  # warm the caches and the connection
        suggest(store, make=wanted)
        bare(store, wanted.lower())
    timings, baseline, found = [], [], []
    for store, wanted in cases:
        t = time.perf_counter()
        bare(store, wanted.lower())
        baseline.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        _, items = suggest(store, make=wanted)
        timings.append((time.perf_counter() - t) * 1000)
        found.append(len(items))
    p50, p99 = percentile(timings, 50), percentile(timings, 99)
    b50, b99 = percentile(baseline, 50), percentile(baseline, 99)
    say(f"suggest(store, make=…) over {len(cases)} random stores and makes they do not sell:")
    say(
        f"  p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {max(timings):.2f} ms  "
        f"(budget p99 < {BUDGET_MS:.0f} ms: {'OK' if p99 < BUDGET_MS else 'OVER'})"
    )
    say(
        f"  bare directory range scan: p50 {b50:.2f} ms  p99 {b99:.2f} ms  "
        f"→ ratio p50 {p50 / b50:.1f}×, p99 {p99 / b99:.1f}×   load {load()}"
    )
    say(
        f"  suggestions returned: median {sorted(found)[len(found) // 2]}, "
        f"none for {sum(1 for n in found if n == 0)} of {len(found)} queries"
    )


if __name__ == "__main__":
    main()
