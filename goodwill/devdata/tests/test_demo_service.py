"""The demo's service history: the Ford store's upfitted fleet, retail customers with ROs,
every rule's opportunities in every stage, salespeople booking prospects into service."""

import pytest

from goodwill.dealerships.models import Dealership
from goodwill.service import reports
from goodwill.service.models import Fleet, Opportunity, RepairOrder, ServiceVisit

pytestmark = pytest.mark.django_db


def _stages(store, rule):
    return {
        o.stage
        for o in Opportunity.objects.filter(dealership=store, rule=rule).select_related("referral")
    }


def test_the_ford_store_has_service_history_and_every_rule_in_every_stage(demo):
    assert "service:" in demo.output
    ford = Dealership.objects.get(slug="ford")
    fleet = Fleet.objects.get(dealership=ford, customer__company_name="Hill Country Plumbing LLC")
    models = set(fleet.customer.vehicles.values_list("model", flat=True))
    assert {"F-550 Box Truck", "Transit 350 Upfit", "F-350 Service Body"} <= models
    assert RepairOrder.objects.filter(dealership=ford, customer__kind="person").count() >= 50
    for rule in ("estimate", "age", "repeat", "downtime", "term"):
        assert _stages(ford, rule) == set(Opportunity.Stage.values), rule
    assert Opportunity.objects.filter(dealership=ford, rule="manual").exists()
    assert ServiceVisit.objects.filter(dealership=ford, origin="sales").exists()
    figures = reports.both_ways(ford, "365")
    assert figures["totals"]["won"] > 0 and figures["sales_service"]["ros"] > 0
    assert figures["downtime"], "fleet downtime by month"
