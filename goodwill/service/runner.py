"""Running the opportunity rules: for one RO right after it is saved, and over every RO of
every store at night (`nightly.py`). Both build the same `rules.Facts` and call the same
rule functions.

Idempotent: an opportunity's unique key is (RO, rule), inserts ignore a conflict, so running
twice, late, or from two workers raises nothing twice. A rule also stays quiet about a
vehicle for `rules.QUIET_DAYS` after it raised one about it.

One RO's rules read everything they need in one query (`_one_ro`): the RO with its vehicle,
facts, fleet and store settings, and as subqueries the visit window, the year's days down
and which rules are quiet. Five round trips before (63.8 ms p99 at load 14, 3.9× a bare
get); one now (10.8 ms p99 at load 13.8, 0.8× a bare get, `bench/bench_service.py`);
`tests/test_nightly.py` pins the count."""

from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    Func,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncYear
from django.utils import timezone

from goodwill.service import nightly, routing
from goodwill.service.models import Opportunity, RepairOrder, ServiceSettings
from goodwill.service.rules import QUIET_DAYS, Thresholds, evaluate

# The nightly pass (kept here by name: the jobs, the demo and the benchmark call these).
run_all = nightly.run_all
RULES = nightly.RULE_OF


def run_store(store_id: int, *, refer: bool = True, notify: bool = True, now=None) -> dict:
    """Every RO of one store through every rule; returns counts."""
    return nightly.run_stores([store_id], refer=refer, notify=notify, now=now)


@dataclass
class Outcome:
    created: list
    referred: int = 0


class DaysBefore(Func):
    """`DaysBefore(moment, days)`: the moment less a number of days read from a column (the
    store's window, joined in the same query). Django multiplies a duration by a column on
    PostgreSQL only; on SQLite this is Django's own datetime-less-microseconds function."""

    output_field = DateTimeField()
    template = "(%(expressions)s)"
    arg_joiner = " - interval '1 day' * "

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="django_format_dtdelta('-', %(expressions)s * 86400000000)",
            arg_joiner=", ",
            **extra,
        )


# What `evaluate` needs of the store's settings (read with the RO).
SETTINGS_FIELDS = (
    *Thresholds.__dataclass_fields__,
    "downtime_car",
    "downtime_light",
    "downtime_heavy",
    "refer_within_days",
)
# The rules quiet about the vehicle come back as one number, a bit per rule.
QUIET_BIT = {rule: 1 << i for i, rule in enumerate(RULES)}

# One RO and all its rules need, shaped as the nightly pass's rows (`nightly.facts_from`),
# then the quiet rules' bits and the store's settings. Hand-written for PostgreSQL: the
# ORM's spelling (`_row_orm`, the same answer) joins the store too and asks a subquery per
# rule, and planning it took 2.4–15 ms against 0.8 ms for this one (EXPLAIN SUMMARY, warm
# connection, load 16) — the planning, not the reading, was most of an RO's time.
ONE_RO_SQL = f"""
SELECT ro.id, ro.dealership_id, ro.vehicle_id, ro.customer_id, ro.opened_at, ro.labor,
  ro.parts, ro.mileage_in, v.mileage, v.model, v.year, f.value, f.vehicle_class,
  f.downtime_cost_per_day, f.lease_ends_on, f.warranty_ends_on, fl.id,
  fl.downtime_cost_per_day,
  (SELECT count(*) FROM service_repairorder r WHERE r.dealership_id = ro.dealership_id
     AND r.vehicle_id = ro.vehicle_id AND r.opened_at <= ro.opened_at
     AND r.opened_at > ro.opened_at - s.repeat_days * interval '1 day'),
  (SELECT sum(r.days_down) FROM service_repairorder r WHERE r.dealership_id = ro.dealership_id
     AND r.vehicle_id = ro.vehicle_id AND r.opened_at <= ro.opened_at
     AND r.opened_at >= date_trunc('year', ro.opened_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
  (SELECT sum(DISTINCT CASE o.rule {" ".join(f"WHEN '{r}' THEN {b}" for r, b in QUIET_BIT.items())}
     ELSE 0 END)
     FROM service_opportunity o JOIN service_repairorder e ON e.id = o.repair_order_id
     WHERE o.dealership_id = ro.dealership_id AND o.vehicle_id = ro.vehicle_id
       AND o.repair_order_id <> ro.id
       AND e.opened_at BETWEEN ro.opened_at - interval '{QUIET_DAYS} days' AND ro.opened_at),
  s.id, {", ".join(f"s.{f}" for f in SETTINGS_FIELDS)}
FROM service_repairorder ro
JOIN customers_vehicle v ON v.id = ro.vehicle_id
LEFT JOIN service_vehiclefacts f ON f.vehicle_id = ro.vehicle_id
LEFT JOIN service_fleet fl ON fl.customer_id = ro.customer_id
LEFT JOIN service_servicesettings s ON s.dealership_id = ro.dealership_id
WHERE ro.id = %s
"""  # nosec B608 # built from this module's constants only; the RO's id is a parameter


def _row_orm(ro_pk: int):
    """`ONE_RO_SQL`'s row through the ORM (SQLite, and the check of the SQL on PostgreSQL)."""
    opened = OuterRef("opened_at")
    same = RepairOrder.objects.filter(
        dealership_id=OuterRef("dealership_id"),
        vehicle_id=OuterRef("vehicle_id"),
        opened_at__lte=opened,
    ).order_by()
    since = DaysBefore(opened, OuterRef("dealership__service_settings__repeat_days"))
    window = same.filter(opened_at__gt=since).values("vehicle_id")
    start = TruncYear(ExpressionWrapper(opened, output_field=DateTimeField()), tzinfo=UTC)
    year = same.filter(opened_at__gte=start).values("vehicle_id")
    raised = (
        Opportunity.objects.filter(
            dealership_id=OuterRef("dealership_id"),
            vehicle_id=OuterRef("vehicle_id"),
            repair_order__opened_at__gte=opened - timedelta(days=QUIET_DAYS),
            repair_order__opened_at__lte=opened,
        )
        .exclude(repair_order_id=OuterRef("pk"))
        .order_by()
        .values("vehicle_id")
    )
    bits = Case(*(When(rule=r, then=Value(b)) for r, b in QUIET_BIT.items()), default=Value(0))
    return (
        RepairOrder.objects.filter(pk=ro_pk)
        .order_by()
        .annotate(
            visits=Subquery(window.annotate(n=Count("pk")).values("n")),
            down=Subquery(year.annotate(n=Sum("days_down")).values("n")),
            quiet=Subquery(raised.annotate(n=Sum(bits, distinct=True)).values("n")),
        )
        .values_list(
            *nightly.RO_FACTS,
            "visits",
            "down",
            "quiet",
            "dealership__service_settings__id",
            *(f"dealership__service_settings__{f}" for f in SETTINGS_FIELDS),
        )
        .first()
    )


def _row(ro_pk: int):
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(ONE_RO_SQL, [ro_pk])
            return cur.fetchone()
    return _row_orm(ro_pk)


@dataclass
class Evaluated:
    """The RO as its rules saw it (what the after-save job needs to write)."""

    pk: int
    dealership_id: int
    vehicle_id: int
    customer_id: int
    opened_at: object
    rules: ServiceSettings


def evaluate_repair_order(ro_pk: int) -> tuple[Evaluated, list]:
    """What the RO's rules find, less the rules quiet about its vehicle. One query (two
    the first time a store's rules run: its settings are made then)."""
    row = _row(ro_pk)
    if row is None:
        raise RepairOrder.DoesNotExist(f"No RO {ro_pk}")
    if row[21] is None:
        ServiceSettings.objects.get_or_create(dealership_id=row[1])
        row = _row(ro_pk)
    rules = ServiceSettings(
        id=row[21], dealership_id=row[1], **dict(zip(SETTINGS_FIELDS, row[22:], strict=True))
    )
    quiet = row[20] or 0
    found = evaluate(nightly.facts_from(row, rules), Thresholds.of(rules))
    ro = Evaluated(row[0], row[1], row[2], row[3], row[4], rules)
    return ro, [f for f in found if not quiet & QUIET_BIT[f.rule]]


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


def _recent(ro: Evaluated, now) -> bool:
    return ro.opened_at >= now - timedelta(days=ro.rules.refer_within_days)


def _refer_each(opportunities, *, notify=True) -> int:
    sent = 0
    for opp in opportunities:
        with transaction.atomic():
            routing.refer(opp, notify=notify)
        sent += 1
    return sent
