"""Up board, fails queue and My day latency for a store with 100,000 historical deals (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/goodwill_floor_bench \\
        .venv/bin/python bench/bench_floor.py [--deals 100000] [--requests 300]

Server time: each page is requested through Django's in-process test client (the whole
middleware stack, session, auth, ORM and template rendering; no network), timed around the
call. The bare baseline is a signed-in request to the smallest page of the app (the
customer finder with an empty query: middleware, session, user, template, no floor query),
so "board − baseline" is what the floor itself costs. Seeded: same seed, same data.

The history is bulk-loaded (not through the actions, which would take an hour): ups, deals,
T.O.s, credit lines, fails cases and the events the reports read, in the proportions the
demo uses; then the live part of the day goes through the real actions (clock-ins, waiting
ups, an up being worked, open and claimed fails cases)."""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from goodwill.customers.models import Customer  # noqa: E402
from goodwill.dealerships import actions as store_actions  # noqa: E402
from goodwill.dealerships.models import Dealership, User  # noqa: E402
from goodwill.fails.models import FailsCase  # noqa: E402
from goodwill.floor import actions  # noqa: E402
from goodwill.floor.models import ClockIn, CreditLine, Deal, FloorEvent, TurnOver, Up  # noqa: E402

SLUG = "bench-floor"
BUDGET_MS = 150.0
BATCH = 5000


def say(text: str = "") -> None:
    print(text, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def load(deals: int, seed: int):
    rng = random.Random(seed)
    store = Dealership.objects.filter(slug=SLUG).first()
    if store and Deal.objects.for_dealership(store).count() >= deals:
        say(f"Data: {Deal.objects.for_dealership(store).count():,} deals already loaded.")
        return store
    if store:
        sys.exit(f"Store {SLUG} exists with fewer deals: drop the database and run again.")
    started = time.perf_counter()
    store = store_actions.create_dealership(name="Bench Floor Ford", slug=SLUG, makes=["Ford"])
    staff = [
        store_actions.create_staff(store, username=f"bf-sales{i}", role="sales") for i in range(20)
    ]
    managers = [
        store_actions.create_staff(store, username=f"bf-mgr{i}", role="sales_mgr") for i in range(3)
    ]
    fails_people = [
        store_actions.create_staff(store, username=f"bf-fails{i}", role="fails") for i in range(3)
    ]
    n_customers = deals // 3
    say(f"Loading {n_customers:,} customers and {deals:,} deals with their history…")
    Customer.objects.bulk_create(
        (
            Customer(
                dealership=store,
                first_name=f"First{i}",
                last_name=f"Last{i}",
                search_name=f"first{i} last{i}",
                salesperson=staff[i % len(staff)],
            )
            for i in range(n_customers)
        ),
        batch_size=BATCH,
    )
    customer_ids = list(Customer.objects.for_dealership(store).values_list("id", flat=True))
    now = timezone.now()
    reasons = actions.floor_settings(store).reasons()
    sources = [s for s, _ in Up.Source.choices]
    ups, plan = [], []
    for i in range(deals):
        at = now - timedelta(days=3 + i * 720 / deals, minutes=rng.randint(0, 600))
        seller = staff[rng.randrange(len(staff))]
        ups.append(
            Up(
                dealership=store,
                customer_id=customer_ids[i % len(customer_ids)],
                source=rng.choice(sources),
                status=Up.Status.CLOSED,
                salesperson=seller,
                logged_by=seller,
                logged_at=at,
                taken_at=at,
            )
        )
        plan.append((at, seller, rng.random() < 0.4, rng.random() < 0.5))
    Up.objects.bulk_create(ups, batch_size=BATCH)
    deal_rows = []
    for up, (at, seller, sold, _turned) in zip(ups, plan, strict=True):
        deal_rows.append(
            Deal(
                dealership=store,
                up=up,
                customer_id=up.customer_id,
                salesperson=seller,
                outcome=Deal.Outcome.SOLD if sold else Deal.Outcome.NOT_SOLD,
                vehicle="2025 Ford Escape" if sold else "",
                gross=Decimal(1500) if sold else None,
                not_sold_reason="" if sold else rng.choice(reasons),
                opened_at=at,
                closed_at=at + timedelta(hours=1),
            )
        )
    Deal.objects.bulk_create(deal_rows, batch_size=BATCH)
    events, tos, credits, cases = [], [], [], []
    V = FloorEvent.Verb
    for deal, (at, seller, sold, turned) in zip(deal_rows, plan, strict=True):
        events.append(
            FloorEvent(
                dealership=store,
                verb=V.UP_LOGGED,
                actor=seller,
                at=at,
                up_id=deal.up_id,
                data={"source": deal.up.source},
            )
        )
        events.append(
            FloorEvent(
                dealership=store,
                verb=V.UP_TAKEN,
                actor=seller,
                at=at,
                up_id=deal.up_id,
                deal=deal,
                subject_user=seller,
            )
        )
        if turned:
            mgr = managers[rng.randrange(len(managers))]
            tos.append(
                TurnOver(
                    dealership=store,
                    deal=deal,
                    from_user=seller,
                    to_user=mgr,
                    to_role="manager",
                    at=at,
                    result="sold" if sold else "not_sold",
                )
            )
            events.append(
                FloorEvent(
                    dealership=store,
                    verb=V.TURNED_OVER,
                    actor=seller,
                    at=at,
                    deal=deal,
                    subject_user=mgr,
                )
            )
        closed_at = at + timedelta(hours=1)
        if sold:
            events.append(
                FloorEvent(
                    dealership=store,
                    verb=V.SOLD,
                    actor=seller,
                    at=closed_at,
                    deal=deal,
                    subject_user=seller,
                )
            )
            credits.append(
                CreditLine(
                    dealership=store,
                    deal=deal,
                    user=seller,
                    role="upper",
                    share=Decimal(100),
                    why="Took the up",
                    at=closed_at,
                )
            )
        else:
            events.append(
                FloorEvent(
                    dealership=store,
                    verb=V.NOT_SOLD,
                    actor=seller,
                    at=closed_at,
                    deal=deal,
                    data={"reason": deal.not_sold_reason},
                )
            )
            specialist = fails_people[rng.randrange(len(fails_people))]
            status = rng.choice(["recovered", "lost", "lost", "referred"])
            cases.append(
                FailsCase(
                    dealership=store,
                    deal=deal,
                    customer_id=deal.customer_id,
                    reason=deal.not_sold_reason,
                    salesperson=seller,
                    status=status,
                    entered_at=closed_at,
                    claimed_by=specialist,
                    claimed_at=closed_at,
                    closed_at=closed_at + timedelta(days=3),
                )
            )
    for model, rows in (
        (FloorEvent, events),
        (TurnOver, tos),
        (CreditLine, credits),
        (FailsCase, cases),
    ):
        model.objects.bulk_create(rows, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(
        f"  {len(events):,} events, {len(tos):,} T.O.s, {len(cases):,} closed fails cases "
        f"loaded in {time.perf_counter() - started:,.0f} s"
    )
    return store


def live_day(store, seed: int):
    """Today, through the real actions: the part of the board that changes."""
    rng = random.Random(seed + 1)
    with transaction.atomic():
        ClockIn.objects.filter(dealership=store, clocked_out_at__isnull=True).update(
            clocked_out_at=timezone.now()
        )
        Up.objects.for_dealership(store).filter(status=Up.Status.WAITING).update(
            status=Up.Status.CLOSED
        )
        sellers = list(User.objects.filter(dealership=store, role="sales").order_by("id"))[:10]
        for user in sellers:
            actions.clock_in(user)
        first = actions.log_up(
            store,
            acting_user=sellers[0],
            source="walk_in",
            new_customer={"first_name": "Live", "last_name": "Walkin"},
        )
        actions.take_up(first, user=sellers[0])
        for i in range(6):
            actions.log_up(
                store,
                acting_user=sellers[1],
                source=rng.choice(["phone", "internet"]),
                new_customer={"first_name": f"Wait{i}", "last_name": "Ing"},
            )
        open_cases = FailsCase.objects.for_dealership(store).filter(status__in=["open", "claimed"])
        have = open_cases.count()
        if have < 300:
            # Reopen some old cases as today's queue: 250 waiting, 50 claimed.
            ids = list(
                FailsCase.objects.for_dealership(store)
                .filter(status="lost")
                .values_list("id", flat=True)[: 300 - have]
            )
            FailsCase.objects.filter(id__in=ids[:250]).update(
                status="open", claimed_by=None, claimed_at=None, closed_at=None
            )
            FailsCase.objects.filter(id__in=ids[250:]).update(status="claimed", closed_at=None)
    return sellers[1], User.objects.filter(dealership=store, role="fails").first()


def backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far, from /proc (the server is
    on this machine; 0 when it is not readable). On a shared machine the wall time of a page
    is mostly waiting for a core; its CPU (this process + its backend) is the steadier figure
    of what the page costs, so it is printed next to the percentiles."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_get(client, url, n, warm=10):
    """Wall times (ms) of `n` requests, and the mean CPU (ms) a request cost: this process
    plus its PostgreSQL backend."""
    for _ in range(warm):
        assert client.get(url).status_code == 200
    spent = []
    cpu_before, db_before = time.process_time(), backend_cpu()
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(url)
        spent.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    cpu = (time.process_time() - cpu_before + backend_cpu() - db_before) * 1000 / n
    return spent, cpu


def count_queries(client, url) -> int:
    """Counted by a wrapper: the test client's request_started signal resets the query log."""
    seen = []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    return len(seen)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: DATABASE_URL=postgres://…/goodwill_floor_bench")
    call_command("migrate", verbosity=0)
    store = load(args.deals, args.seed)
    salesperson, specialist = live_day(store, args.seed)
    scale = {
        "deals": Deal.objects.for_dealership(store).count(),
        "ups": Up.objects.for_dealership(store).count(),
        "floor events": FloorEvent.objects.for_dealership(store).count(),
        "fails cases": FailsCase.objects.for_dealership(store).count(),
        "open fails cases": FailsCase.objects.for_dealership(store)
        .filter(status__in=["open", "claimed"])
        .count(),
        "customers": Customer.objects.for_dealership(store).count(),
    }
    say("Scale (one store): " + ", ".join(f"{v:,} {k}" for k, v in scale.items()))
    say(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"{args.requests} timed requests per page after 10 warm-up requests"
    )
    board, queue, bare = Client(), Client(), Client()
    board.force_login(salesperson)
    queue.force_login(specialist)
    bare.force_login(salesperson)
    pages = {
        "bare baseline (/floor/find-customer/)": (bare, "/floor/find-customer/"),
        "up board (/floor/)": (board, "/floor/"),
        "fails queue (/fails/?show=all)": (queue, "/fails/?show=all"),
        "fails queue, waiting (/fails/)": (queue, "/fails/"),
        "my day, salesperson (/my-day/)": (board, "/my-day/"),
        "my day, fails specialist (/my-day/)": (queue, "/my-day/"),
    }
    results = {}
    for name, (client, url) in pages.items():
        queries = count_queries(client, url)
        spent, cpu = time_get(client, url, args.requests)
        results[name] = spent
        say(
            f"  {name:42s} p50 {percentile(spent, 50):6.1f} ms  p95 {percentile(spent, 95):6.1f}"
            f" ms  p99 {percentile(spent, 99):6.1f} ms  CPU {cpu:5.1f} ms/request"
            f"  ({queries} queries)  load {os.getloadavg()[0]:.1f}"
        )
    base = percentile(results["bare baseline (/floor/find-customer/)"], 95)
    for name in list(pages)[1:]:
        p95 = percentile(results[name], 95)
        verdict = "within" if p95 < BUDGET_MS else "OVER"
        say(
            f"  {name}: p95 {p95:.1f} ms, {p95 - base:+.1f} ms over the baseline: {verdict} "
            f"the {BUDGET_MS:.0f} ms budget"
        )


if __name__ == "__main__":
    main()
