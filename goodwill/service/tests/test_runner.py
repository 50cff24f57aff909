"""The rules after each RO save and nightly: idempotent, routed to sales on the referral
ledger, tuned by store settings whose changes land in the staff history."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from goodwill.conftest import make_customer, make_staff
from goodwill.customers.actions import add_vehicle
from goodwill.dealerships.models import StaffEvent
from goodwill.floor import actions as floor_actions
from goodwill.jobs.models import Job
from goodwill.referrals.models import Referral
from goodwill.service import actions, jobs, runner
from goodwill.service.models import Opportunity, ServiceSettings
from goodwill.service.tests.conftest import days_ago

pytestmark = pytest.mark.django_db


def test_an_ro_whose_estimate_passes_the_rule_raises_an_opportunity_sent_to_the_salesperson(
    customer, old_truck, sam, alice, open_ro
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(2875), parts=Decimal(3410))
    (opp,) = Opportunity.objects.filter(repair_order=ro)
    assert opp.rule == "estimate"
    assert opp.reason.startswith("$6,285 estimate on a vehicle worth about $")
    assert opp.referral.kind == Referral.Kind.INTERNAL
    assert opp.referral.to_user == alice  # the customer's salesperson
    assert opp.referral.sent_by == sam  # the advisor earns the referrer's credit
    assert opp.stage == "referred"


def test_saving_the_ro_again_or_the_nightly_pass_never_raises_it_twice(
    customer, old_truck, sam, open_ro, django_capture_on_commit_callbacks
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(6000))
    with django_capture_on_commit_callbacks(execute=True):
        actions.update_repair_order(ro, acting_user=sam, cause="Worn transmission")
    runner.run_all()
    runner.run_all()
    jobs.rules_after_save(ro_pk=ro.pk)
    assert Opportunity.objects.filter(repair_order=ro).count() == 1
    assert Referral.objects.count() == 1


def test_the_rules_run_as_a_background_job_of_the_store_queued_with_the_ro(
    customer, old_truck, sam, open_ro
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(2875), parts=Decimal(3410))
    (job,) = Job.objects.filter(kind="service.rules_after_save")
    assert (job.dealership, job.created_by, job.params) == (ro.dealership, sam, {"ro_pk": ro.pk})
    assert (job.status, job.result) == (Job.Status.DONE, {"created": 1})
    assert job.title == f"Service opportunities for RO {ro.number}"


def test_without_a_salesperson_the_next_one_up_in_the_rotation_gets_it(store_a, sam, alice):
    ben = make_staff(store_a, "ben", "sales")
    floor_actions.clock_in(ben)
    floor_actions.clock_in(alice)
    walk = make_customer(store_a, sam, first_name="Walt", phones={"mobile": "512-555-0171"})
    car = add_vehicle(walk, acting_user=sam, year=2011, make="Ford", model="Fusion")
    ro = actions.open_repair_order(walk, car, acting_user=sam, number="1", complaint="Noise")
    outcome = runner.run_for_repair_order(ro.pk)
    (opp,) = outcome.created
    opp.refresh_from_db()
    assert opp.referral.to_user == ben  # first in line
    walk.refresh_from_db()
    assert walk.salesperson == ben


def test_nobody_on_the_floor_sends_it_to_the_sales_department(store_a, sam):
    walk = make_customer(store_a, sam, first_name="Walt", phones={"mobile": "512-555-0171"})
    car = add_vehicle(walk, acting_user=sam, year=2011, make="Ford", model="Fusion")
    ro = actions.open_repair_order(walk, car, acting_user=sam, number="1", complaint="Noise")
    (opp,) = runner.run_for_repair_order(ro.pk).created
    opp.refresh_from_db()
    assert opp.referral.to_user is None and opp.referral.to_department == "sales"


def test_the_opportunity_is_never_sent_to_the_customer(customer, old_truck, sam, open_ro):
    mail.outbox.clear()
    open_ro(customer, old_truck, sam, labor=Decimal(9000))
    assert Opportunity.objects.count() == 1
    assert all(customer.primary_email not in m.to for m in mail.outbox)
    assert all("bob.k@example.com" not in m.to for m in mail.outbox)


def test_a_third_visit_in_ninety_days_raises_the_repeat_rule_once(customer, sam, alice, open_ro):
    car = add_vehicle(customer, acting_user=alice, year=2023, make="Ford", model="Escape")
    for n, ago in enumerate((80, 40, 10, 5)):
        open_ro(customer, car, sam, opened_at=days_ago(ago), number=f"R{n}")
    repeats = Opportunity.objects.filter(rule="repeat")
    assert repeats.count() == 1  # the 4th visit is in the rule's quiet period
    assert repeats.get().reason == "3rd visit in 90 days (limit 3 in 90)"
    runner.run_all()
    assert Opportunity.objects.filter(rule="repeat").count() == 1


def test_fleet_downtime_above_the_threshold_raises_with_the_money_lost(
    fleet_customer, sam, alice, open_ro
):
    truck = add_vehicle(
        fleet_customer, acting_user=alice, year=2021, make="Ford", model="F-550 Box Truck"
    )
    start = days_ago(30)
    open_ro(fleet_customer, truck, sam, opened_at=start, closed_at=days_ago(24), number="F1")
    assert not Opportunity.objects.filter(rule="downtime").exists()  # 6 days × $450 = $2,700
    open_ro(fleet_customer, truck, sam, opened_at=days_ago(20), closed_at=days_ago(14), number="F2")
    opp = Opportunity.objects.get(rule="downtime")
    assert opp.reason.startswith("Down 12 days in ")
    assert "× $450/day = $5,400 lost (limit $5,000)" in opp.reason


def test_an_old_imported_ro_raises_an_opportunity_that_waits_for_a_person(
    customer, old_truck, sam, open_ro
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(9000), opened_at=days_ago(200))
    opp = Opportunity.objects.get(repair_order=ro)
    assert opp.referral is None and opp.stage == "open"
    actions.refer(opp, acting_user=sam)
    opp.refresh_from_db()
    assert opp.stage == "referred"


def test_thresholds_are_store_settings_and_changes_are_in_the_staff_history(
    store_a, sue, sam, customer, old_truck, open_ro
):
    actions.update_settings(store_a, acting_user=sue, estimate_share=90)
    event = StaffEvent.objects.get(verb="service_settings_changed")
    assert event.changes == {"estimate_share": ["50", "90"]} and event.actor == sue
    open_ro(customer, old_truck, sam, labor=Decimal(6000))  # ~57 % of the value
    assert not Opportunity.objects.filter(rule="estimate").exists()
    with pytest.raises(PermissionDenied):
        actions.update_settings(store_a, acting_user=sam, estimate_share=10)
    assert ServiceSettings.objects.get(dealership=store_a).estimate_share == 90


def test_the_advisor_refers_by_hand_and_a_second_tap_does_not_duplicate(
    customer, old_truck, sam, alice, open_ro
):
    ro = open_ro(customer, old_truck, sam)
    opp = actions.refer_by_hand(ro, acting_user=sam, note="Asked about a new Bronco")
    again = actions.refer_by_hand(ro, acting_user=sam, note="Asked about a new Bronco")
    assert opp.pk == again.pk and opp.rule == "manual"
    assert opp.referral.to_user == alice
    assert "Asked about a new Bronco" in opp.referral.shared_note


def test_opportunities_for_a_user_are_theirs_only(customer, old_truck, sam, alice, mike, open_ro):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(9000))
    ben = make_staff(customer.dealership, "ben", "sales")
    assert list(Opportunity.objects.for_user(alice)) == list(ro.opportunities.all())
    assert list(Opportunity.objects.for_user(sam)) == list(ro.opportunities.all())
    assert not Opportunity.objects.for_user(ben).exists()
    assert Opportunity.objects.for_user(mike).count() == 1


def test_two_reasons_about_one_vehicle_reach_sales_as_one_referral(
    customer, old_truck, sam, open_ro
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(9000), mileage_in=151021)
    rules = set(Opportunity.objects.filter(repair_order=ro).values_list("rule", flat=True))
    assert rules == {"estimate", "age"}
    assert Referral.objects.count() == 1
    assert {o.referral_id for o in Opportunity.objects.all()} == {Referral.objects.get().pk}
