"""The nightly pass over years of simulated service history: the set-based SQL raises
exactly what the streamed pass raises, from scratch and from a half-raised state, and one
RO's rules read everything they need in one query."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from goodwill.devdata.simulate import simulate
from goodwill.devdata.simulate_service import simulate_service
from goodwill.service import actions, nightly, runner
from goodwill.service.models import Opportunity, RepairOrder, VehicleFacts
from goodwill.service.rules import Thresholds

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based SQL is PostgreSQL's"
)
FIELDS = ("dealership_id", "rule", "repair_order_id", "customer_id", "vehicle_id", "reason")


@pytest.fixture
def history():
    """Two stores, 1,500 ROs over three years, with what the plain simulation lacks: store
    values, a fleet's own cost, a store-set class, two visits at the same instant."""
    simulate(dealerships=2, customers=250, seed=5)
    simulate_service(repair_orders=1500, seed=5)
    ros = list(RepairOrder.objects.select_related("vehicle").order_by("id")[:400])
    for i, ro in enumerate(ros[:60]):
        facts = actions.facts_of(ro.vehicle)
        facts.value = Decimal(900 + 150 * i) if i % 3 else None
        facts.vehicle_class = "heavy" if i % 4 == 0 else facts.vehicle_class
        facts.warranty_ends_on = (ro.opened_at + timedelta(days=i)).date()
        facts.save()
    fleet_ro = RepairOrder.objects.filter(customer__fleet__isnull=False).first()
    fleet_ro.customer.fleet.downtime_cost_per_day = 900
    fleet_ro.customer.fleet.save()
    twin = ros[100]
    RepairOrder.objects.filter(pk=ros[101].pk).update(
        vehicle=twin.vehicle, customer=twin.customer, opened_at=twin.opened_at
    )
    assert VehicleFacts.objects.filter(value__isnull=False).exists()


def raised() -> dict:
    return {
        (o.repair_order_id, o.rule): (*(getattr(o, f) for f in FIELDS), o.numbers)
        for o in Opportunity.objects.all()
    }


def run(set_based: bool, monkeypatch) -> dict:
    monkeypatch.setattr(nightly, "set_based", lambda: set_based)
    return runner.run_all(refer=False)


@on_postgresql
def test_the_set_based_pass_raises_exactly_what_the_streamed_pass_raises(history, monkeypatch):
    first = run(True, monkeypatch)
    by_sql = raised()
    assert first["created"] == len(by_sql) > 300
    assert {rule for _, rule in by_sql} == {"estimate", "age", "repeat", "downtime", "term"}
    assert run(True, monkeypatch)["created"] == 0

    Opportunity.objects.all().delete()
    streamed = run(False, monkeypatch)
    assert streamed["created"] == len(by_sql)
    # The set-based pass counts the quiet rows of its exact rules without wording them.
    assert streamed["found"] == first["found"] > first["created"]
    assert raised() == by_sql
    assert run(False, monkeypatch)["created"] == 0


@on_postgresql
def test_from_a_half_raised_state_both_passes_agree_on_what_is_new(history, monkeypatch):
    run(True, monkeypatch)
    kept = list(Opportunity.objects.order_by("id"))[::3]  # the quiet periods now have holes
    answers = []
    for set_based in (True, False):
        Opportunity.objects.all().delete()
        Opportunity.objects.bulk_create(
            [
                Opportunity(
                    **{f: getattr(o, f) for f in FIELDS}, numbers=o.numbers, created_at=o.created_at
                )
                for o in kept
            ]
        )
        counts = run(set_based, monkeypatch)
        answers.append((counts["created"], raised()))
    assert answers[0] == answers[1]
    assert answers[0][0] > 0


@on_postgresql
def test_one_ros_sql_row_is_its_orm_spelling(history, monkeypatch):
    run(True, monkeypatch)
    every_other = list(Opportunity.objects.order_by("id").values_list("pk", flat=True))[::2]
    Opportunity.objects.filter(pk__in=every_other).delete()
    for pk in RepairOrder.objects.order_by("id").values_list("pk", flat=True)[::7]:
        assert runner._row(pk) == runner._row_orm(pk)


def test_one_ros_rules_read_everything_in_one_query(
    customer, old_truck, sam, open_ro, django_assert_num_queries
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(2875), parts=Decimal(3410))
    with django_assert_num_queries(1):
        evaluated, found = runner.evaluate_repair_order(ro.pk)
    assert evaluated.pk == ro.pk
    assert [f.rule for f in found] == ["estimate"]  # the job skips it: already raised
    second = open_ro(customer, old_truck, sam, labor=Decimal(9000), run_rules=False)
    with django_assert_num_queries(1):
        assert runner.evaluate_repair_order(second.pk)[1] == []  # quiet: raised 0 days ago


def test_a_batch_skips_what_an_ros_own_job_raised_meanwhile(customer, old_truck, sam, open_ro):
    """The pass inserts plainly; a pair the RO's own job raised since the pass read is
    skipped (the batch runs again skipping conflicts), the job's row kept as it was."""
    ro = open_ro(customer, old_truck, sam, labor=Decimal(2875), parts=Decimal(3410))
    by_job = Opportunity.objects.get(repair_order=ro)
    batch = [
        (ro.dealership_id, rule, ro.pk, ro.customer_id, ro.vehicle_id, f"{rule} by the pass", {})
        for rule in (by_job.rule, "repeat")
    ]
    assert nightly._insert(batch, timezone.now()) == 1
    assert set(Opportunity.objects.filter(repair_order=ro).values_list("rule", "reason")) == {
        (by_job.rule, by_job.reason),
        ("repeat", "repeat by the pass"),
    }
    assert Opportunity.objects.count() == 2  # the transaction goes on after the conflict


def test_the_passs_public_ids_are_distinct_version_4_uuids():
    ids = nightly.public_ids(5000)
    parsed = [uuid.UUID(hex=h) for h in ids]
    assert len(set(parsed)) == 5000
    assert {(u.version, u.variant) for u in parsed} == {(4, uuid.RFC_4122)}
    assert [u.hex for u in parsed] == ids


@on_postgresql
def test_a_candidate_row_of_a_rule_exact_in_sql_always_hits(history):
    """`EXACT_IN_SQL`: the pass counts such a row as found without running its rule (inside
    the quiet period of what it raised). The SQL's test must then be the rule's own."""
    stores = sorted(set(RepairOrder.objects.values_list("dealership_id", flat=True)))
    rules = nightly.settings_of(stores)
    rows = list(nightly._candidates(stores, rules))
    by_rule = {rule: 0 for rule in nightly.RULE_OF}
    for row in rows:
        rule, store_id = row[-1], row[1]
        hit = nightly.RULE_OF[rule](
            nightly.facts_from(row, rules[store_id]), Thresholds.of(rules[store_id])
        )
        if rule in nightly.EXACT_IN_SQL:
            assert hit is not None, row
        by_rule[rule] += 1
    assert all(by_rule[rule] > 10 for rule in nightly.EXACT_IN_SQL), by_rule
