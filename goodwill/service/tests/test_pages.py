"""Service pages: the advisor's day, opening an RO, its opportunity with the reason, the
two-tap referral, fleets, the managers' report (drill-down, CSV) and the rules page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from goodwill.customers.actions import add_vehicle
from goodwill.service.models import Opportunity, RepairOrder
from goodwill.service.tests.conftest import days_ago

pytestmark = pytest.mark.django_db


def test_the_advisor_lands_on_todays_ros_promised_and_late(
    client_for, sam, customer, old_truck, open_ro
):
    open_ro(
        customer,
        old_truck,
        sam,
        number="71001",
        opened_at=timezone.now() - timedelta(minutes=30),
        promised_at=timezone.now() - timedelta(minutes=10),
    )
    page = client_for(sam).get("/service/")
    assert page.status_code == 200
    assert "Your day in service" in page.text and "RO 71001" in page.text
    assert "1 late: past their promised time." in page.text


def test_opening_an_ro_keeps_what_was_typed_on_an_error_and_saves_when_right(
    client_for, sam, customer, old_truck
):
    client = client_for(sam)
    url = f"/service/ros/new/?customer={customer.public_id}"
    form = {
        "customer": str(customer.public_id),
        "vehicle": str(old_truck.public_id),
        "number": "",
        "complaint": "Trans slipping when cold",
        "labor": "2875",
        "parts": "3410",
        "pay_type": "C",
    }
    bad = client.post(url, form)
    assert bad.status_code == 422 and "Trans slipping when cold" in bad.text
    assert not RepairOrder.objects.exists()
    response = client.post(url, form | {"number": "72062"}, follow=True)
    ro = RepairOrder.objects.get(number="72062")
    assert ro.advisor == sam and ro.total == Decimal("6285.00")
    assert response.status_code == 200 and "RO 72062" in response.text


def test_the_ro_page_shows_the_opportunity_reason_and_refers_in_two_taps(
    client_for, sam, alice, customer, old_truck, open_ro
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(6000))
    client = client_for(sam)
    page = client.get(f"/service/ros/{ro.public_id}/")
    assert "$6,000 estimate on a vehicle worth about $" in page.text
    assert "× 0.85^" in page.text  # the value's formula is on the screen
    other = open_ro(customer, old_truck, sam, number="2")
    response = client.post(
        f"/service/ros/{other.public_id}/refer/", {"note": "Asked about a Bronco"}
    )
    opp = Opportunity.objects.get(repair_order=other)
    assert response.status_code == 302 and opp.referral.to_user == alice


def test_the_opportunity_page_shows_consented_channels_and_the_contact_cap(
    client_for, sam, alice, customer, old_truck, open_ro
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(9000))
    opp = Opportunity.objects.get(repair_order=ro)
    page = client_for(alice).get(f"/service/opportunities/{opp.public_id}/")
    assert "the customer is never sent it" in page.text
    assert "no channel consented" in page.text
    assert "follow-up contacts used in the last 7 days" in page.text


def test_the_fleet_page_shows_days_down_money_lost_and_whats_in_the_shop(
    client_for, sam, alice, fleet_customer, open_ro
):
    truck = add_vehicle(fleet_customer, acting_user=alice, year=2019, model="F-550 Box Truck")
    open_ro(fleet_customer, truck, sam, opened_at=days_ago(10), closed_at=days_ago(7), number="1")
    open_ro(fleet_customer, truck, sam, opened_at=days_ago(1), number="2")
    fleet = fleet_customer.fleet
    page = client_for(sam).get(f"/service/fleets/{fleet.public_id}/")
    assert page.status_code == 200
    assert "In the shop: " in page.text
    assert "$450/day" in page.text


def test_the_report_is_for_managers_and_each_figure_downloads_as_csv(
    client_for, mike, alice, sam, customer, old_truck, open_ro
):
    open_ro(customer, old_truck, sam, labor=Decimal(9000))
    assert client_for(alice).get("/service/report/").status_code == 403
    client = client_for(mike)
    page = client.get("/service/report/?period=30")
    assert page.status_code == 200 and "Repair vs. value" in page.text
    drill = client.get("/service/report/?period=30&drill=rule&key=estimate")
    assert "The records behind it" in drill.text and customer.display_name in drill.text
    csv = client.get("/service/report/?period=30&csv=rule")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Repair vs. value,1,0 won" in csv.content.decode()


def test_the_rules_page_saves_thresholds_and_refuses_bad_ones(client_for, sue, alice):
    client = client_for(sue)
    page = client.get("/service/settings/")
    assert page.status_code == 200
    form = {
        "estimate_share": "60",
        "age_years": "10",
        "mileage": "120000",
        "repeat_visits": "3",
        "repeat_days": "90",
        "downtime_cost": "5000",
        "term_ending_days": "90",
        "refer_within_days": "30",
        "downtime_car": "150",
        "downtime_light": "250",
        "downtime_heavy": "450",
        "first_service_days": "120",
    }
    bad = client.post("/service/settings/", form | {"repeat_visits": "1"})
    assert bad.status_code == 422 and 'value="60"' in bad.text
    assert client.post("/service/settings/", form).status_code == 302
    assert client_for(alice).get("/service/settings/").status_code == 403


def test_a_salesperson_books_service_for_a_prospect_from_the_visit_page(
    client_for, alice, customer
):
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    response = client_for(alice).post(
        f"/service/visits/book/{customer.public_id}/", {"scheduled_for": when, "reason": "Brakes"}
    )
    assert response.status_code == 302
    assert customer.service_visits.get().origin == "sales"


def test_the_visits_page_finds_the_customer_to_book(client_for, alice, customer):
    page = client_for(alice).get("/service/visits/?q=Kowalski")
    assert f"/service/visits/book/{customer.public_id}/" in page.text
