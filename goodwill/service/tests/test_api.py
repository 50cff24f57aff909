"""Service resources in the API, checked against the OpenAPI document."""

from datetime import timedelta

import pytest
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.customers.actions import add_vehicle
from goodwill.service.models import Opportunity, RepairOrder, ServiceVisit

pytestmark = pytest.mark.django_db


def _ro_body(customer, vehicle, **kw):
    return {
        "customer_id": str(customer.public_id),
        "vehicle_id": str(vehicle.public_id),
        "number": "72062",
        "complaint": "Trans slipping when cold",
        "labor": "2875.00",
        "parts": "3410.00",
    } | kw


def test_creating_an_ro_is_idempotent_and_its_opportunity_has_reason_and_numbers(
    sam, customer, old_truck, django_capture_on_commit_callbacks
):
    api = ApiClient(sam)
    key = {"Idempotency-Key": "ro-72062"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/repair-orders", _ro_body(customer, old_truck), headers=key)
    again = api.post("/repair-orders", _ro_body(customer, old_truck), headers=key)
    assert first.status_code == 201 and again.json() == first.json()
    assert RepairOrder.objects.count() == 1
    (opp_id,) = first.json()["opportunity_ids"] or [Opportunity.objects.get().public_id]
    opp = api.get(f"/opportunities/{opp_id}").json()
    assert opp["rule"] == "estimate" and opp["stage"] == "referred"
    assert opp["reason"].startswith("$6,285 estimate on a vehicle worth about $")
    assert opp["numbers"]["threshold_pct"] == 50 and "value_formula" in opp["numbers"]
    listed = api.get("/opportunities?stage=referred").json()
    assert [o["id"] for o in listed["items"]] == [str(opp_id)]


def test_bad_ro_input_is_a_422_per_field_and_a_salesperson_cannot_open_one(
    sam, alice, customer, old_truck
):
    api = ApiClient(sam)
    response = api.post(
        "/repair-orders", _ro_body(customer, old_truck, closed_at="2020-01-01T00:00:00Z")
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "closed_at"]
    assert ApiClient(alice).post("/repair-orders", _ro_body(customer, old_truck)).status_code == 403


def test_closing_an_ro_through_the_api_counts_its_days_down(sam, customer, old_truck):
    api = ApiClient(sam)
    opened = (timezone.now() - timedelta(days=4)).isoformat()
    ro = api.post("/repair-orders", _ro_body(customer, old_truck, opened_at=opened)).json()
    closed = api.patch(f"/repair-orders/{ro['id']}", {"status": "closed"}).json()
    assert closed["status"] == "closed" and closed["days_down"] == 4


def test_fleets_specials_visits_and_settings(sue, alice, fleet_customer, customer, sam):
    truck = add_vehicle(fleet_customer, acting_user=sam, year=2019, model="F-550 Box Truck")
    ApiClient(sam).post("/repair-orders", _ro_body(fleet_customer, truck, number="1"))
    api = ApiClient(sue)
    (fleet,) = api.get("/fleets").json()["items"]
    detail = api.get(f"/fleets/{fleet['id']}").json()
    assert detail["vehicles"][0]["cost_per_day"] == 450
    assert detail["vehicles"][0]["in_shop_repair_order_id"]
    patched = api.patch(f"/fleets/{fleet['id']}", {"downtime_cost_per_day": 600}).json()
    assert patched["vehicles"][0]["cost_per_day"] == 600

    special = api.post(
        "/service-specials",
        {"title": "Brake check", "starts_on": timezone.localdate().isoformat(), "price": "49.00"},
        headers={"Idempotency-Key": "sp-1"},
    )
    assert special.status_code == 201
    cleared = api.patch(f"/service-specials/{special.json()['id']}", {"description": None})
    assert cleared.status_code == 200 and cleared.json()["description"] == ""  # was a 500
    untitled = api.patch(f"/service-specials/{special.json()['id']}", {"title": None})
    assert untitled.status_code == 422 and "title" in untitled.json()["detail"]
    assert (
        ApiClient(alice)
        .post("/service-specials", {"title": "x", "starts_on": "2026-01-01"})
        .status_code
        == 403
    )
    when = (timezone.now() + timedelta(days=2)).isoformat()
    visit = ApiClient(alice).post(
        "/service-visits",
        {
            "customer_id": str(customer.public_id),
            "scheduled_for": when,
            "special_id": special.json()["id"],
        },
        headers={"Idempotency-Key": "v-1"},
    )
    assert visit.status_code == 201 and visit.json()["origin"] == "sales"
    assert ServiceVisit.objects.get().special.title == "Brake check"
    assert (
        api.patch(f"/service-visits/{visit.json()['id']}", {"status": "no_show"}).json()["status"]
        == "no_show"
    )

    assert api.patch("/service-settings", {"estimate_share": 70}).json()["estimate_share"] == 70
    assert ApiClient(alice).patch("/service-settings", {"estimate_share": 10}).status_code == 403
