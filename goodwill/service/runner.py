"""Running the opportunity rules: for one RO right after it is saved, and over every RO of
every store at night. Both build the same `rules.Facts` and call the same `rules.evaluate`.

Idempotent: an opportunity's unique key is (RO, rule), inserts ignore a conflict, so running
twice, late, or from two workers raises nothing twice. A rule also stays quiet about a
vehicle for `rules.QUIET_DAYS` after it raised one about it.

The nightly pass streams each store's ROs in (vehicle, opened) order with one query, keeps a
sliding window of visit dates and the year's days down per vehicle, and bulk-inserts what it
finds (`bench/bench_service.py` times it over 1,000,000 ROs)."""

from bisect import bisect_left, insort
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from goodwill.dealerships.models import Dealership
from goodwill.service import routing
from goodwill.service.models import Opportunity, RepairOrder, ServiceSettings
from goodwill.service.rules import QUIET_DAYS, Facts, Thresholds, evaluate
from goodwill.service.valuation import vehicle_class_of

BATCH = 5000


def _settings(store_id) -> ServiceSettings:
    rules, _ = ServiceSettings.objects.get_or_create(dealership_id=store_id)
    return rules


def _cost_per_day(facts_cost, fleet_cost, vehicle_class, model, rules: ServiceSettings) -> int:
    """The vehicle's own cost, else its fleet's, else the store's default for its class
    (the class the store set, else the one its model name suggests)."""
    return (
        facts_cost or fleet_cost or rules.downtime_default(vehicle_class or vehicle_class_of(model))
    )


@dataclass
class Outcome:
    created: list
    referred: int = 0


def facts_for(ro: RepairOrder, rules: ServiceSettings) -> Facts:
    """One RO's facts (three queries: the RO with its vehicle, the visit window, the year's
    days down)."""
    vehicle = ro.vehicle
    facts = getattr(vehicle, "service", None)
    fleet = getattr(ro.customer, "fleet", None)
    opened = ro.opened_at
    same_vehicle = RepairOrder.objects.filter(dealership_id=ro.dealership_id, vehicle=vehicle)
    window = same_vehicle.filter(
        opened_at__gt=opened - timedelta(days=rules.repeat_days), opened_at__lte=opened
    ).count()
    year_start = opened.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    down = (
        same_vehicle.filter(opened_at__gte=year_start, opened_at__lte=opened).aggregate(
            d=Sum("days_down")
        )["d"]
        or 0
    )
    return Facts(
        opened_on=opened.date(),
        estimate=ro.total,
        mileage=ro.mileage_in or vehicle.mileage,
        model=vehicle.model,
        year=vehicle.year,
        store_value=facts.value if facts else None,
        is_fleet=fleet is not None,
        cost_per_day=_cost_per_day(
            facts.downtime_cost_per_day if facts else None,
            fleet.downtime_cost_per_day if fleet else None,
            facts.vehicle_class if facts else None,
            vehicle.model,
            rules,
        ),
        lease_ends_on=facts.lease_ends_on if facts else None,
        warranty_ends_on=facts.warranty_ends_on if facts else None,
        visits_in_window=window,
        days_down_this_year=down,
    )


def _quiet_rules(ro: RepairOrder) -> set[str]:
    """Rules that raised an opportunity about this vehicle in the quiet period before."""
    since = ro.opened_at - timedelta(days=QUIET_DAYS)
    return set(
        Opportunity.objects.filter(
            dealership_id=ro.dealership_id,
            vehicle_id=ro.vehicle_id,
            repair_order__opened_at__gte=since,
            repair_order__opened_at__lte=ro.opened_at,
        )
        .exclude(repair_order_id=ro.pk)
        .values_list("rule", flat=True)
    )


def evaluate_repair_order(ro_pk: int) -> tuple[RepairOrder, list]:
    ro = RepairOrder.objects.select_related("vehicle__service", "customer__fleet", "advisor").get(
        pk=ro_pk
    )
    rules = _settings(ro.dealership_id)
    found = evaluate(facts_for(ro, rules), Thresholds.of(rules))
    quiet = _quiet_rules(ro) if found else set()
    return ro, [f for f in found if f.rule not in quiet]


def run_for_repair_order(ro_pk: int, *, refer: bool = True, notify: bool = True) -> Outcome:
    """After an RO is saved: raise what its rules find, and send the new ones to sales when
    the RO is recent (the store's `refer_within_days`)."""
    ro, found = evaluate_repair_order(ro_pk)
    now = timezone.now()
    rows = [
        Opportunity(
            dealership_id=ro.dealership_id,
            rule=f.rule,
            repair_order_id=ro.pk,
            customer_id=ro.customer_id,
            vehicle_id=ro.vehicle_id,
            reason=f.reason[:400],
            numbers=f.numbers,
            created_at=now,
        )
        for f in found
    ]
    outcome = Outcome(created=[])
    if not rows:
        return outcome
    with transaction.atomic():
        existing = set(
            Opportunity.objects.filter(repair_order_id=ro.pk).values_list("rule", flat=True)
        )
        new = [r for r in rows if r.rule not in existing]
        Opportunity.objects.bulk_create(new, ignore_conflicts=True)
        outcome.created = list(
            Opportunity.objects.filter(repair_order_id=ro.pk, rule__in=[r.rule for r in new])
        )
    if refer and _recent(ro, now):
        outcome.referred = _refer_each(outcome.created, notify=notify)
    return outcome


def _recent(ro: RepairOrder, now) -> bool:
    rules = _settings(ro.dealership_id)
    return ro.opened_at >= now - timedelta(days=rules.refer_within_days)


def _refer_each(opportunities, *, notify=True) -> int:
    sent = 0
    for opp in opportunities:
        with transaction.atomic():
            routing.refer(opp, notify=notify)
        sent += 1
    return sent


# --- the nightly pass ------------------------------------------------------------------------

COLUMNS = (
    "pk",
    "vehicle_id",
    "customer_id",
    "opened_at",
    "labor",
    "parts",
    "days_down",
    "mileage_in",
    "vehicle__mileage",
    "vehicle__model",
    "vehicle__year",
    "vehicle__service__value",
    "vehicle__service__vehicle_class",
    "vehicle__service__downtime_cost_per_day",
    "vehicle__service__lease_ends_on",
    "vehicle__service__warranty_ends_on",
    "customer__fleet__id",
    "customer__fleet__downtime_cost_per_day",
)


def run_store(store_id: int, *, refer: bool = True, notify: bool = True, now=None) -> dict:
    """Every RO of one store through every rule; returns counts.

    One transaction per store: on PostgreSQL a streamed read outside a transaction is a
    WITH HOLD cursor, which copies the whole result before the first row arrives."""
    with transaction.atomic():
        return _run_store(store_id, refer=refer, notify=notify, now=now)


def _run_store(store_id: int, *, refer: bool, notify: bool, now) -> dict:
    now = now or timezone.now()
    rules = _settings(store_id)
    thresholds = Thresholds.of(rules)
    window_days = timedelta(days=rules.repeat_days)
    quiet = timedelta(days=QUIET_DAYS)
    done = set(
        Opportunity.objects.filter(dealership_id=store_id).values_list("repair_order_id", "rule")
    )
    # When each (vehicle, rule) raised one, as sorted (opened, RO) pairs: the quiet period
    # holds across runs and whatever order the ROs arrived in.
    raised: dict[tuple[int, str], list] = defaultdict(list)
    for vehicle_id, rule, opened, ro_id in Opportunity.objects.filter(
        dealership_id=store_id
    ).values_list("vehicle_id", "rule", "repair_order__opened_at", "repair_order_id"):
        raised[(vehicle_id, rule)].append((opened, ro_id))
    for dates in raised.values():
        dates.sort()
    rows = (
        RepairOrder.objects.filter(dealership_id=store_id)
        .order_by("vehicle_id", "opened_at", "id")
        .values_list(*COLUMNS)
    )
    pending: list[Opportunity] = []
    counts = {"repair_orders": 0, "found": 0, "created": 0, "referred": 0}
    vehicle, visits, year, down = None, deque(), None, 0
    recent_since = now - timedelta(days=rules.refer_within_days)
    recent_new = []
    for row in rows.iterator(chunk_size=BATCH):
        (
            pk,
            vehicle_id,
            customer_id,
            opened,
            labor,
            parts,
            days_down,
            mileage_in,
            v_miles,
            model,
            year_made,
            value,
            v_class,
            v_cost,
            lease,
            warranty,
            fleet_id,
            fleet_cost,
        ) = row
        counts["repair_orders"] += 1
        if vehicle_id != vehicle:
            vehicle, visits, year, down = vehicle_id, deque(), opened.year, 0
        if opened.year != year:
            year, down = opened.year, 0
        visits.append(opened)
        while visits[0] <= opened - window_days:
            visits.popleft()
        down += days_down
        facts = Facts(
            opened_on=opened.date(),
            estimate=(labor or Decimal(0)) + (parts or Decimal(0)),
            mileage=mileage_in or v_miles,
            model=model,
            year=year_made,
            store_value=value,
            is_fleet=fleet_id is not None,
            cost_per_day=_cost_per_day(v_cost, fleet_cost, v_class, model, rules),
            lease_ends_on=lease,
            warranty_ends_on=warranty,
            visits_in_window=len(visits),
            days_down_this_year=down,
        )
        for f in evaluate(facts, thresholds):
            counts["found"] += 1
            if (pk, f.rule) in done:
                continue
            key = (vehicle_id, f.rule)
            if _raised_within(raised.get(key), opened - quiet, opened):
                continue
            insort(raised[key], (opened, pk))
            pending.append(
                Opportunity(
                    dealership_id=store_id,
                    rule=f.rule,
                    repair_order_id=pk,
                    customer_id=customer_id,
                    vehicle_id=vehicle_id,
                    reason=f.reason[:400],
                    numbers=f.numbers,
                    created_at=now,
                )
            )
            if opened >= recent_since:
                recent_new.append((pk, f.rule))
        if len(pending) >= BATCH:
            counts["created"] += _flush(pending)
    counts["created"] += _flush(pending)
    if refer and recent_new:
        fresh = Opportunity.objects.filter(
            dealership_id=store_id,
            referral__isnull=True,
            dismissed_at__isnull=True,
            repair_order_id__in={pk for pk, _ in recent_new},
        )
        wanted = set(recent_new)
        counts["referred"] = _refer_each(
            [o for o in fresh if (o.repair_order_id, o.rule) in wanted], notify=notify
        )
    return counts


def _raised_within(dates, start, end) -> bool:
    """Is there an (opened, RO) in `dates` with start <= opened <= end?"""
    if not dates:
        return False
    i = bisect_left(dates, (start, -1))
    return i < len(dates) and dates[i][0] <= end


def _flush(pending: list) -> int:
    if not pending:
        return 0
    with transaction.atomic():
        made = Opportunity.objects.bulk_create(pending, ignore_conflicts=True, batch_size=2000)
    pending.clear()
    return len(made)


def run_all(*, refer: bool = True, notify: bool = True) -> dict:
    """The nightly pass over every store."""
    totals = {"stores": 0, "repair_orders": 0, "found": 0, "created": 0, "referred": 0}
    for store_id in Dealership.objects.order_by("id").values_list("pk", flat=True):
        counts = run_store(store_id, refer=refer, notify=notify)
        totals["stores"] += 1
        for k, v in counts.items():
            totals[k] += v
    return totals
