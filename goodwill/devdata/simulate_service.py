"""`goodwill simulate --repair-orders N`: years of service history for the simulated stores.

Kept apart from `simulate.py` (the customers' generator): it runs after it, reads the
vehicles the stores have, and writes

- N repair orders spread over the vehicles (fleets' trucks come back far more often), with
  three years of open/close dates, days down, labour and parts, mileage and pay type;
  an RO's mileage is its vehicle's odometer on the day it was opened (`odometer`), so a
  vehicle's ROs read more miles visit after visit, as a store's history does;
- a `Fleet` for every business customer with vehicles, and the store's service settings;
- a few vehicles' lease or warranty end dates (the "term ending" rule has something to see).

Deterministic for a seed. On PostgreSQL the ROs go in with COPY (a million in about a
minute on two cores); elsewhere with batched inserts. The rules are not run here: the
nightly pass (`service.runner.run_all`, timed by `bench/bench_service.py`) raises the
opportunities."""

import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from goodwill.core import storewall
from goodwill.customers.models import Customer, Vehicle
from goodwill.dealerships.models import User
from goodwill.service.models import (
    Fleet,
    RepairOrder,
    ServiceSettings,
    VehicleFacts,
    days_between,
)
from goodwill.service.valuation import vehicle_class_of

COMPLAINTS = [
    ("Check engine light on", 145, 0),
    ("Perform 30k maintenance", 145, 210),
    ("A/C blowing warm", 380, 980),
    ("Noise from front end over bumps", 640, 1210),
    ("Transmission slipping when cold", 2875, 3410),
    ("Brakes grinding", 320, 460),
    ("Oil change and tire rotation", 90, 45),
    ("Liftgate inop - upfit body", 380, 3410),
    ("Engine misfire", 4200, 3900),
]
YEARS = 3
BATCH = 20_000
COLUMNS = (
    "dealership_id",
    "public_id",
    "number",
    "customer_id",
    "vehicle_id",
    "advisor_id",
    "advisor_name",
    "status",
    "pay_type",
    "complaint",
    "cause",
    "labor",
    "parts",
    "mileage_in",
    "opened_at",
    "promised_at",
    "closed_at",
    "days_down",
    "created_at",
    "updated_at",
)


@dataclass
class ServiceSummary:
    repair_orders: int = 0
    fleets: int = 0
    vehicles: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        rate = self.repair_orders / self.seconds if self.seconds else 0
        return (
            f"Service: {self.repair_orders:,} repair orders over {self.vehicles:,} vehicles, "
            f"{self.fleets:,} fleets in {self.seconds:.1f} s ({rate:,.0f} ROs/s)"
        )


def _vehicles(store_ids):
    """(vehicle, customer, store, model, kind, year, mileage) for every vehicle."""
    rows = list(
        Vehicle.objects.filter(dealership_id__in=store_ids)
        .order_by("id")
        .values_list(
            "pk", "customer_id", "dealership_id", "model", "customer__kind", "year", "mileage"
        )
    )
    return rows


def odometer(year, mileage, opened, now) -> int:
    """The vehicle's miles on the day an RO was opened: its recorded mileage (read now) less
    the miles it has done since, at its own average pace since January 1 of its model year
    (at least a year's worth of days). The same vehicle reads more miles the later it comes
    in: monotonic per vehicle, unlike an independent draw per RO, which put 46 % of a
    simulated lane over 120,000 miles (docs/closing-notes/issue-13.md). A vehicle with no
    recorded mileage is taken at 12,000 miles a year, the pace the valuation expects."""
    if not mileage:  # not recorded: 12,000 a year, as the valuation expects
        mileage = 12_000 * max(1, now.year - (year or now.year - 8))
    since = max(365, (now.date() - date(year or now.year - 8, 1, 1)).days)
    back = max(0, (now - opened).days)
    return max(5, round(mileage - mileage * back / since))


def _ro_rows(n, vehicles, advisors, *, rng, now, next_number, independent_mileage=False):
    """Yield N repair-order rows (tuples in COLUMNS order)."""
    weights = [6 if kind == Customer.Kind.BUSINESS else 1 for _, _, _, _, kind, *_ in vehicles]
    picks = rng.choices(range(len(vehicles)), weights=weights, k=n)
    span = YEARS * 365 * 24
    for i in picks:
        vehicle_id, customer_id, store_id, model, kind, year, mileage = vehicles[i]
        complaint, labor, parts = COMPLAINTS[rng.randrange(len(COMPLAINTS))]
        scale = rng.uniform(0.6, 1.6)
        opened = now - timedelta(hours=rng.randrange(span))
        heavy = kind == Customer.Kind.BUSINESS
        down = rng.choice((1, 1, 2, 3, 5, 8) if heavy else (1, 1, 1, 2, 3))
        closed = None if opened > now - timedelta(days=2) else opened + timedelta(days=down)
        store_advisors = advisors.get(store_id) or [None]
        # The draws in the order they were made when these were inline (same seed, same data).
        public_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        advisor = store_advisors[rng.randrange(len(store_advisors))]
        pay_type = "CCCCCCWI"[rng.randrange(8)]
        # Drawn either way (the random stream, so every other column, stays the same); used
        # only for the history as simulated before mileage followed the vehicle.
        drawn = rng.randint(5, 220) * 1000
        number = next_number[store_id] = next_number.get(store_id, 0) + 1
        yield (
            store_id,
            public_id,
            str(number),
            customer_id,
            vehicle_id,
            advisor,
            "",
            "closed" if closed else "open",
            pay_type,
            complaint,
            "",
            Decimal(labor * scale).quantize(Decimal("0.01")),
            Decimal(parts * scale).quantize(Decimal("0.01")),
            drawn if independent_mileage else odometer(year, mileage, opened, now),
            opened,
            opened + timedelta(hours=8),
            closed,
            days_between(opened, closed) if closed else 0,
            now,
            now,
        )


@storewall.as_owner()  # COPY into a walled table is the owner's (core/storewall.py)
def simulate_service(
    *, repair_orders: int, seed: int = 1, store_ids=None, now=None, independent_mileage=False
):
    """Add `repair_orders` ROs (and fleets, settings) to the stores (default: every store).
    `independent_mileage` draws each RO's mileage on its own, 5,000 to 220,000 (the history
    as simulated before; kept so the benchmark can still measure that worst case)."""
    if repair_orders < 0:
        raise ValueError("--repair-orders must be >= 0")
    started = time.perf_counter()
    rng = random.Random(seed * 7919 + 13)  # nosec B311 # fictional data, reproducible by seed
    now = now or datetime.now(UTC)
    if store_ids is None:
        # `order_by()`: the vehicle's default ordering would make this a distinct over
        # every vehicle (335,054 "stores" at a million ROs: as many settings lookups).
        store_ids = list(
            Vehicle.objects.order_by().values_list("dealership_id", flat=True).distinct()
        )
    summary = ServiceSummary()
    vehicles = _vehicles(store_ids)
    summary.vehicles = len(vehicles)
    if not vehicles or not repair_orders:
        return summary
    advisors: dict[int, list[int]] = {}
    for user_id, store_id in User.objects.filter(
        dealership_id__in=store_ids, role__in=User.SERVICE_ROLES
    ).values_list("pk", "dealership_id"):
        advisors.setdefault(store_id, []).append(user_id)
    next_number = {
        store: max(
            (
                int(n)
                for n in RepairOrder.objects.filter(dealership_id=store).values_list(
                    "number", flat=True
                )
                if n.isdigit()
            ),
            default=100000,
        )
        for store in store_ids
    }
    with transaction.atomic():
        for store in store_ids:
            ServiceSettings.objects.get_or_create(dealership_id=store)
        have = set(
            Fleet.objects.filter(dealership_id__in=store_ids).values_list("customer_id", flat=True)
        )
        fleets = {
            (customer_id, store_id)
            for _, customer_id, store_id, _, kind, *_ in vehicles
            if kind == Customer.Kind.BUSINESS and customer_id not in have
        }
        Fleet.objects.bulk_create(
            [Fleet(dealership_id=s, customer_id=c) for c, s in sorted(fleets)], batch_size=5000
        )
        summary.fleets = len(fleets)
        facts = [
            VehicleFacts(
                dealership_id=store_id,
                vehicle_id=vehicle_id,
                vehicle_class=vehicle_class_of(model),
                lease_ends_on=(now + timedelta(days=rng.randint(-300, 700))).date(),
            )
            for vehicle_id, _, store_id, model, *_ in rng.sample(vehicles, len(vehicles) // 50)
        ]
        VehicleFacts.objects.bulk_create(facts, batch_size=5000, ignore_conflicts=True)
        rows = _ro_rows(
            repair_orders,
            vehicles,
            advisors,
            rng=rng,
            now=now,
            next_number=next_number,
            independent_mileage=independent_mileage,
        )
        if connection.vendor == "postgresql":
            _copy(rows)
        else:
            _insert(rows)
    summary.repair_orders = repair_orders
    summary.seconds = time.perf_counter() - started
    return summary


def _copy(rows) -> None:
    sql = f"COPY {RepairOrder._meta.db_table} ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _insert(rows) -> None:
    batch = []
    for row in rows:
        batch.append(RepairOrder(**dict(zip(COLUMNS, row, strict=True))))
        if len(batch) >= BATCH:
            RepairOrder.objects.bulk_create(batch)
            batch.clear()
    RepairOrder.objects.bulk_create(batch)
