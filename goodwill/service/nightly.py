"""The nightly pass: every RO of every store through every rule, raising only what is new.

Two readers hand the same rows to one writer:

- On PostgreSQL, `CANDIDATES_SQL` finds in one statement, over all the stores at once, the
  (RO, rule) pairs a rule may raise: the visit window and the year's days down are window
  functions over one sort of the ROs, each rule's condition is a SQL test (the estimate's a
  superset, one point of share wide, so rounding can never hide one), and pairs already
  raised or inside the quiet period of an earlier opportunity are dropped by anti-joins.
  Python sees only what may be new — every row on the first night, none on the nights after.
- Elsewhere (SQLite: tests, a laptop's demo), `_stream` reads each store's ROs in
  (vehicle, opened) order and keeps the window and the year's sum as it goes: the reference
  the SQL is checked against (`tests/test_nightly.py`).

Either way `rules.py` decides: the writer builds each RO's `Facts` and calls the rule
functions named by the rows, so the words and numbers are the rules' own; it then applies
the quiet period to what this run raises and inserts in bulk: one COPY straight into the
table a batch, its foreign keys checked at the batch's end; a batch that meets a pair an
RO's own job raised meanwhile goes again skipping conflicts, so a run beside the job never
fails on the unique key.

Measured with `bench/bench_service.py` over 1,000,000 ROs (docs/closing-notes/issue-13.md):
the streamed pass read every row into Python every night; the set-based one ships ~686,000
candidate rows on the first night and none on a steady one. Steady night: 25.7 s at load
17, 9.7 s of CPU (was 139.9 s at load 14). First night, raising 511,527 opportunities:
46.3 s of CPU, 177.1 s wall at load 21 (was 51.1 s of CPU with the scratch table, twelve
indexes and the keys checked at commit; 510.9 s wall streamed) — about 12 s of it
PostgreSQL checking the four foreign keys of half a million rows. With the ROs read by an
index-only scan and the quiet rows of the exact rules left unworded: 44.7 s of CPU, 124.3 s
wall at load 12.7 on that history (mileage drawn per RO), and 18.1 s of CPU, 48.3 s wall at
load 12.4 for the 176,440 opportunities of a history whose mileage follows each vehicle's
odometer (the simulator's since)."""

import json
import os
from bisect import bisect_left
from collections import defaultdict, deque
from datetime import timedelta
from decimal import Decimal

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from goodwill.core import storewall
from goodwill.customers.models import Vehicle
from goodwill.dealerships.models import Dealership
from goodwill.service import routing
from goodwill.service.models import Opportunity, RepairOrder, ServiceSettings
from goodwill.service.rules import (
    QUIET_DAYS,
    Facts,
    Thresholds,
    age_rule,
    downtime_rule,
    estimate_rule,
    repeat_rule,
    term_rule,
)
from goodwill.service.valuation import NEW_PRICE, body_of, vehicle_class_of

# What the rules read of a repair order, its vehicle and its fleet, in this order: the
# nightly pass and the streamed reader in `runner` both unpack rows of it.
RO_FACTS = (
    "pk",
    "dealership_id",
    "vehicle_id",
    "customer_id",
    "opened_at",
    "labor",
    "parts",
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

R = Opportunity.Rule
RULE_OF = {
    R.ESTIMATE: estimate_rule,
    R.AGE_MILEAGE: age_rule,
    R.REPEAT: repeat_rule,
    R.DOWNTIME: downtime_rule,
    R.TERM_ENDING: term_rule,
}
BATCH = 5000
QUIET = timedelta(days=QUIET_DAYS)

# One row per (RO, rule) a rule may raise, in (store, vehicle, opened, RO) order, the RO's
# columns then the visit count, the year's days down and the rule. Parameters: the stores
# and their thresholds as parallel arrays, the models' new prices and classes (from
# `valuation`, so SQL never re-spells the model words), the visit window, the quiet period.
#
# - visits = ROs of the vehicle up to this one (in (opened, id) order) minus those opened
#   at or before `opened - window`: exactly the streamed deque's length.
# - down = the year's running sum in the same order (UTC year, as the rules see it).
# - the rules' tests make an array of the rules that hit, unnested into one row each (a
#   LATERAL VALUES list cost 2.3 s more over 50,000 ROs: 45 µs an RO).
# - the estimate's value repeats `valuation.estimate` in float8 (numeric's power() cost
#   50 µs an RO: 2.5 of the 3.9 s over 50,000 ROs); the test keeps a point of share to
#   spare, the rule in Python has the last word. A model not in the list (a vehicle of
#   another store) counts at the lowest new price and the highest class cost: the tests
#   stay supersets.
# - the ROs come in window order from the index `service_ro_vehicle_visits` (store,
#   vehicle, opened, id, with the columns read here included): an index-only scan, where
#   a sequential scan had to sort the million rows first (EXPLAIN in the closing note).
# - `c` is computed once per RO (`OFFSET 0` keeps it from being inlined into `p`, where
#   each use of `age` re-ran its `extract`), the year once in `w` (`date_part`, a float,
#   not `extract`'s numeric), and `0.08` is a float8 (a numeric product converted back to
#   float8 through text a row before): PostgreSQL's CPU for the query over 1,000,000 ROs
#   from 7.1-7.8 to 6.3-6.6 s with the index, same rows (load 10-15).
CANDIDATES_SQL = """
WITH s AS (
  SELECT * FROM unnest(
    %(stores)s::bigint[], %(share)s::int[], %(age)s::int[], %(miles)s::int[],
    %(visits)s::int[], %(cost)s::int[], %(term)s::int[],
    %(car)s::int[], %(light)s::int[], %(heavy)s::int[]
  ) AS s(store, share, age, miles, visits, cost, term, car, light, heavy)
),
m AS (
  SELECT * FROM unnest(%(models)s::text[], %(prices)s::int[], %(classes)s::text[])
    AS m(model, price, klass)
),
w AS (
  SELECT ro.id, ro.dealership_id, ro.vehicle_id, ro.customer_id, ro.opened_at, ro.labor,
         ro.parts, ro.mileage_in, date_part('year', ro.opened_at AT TIME ZONE 'UTC')::int AS yr,
         row_number() OVER seq - count(*) OVER (
           PARTITION BY ro.dealership_id, ro.vehicle_id ORDER BY ro.opened_at
           RANGE BETWEEN UNBOUNDED PRECEDING AND %(window)s::interval PRECEDING
         ) AS visits,
         sum(ro.days_down) OVER (
           PARTITION BY ro.dealership_id, ro.vehicle_id,
                        date_part('year', ro.opened_at AT TIME ZONE 'UTC')::int
           ORDER BY ro.opened_at, ro.id ROWS UNBOUNDED PRECEDING
         ) AS down
  FROM service_repairorder ro
  WHERE ro.dealership_id = ANY(%(stores)s::bigint[])
  WINDOW seq AS (PARTITION BY ro.dealership_id, ro.vehicle_id ORDER BY ro.opened_at, ro.id)
),
c AS (
  SELECT w.*, v.mileage AS v_miles, v.model, v.year, f.value, f.vehicle_class,
         f.downtime_cost_per_day AS v_cost, f.lease_ends_on, f.warranty_ends_on,
         fl.id AS fleet_id, fl.downtime_cost_per_day AS fleet_cost,
         (w.opened_at AT TIME ZONE 'UTC')::date AS opened_on,
         coalesce(nullif(w.mileage_in, 0), v.mileage, 0) AS mileage,
         CASE WHEN coalesce(v.year, 0) <> 0 THEN greatest(0, w.yr - v.year) ELSE 8 END AS age,
         (w.labor + w.parts)::float8 AS est,
         s.share, s.age AS age_limit, s.miles AS miles_limit, s.visits AS visits_limit,
         s.cost AS cost_limit, s.term AS term_limit,
         coalesce(nullif(f.downtime_cost_per_day, 0), nullif(fl.downtime_cost_per_day, 0),
           CASE coalesce(nullif(f.vehicle_class, ''), m.klass)
             WHEN 'heavy' THEN s.heavy WHEN 'light' THEN s.light WHEN 'car' THEN s.car
             ELSE greatest(s.car, s.light, s.heavy) END
         ) AS cost_per_day,
         coalesce(m.price, %(lowest_price)s) AS price
  FROM w
  JOIN s ON s.store = w.dealership_id
  JOIN customers_vehicle v ON v.id = w.vehicle_id
  LEFT JOIN m ON m.model = v.model
  LEFT JOIN service_vehiclefacts f ON f.vehicle_id = w.vehicle_id
  LEFT JOIN service_fleet fl ON fl.customer_id = w.customer_id
  OFFSET 0
),
p AS (
  SELECT c.*, unnest(array_remove(ARRAY[
    CASE WHEN c.est > 0 AND c.est * 100 >= (c.share - 1) * (
      CASE WHEN coalesce(c.value, 0) <> 0 THEN c.value::float8 ELSE greatest(500,
        c.price * 0.85::float8 ^ c.age
        - 0.08::float8 * greatest(0, c.mileage - 12000 * greatest(1, c.age)))
      END) THEN 'estimate' END,
    CASE WHEN (coalesce(c.year, 0) <> 0 AND c.age > c.age_limit)
      OR c.mileage > c.miles_limit THEN 'age' END,
    CASE WHEN c.visits >= c.visits_limit THEN 'repeat' END,
    CASE WHEN c.fleet_id IS NOT NULL AND c.cost_per_day <> 0
      AND c.down * c.cost_per_day > c.cost_limit THEN 'downtime' END,
    CASE WHEN c.lease_ends_on - c.opened_on BETWEEN 0 AND c.term_limit
      OR c.warranty_ends_on - c.opened_on BETWEEN 0 AND c.term_limit THEN 'term' END
  ], NULL)) AS rule
  FROM c
)
SELECT p.id, p.dealership_id, p.vehicle_id, p.customer_id, p.opened_at, p.labor, p.parts,
       p.mileage_in, p.v_miles, p.model, p.year, p.value, p.vehicle_class, p.v_cost,
       p.lease_ends_on, p.warranty_ends_on, p.fleet_id, p.fleet_cost, p.visits, p.down,
       p.rule
FROM p
WHERE NOT EXISTS (
    SELECT 1 FROM service_opportunity o
    WHERE o.repair_order_id = p.id AND o.rule = p.rule
  )
  AND NOT EXISTS (
    SELECT 1 FROM service_opportunity o
    JOIN service_repairorder e ON e.id = o.repair_order_id
    WHERE o.dealership_id = p.dealership_id AND o.vehicle_id = p.vehicle_id
      AND o.rule = p.rule
      AND e.opened_at BETWEEN p.opened_at - %(quiet)s::interval AND p.opened_at
  )
ORDER BY p.dealership_id, p.vehicle_id, p.opened_at, p.id
"""

# The rules whose test in `CANDIDATES_SQL` is the rule's own condition, not a superset: a row
# of theirs always hits. (The estimate's test is a point of share wide; the downtime's counts
# an unknown class at the dearest class's cost.) `tests/test_nightly.py` checks the claim.
EXACT_IN_SQL = frozenset({R.AGE_MILEAGE, R.REPEAT, R.TERM_ENDING})

# A batch goes in with one COPY straight into the table, under a savepoint. Only if an RO's
# own job raised one of its pairs since the pass read them does the batch go again through a
# scratch table and `INSERT … ON CONFLICT DO NOTHING` (`_insert`). Over 511,525 rows (load 11)
# the scratch table cost ~2 s of CPU and ON CONFLICT's speculative insertion 2 s more; an
# `INSERT … SELECT FROM unnest(arrays)` instead cost 10 s more here, dumping the arrays.
COLUMNS = (
    "public_id, dealership_id, rule, repair_order_id, customer_id, vehicle_id, reason, numbers,"
    " dismiss_reason, created_at"
)
COPY_SQL = f"COPY service_opportunity ({COLUMNS}) FROM STDIN"
SCRATCH_SQL = """
CREATE TEMP TABLE IF NOT EXISTS service_new_opportunity (
  public_id uuid, dealership_id bigint, rule varchar(8), repair_order_id bigint,
  customer_id bigint, vehicle_id bigint, reason varchar(400), numbers jsonb,
  dismiss_reason varchar(300), created_at timestamptz
) ON COMMIT DROP
"""
SCRATCH_COPY_SQL = f"COPY service_new_opportunity ({COLUMNS}) FROM STDIN"
SCRATCH_INSERT_SQL = f"""
INSERT INTO service_opportunity ({COLUMNS}) SELECT {COLUMNS} FROM service_new_opportunity
ON CONFLICT DO NOTHING
"""  # nosec B608 # COLUMNS is the constant column list above; no value is spliced in
# The table's foreign keys are checked at the end of each batch's statement rather than all
# at commit: the deferred queue of two million checks cost 2 s more CPU (load 11-13).
OWN_FOREIGN_KEYS_SQL = """
SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint
WHERE conrelid = 'service_opportunity'::regclass AND contype = 'f' AND condeferrable
"""


def settings_of(store_ids) -> dict[int, ServiceSettings]:
    """Each store's settings, made with their defaults for a store that has none yet."""
    have = {s.dealership_id: s for s in ServiceSettings.objects.filter(dealership_id__in=store_ids)}
    for store_id in store_ids:
        if store_id not in have:
            have[store_id], _ = ServiceSettings.objects.get_or_create(dealership_id=store_id)
    return have


def cost_per_day(facts_cost, fleet_cost, vehicle_class, model, rules: ServiceSettings) -> int:
    """The vehicle's own cost, else its fleet's, else the store's default for its class
    (the class the store set, else the one its model name suggests)."""
    return (
        facts_cost or fleet_cost or rules.downtime_default(vehicle_class or vehicle_class_of(model))
    )


def run_stores(store_ids, *, refer: bool = True, notify: bool = True, now=None) -> dict:
    """The stores' ROs through every rule in one transaction; returns counts: ROs read,
    findings not raised before, opportunities created, sent to sales."""
    now = now or timezone.now()
    store_ids = list(store_ids)
    counts = {"repair_orders": 0, "found": 0, "created": 0, "referred": 0}
    if not store_ids:
        return counts
    with transaction.atomic():
        rules = settings_of(store_ids)
        counts["repair_orders"] = RepairOrder.objects.filter(dealership_id__in=store_ids).count()
        if set_based():
            rows, exact = _candidates(store_ids, rules), EXACT_IN_SQL
        else:
            rows = (row for store_id in store_ids for row in _stream(store_id, rules[store_id]))
            exact = frozenset()
        recent_new = _raise(rows, rules, now, counts, exact)
        if refer and recent_new:
            counts["referred"] = _refer(recent_new, notify=notify)
    return counts


# --- readers ----------------------------------------------------------------------------


def set_based() -> bool:
    """The SQL reader needs PostgreSQL's window frames over timestamps."""
    return connection.vendor == "postgresql"


def _candidates(store_ids, rules: dict[int, ServiceSettings]):
    """The SQL reader: stores grouped by their visit window (a window frame's offset is one
    constant per statement), each group in one statement, streamed."""
    by_window = defaultdict(list)
    for store_id in store_ids:
        by_window[rules[store_id].repeat_days].append(store_id)
    models = list(
        Vehicle.objects.filter(dealership_id__in=store_ids)
        .order_by()
        .values_list("model", flat=True)
        .distinct()
    )
    with connection.cursor() as cur:
        # The window sort of a million ROs fits in memory instead of spilling to disk.
        cur.execute("SET LOCAL work_mem = '256MB'")
        # A cursor is planned for its first rows (10 % by default); that plan (merge
        # anti-joins under an incremental sort) took over a minute a FETCH while the pass
        # inserted, over 1,000,000 ROs. The whole answer is read: plan for all of it.
        cur.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    for days, group in sorted(by_window.items()):
        params = _params(group, rules, models, days)
        with connection.chunked_cursor() as cur:
            cur.execute(CANDIDATES_SQL, params)
            while chunk := cur.fetchmany(BATCH):
                yield from chunk


def _params(group, rules, models, days) -> dict:
    s = [rules[i] for i in group]
    return {
        "stores": group,
        "share": [r.estimate_share for r in s],
        "age": [r.age_years for r in s],
        "miles": [r.mileage for r in s],
        "visits": [r.repeat_visits for r in s],
        "cost": [r.downtime_cost for r in s],
        "term": [r.term_ending_days for r in s],
        "car": [r.downtime_car for r in s],
        "light": [r.downtime_light for r in s],
        "heavy": [r.downtime_heavy for r in s],
        "models": models,
        "prices": [NEW_PRICE[body_of(m)] for m in models],
        "classes": [vehicle_class_of(m) for m in models],
        "lowest_price": min(NEW_PRICE.values()),
        "window": timedelta(days=days),
        "quiet": QUIET,
    }


def _stream(store_id: int, rules: ServiceSettings):
    """The portable reader: every RO of the store with the rules not yet raised on it nor
    quiet because of an earlier opportunity, rows shaped as `CANDIDATES_SQL`'s."""
    window_days = timedelta(days=rules.repeat_days)
    done = set(
        Opportunity.objects.filter(dealership_id=store_id).values_list("repair_order_id", "rule")
    )
    raised: dict[tuple[int, str], list] = defaultdict(list)
    for vehicle_id, rule, opened in Opportunity.objects.filter(dealership_id=store_id).values_list(
        "vehicle_id", "rule", "repair_order__opened_at"
    ):
        raised[(vehicle_id, rule)].append(opened)
    for dates in raised.values():
        dates.sort()
    rows = (
        RepairOrder.objects.filter(dealership_id=store_id)
        .order_by("vehicle_id", "opened_at", "id")
        .values_list(
            *RO_FACTS,
            "days_down",
        )
    )
    vehicle, visits, year, down = None, deque(), None, 0
    for *row, days_down in rows.iterator(chunk_size=BATCH):
        pk, vehicle_id, opened = row[0], row[2], row[4]
        if vehicle_id != vehicle:
            vehicle, visits, year, down = vehicle_id, deque(), opened.year, 0
        if opened.year != year:
            year, down = opened.year, 0
        visits.append(opened)
        while visits[0] <= opened - window_days:
            visits.popleft()
        down += days_down
        for rule in RULE_OF:
            if (pk, rule) in done or _within(raised.get((vehicle_id, rule)), opened):
                continue
            yield (*row, len(visits), down, rule)


def _within(dates, opened) -> bool:
    """Is a date of the sorted `dates` within the quiet period up to `opened`?"""
    if not dates:
        return False
    i = bisect_left(dates, opened - QUIET)
    return i < len(dates) and dates[i] <= opened


# --- the writer -------------------------------------------------------------------------


def facts_from(row, rules: ServiceSettings) -> Facts:
    """An RO's facts from a row shaped as `CANDIDATES_SQL`'s (the one-RO query's too)."""
    (
        _pk,
        _store_id,
        _vehicle_id,
        _customer_id,
        opened,
        labor,
        parts,
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
        visits,
        down,
    ) = row[:20]
    return Facts(
        opened_on=opened.date(),
        estimate=(labor or Decimal(0)) + (parts or Decimal(0)),
        mileage=mileage_in or v_miles,
        model=model,
        year=year_made,
        store_value=value,
        is_fleet=fleet_id is not None,
        cost_per_day=cost_per_day(v_cost, fleet_cost, v_class, model, rules),
        lease_ends_on=lease,
        warranty_ends_on=warranty,
        visits_in_window=visits or 0,
        days_down_this_year=down or 0,
    )


def _raise(
    rows, rules: dict[int, ServiceSettings], now, counts, exact=frozenset()
) -> list[tuple[int, str]]:
    """Run each row's rule on its RO's facts, keep the quiet period among what this run
    raises (rows come in (store, vehicle, opened) order), insert in batches. Returns the
    (RO, rule) pairs created on ROs recent enough to send to sales.

    `exact`: the rules whose rows are known to hit (`EXACT_IN_SQL` for `CANDIDATES_SQL`'s
    rows). A row of one of them inside the quiet period of what this run raised is counted
    and skipped without wording its reason: 174,046 of the 685,486 findings of the
    million-RO first pass, whose words were made to be thrown away."""
    thresholds = {store_id: Thresholds.of(s) for store_id, s in rules.items()}
    recent_since = {
        store_id: now - timedelta(days=s.refer_within_days) for store_id, s in rules.items()
    }
    last_raised: dict[tuple[int, int, str], object] = {}
    pending: list[tuple] = []
    recent: list[tuple[int, str]] = []
    facts, facts_of = None, None
    for row in rows:
        pk, store_id, vehicle_id, customer_id, opened = row[:5]
        rule = row[-1]
        key = (store_id, vehicle_id, rule)
        last = last_raised.get(key)
        quiet = last is not None and last >= opened - QUIET
        if quiet and rule in exact:
            counts["found"] += 1  # the SQL's test is the rule's: it hits, and stays quiet
            continue
        if facts_of != pk:
            facts_of = pk
            facts = facts_from(row, rules[store_id])
        found = RULE_OF[rule](facts, thresholds[store_id])
        if found is None:
            continue
        counts["found"] += 1
        if quiet:
            continue
        last_raised[key] = opened
        pending.append(
            (store_id, rule, pk, customer_id, vehicle_id, found.reason[:400], found.numbers)
        )
        if opened >= recent_since[store_id]:
            recent.append((pk, rule))
        if len(pending) >= BATCH * 4:
            counts["created"] += _insert(pending, now)
    counts["created"] += _insert(pending, now)
    return recent


def _insert(pending: list[tuple], now) -> int:
    """Insert the batch, skipping what another run inserted meanwhile; returns how many."""
    if not pending:
        return 0
    if connection.vendor == "postgresql":
        rows = [
            (public_id, *row, json.dumps(numbers), "", now)
            for public_id, (*row, numbers) in zip(public_ids(len(pending)), pending, strict=True)
        ]
        with connection.cursor() as cur:
            cur.execute(OWN_FOREIGN_KEYS_SQL)
            own_keys = cur.fetchone()[0]
            if own_keys:
                cur.execute(f"SET CONSTRAINTS {own_keys} IMMEDIATE")
            if storewall.row_security_active("service_opportunity"):
                # PostgreSQL refuses COPY into a table under row-level security (the
                # application's role, core/storewall.py): the batch goes through the scratch
                # table, and the INSERT … SELECT is checked by the policy row by row.
                with transaction.atomic():
                    made = _insert_skipping_conflicts(cur, rows)
            else:
                try:
                    with transaction.atomic(), cur.cursor.copy(COPY_SQL) as copy:
                        for row in rows:
                            copy.write_row(row)
                    made = len(rows)
                except psycopg.IntegrityError:  # raised by the COPY itself, not Django's
                    made = _insert_skipping_conflicts(cur, rows)
            if own_keys:
                cur.execute(f"SET CONSTRAINTS {own_keys} DEFERRED")
    else:
        # bulk_create returns every object, skipped ones too: count the rows instead.
        before = Opportunity.objects.count()
        Opportunity.objects.bulk_create(
            [
                Opportunity(
                    dealership_id=store_id,
                    rule=rule,
                    repair_order_id=pk,
                    customer_id=customer_id,
                    vehicle_id=vehicle_id,
                    reason=reason,
                    numbers=numbers,
                    created_at=now,
                )
                for store_id, rule, pk, customer_id, vehicle_id, reason, numbers in pending
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        made = Opportunity.objects.count() - before
    pending.clear()
    return made


def public_ids(n: int) -> list[str]:
    """`n` random version-4 UUIDs in hex, from one read of the system's random source
    (`uuid4()` reads it once a call: 1.2 s of CPU over 511,525 rows, this 0.1 s)."""
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = bytes(b & 0x0F | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes(b & 0x3F | 0x80 for b in raw[8::16])  # RFC 4122 variant
    text = raw.hex()
    return [text[i : i + 32] for i in range(0, 32 * n, 32)]


def _insert_skipping_conflicts(cur, rows) -> int:
    cur.execute(SCRATCH_SQL)
    with cur.cursor.copy(SCRATCH_COPY_SQL) as copy:
        for row in rows:
            copy.write_row(row)
    cur.execute(SCRATCH_INSERT_SQL)
    made = cur.rowcount
    cur.execute("TRUNCATE service_new_opportunity")
    return made


def _refer(recent_new: list[tuple[int, str]], *, notify: bool) -> int:
    """Send the opportunities this run created on recent ROs to sales, one by one."""
    wanted = set(recent_new)
    fresh = Opportunity.objects.filter(
        referral__isnull=True,
        dismissed_at__isnull=True,
        repair_order_id__in={pk for pk, _ in recent_new},
    )
    sent = 0
    for opp in fresh:
        if (opp.repair_order_id, opp.rule) in wanted:
            with transaction.atomic():
                routing.refer(opp, notify=notify)
            sent += 1
    return sent


def run_all(*, refer: bool = True, notify: bool = True) -> dict:
    """The nightly pass over every store."""
    stores = list(Dealership.objects.order_by("id").values_list("pk", flat=True))
    totals = {"stores": len(stores)}
    totals.update(run_stores(stores, refer=refer, notify=notify))
    return totals
