from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.floor import actions
from goodwill.floor.models import Appointment, Deal, TurnOver, Up
from goodwill.floor.tests.conftest import walk_in

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent / "sample-lead-internet.xml"


def test_log_an_up_is_idempotent(alice):
    api = ApiClient(alice)
    body = {"source": "phone", "customer": {"first_name": "Pat", "phone": "512-555-0111"}}
    headers = {"Idempotency-Key": "up-1"}
    first = api.post("/ups", body, headers=headers)
    again = api.post("/ups", body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Up.objects.count() == 1
    assert first.json()["customer_name"] == "Pat"


def test_a_nameless_up_is_a_422_on_the_field(alice):
    response = ApiClient(alice).post("/ups", {"source": "walk_in", "customer": {"phone": "1"}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "first_name"]


def test_rotation_next_take_and_pass(store_a, on_floor):
    alice, ben = on_floor
    up = walk_in(store_a, alice)
    api_ben = ApiClient(ben)
    rotation = api_ben.get("/rotation").json()
    assert rotation["next"]["name"] == "Alice Test"
    assert [p["user"]["name"] for p in rotation["line"]] == ["Alice Test", "Ben Test"]
    refused = api_ben.post(f"/ups/{up.public_id}/take")
    assert refused.status_code == 422 and "Alice Test's" in str(refused.json())
    passed = ApiClient(alice).post("/rotation/pass", {"reason": "Lunch"})
    assert passed.json()["next"]["name"] == "Ben Test"
    taken = api_ben.post(f"/ups/{up.public_id}/take")
    assert taken.status_code == 200 and taken.json()["salesperson"]["name"] == "Ben Test"
    listed = api_ben.get("/ups?status=working").json()
    assert listed[0]["deal_id"] == taken.json()["id"]


def test_turnover_sold_and_the_credit_ledger(store_a, on_floor, mike):
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    api = ApiClient(alice)
    body = {"to_user_id": str(mike.public_id), "to_role": "closer", "reason": "Numbers"}
    to = api.post(f"/deals/{deal.public_id}/turnovers", body, headers={"Idempotency-Key": "t"})
    again = api.post(f"/deals/{deal.public_id}/turnovers", body, headers={"Idempotency-Key": "t"})
    assert to.status_code == 201 and to.json() == again.json()
    assert TurnOver.objects.count() == 1
    sold = ApiClient(mike).post(
        f"/deals/{deal.public_id}/sold", {"vehicle": "2026 Ford Explorer", "gross": "2100.50"}
    )
    assert sold.status_code == 200
    credit = {c["who"]: c["share"] for c in sold.json()["credit"]}
    assert credit == {"Alice Test": "50.00", "Mike Test": "50.00"}
    ledger = api.get(f"/credit?user_id={alice.public_id}").json()
    assert [(c["role"], c["share"]) for c in ledger] == [("upper", "50.00")]


def test_not_sold_via_api_enters_fails(store_a, on_floor):
    alice, ben = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    assert (
        ApiClient(ben)
        .post(f"/deals/{deal.public_id}/not-sold", {"reason": "Trade value"})
        .status_code
        == 403
    )
    bad = ApiClient(alice).post(f"/deals/{deal.public_id}/not-sold", {"reason": "Meh"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "reason"]
    ok = ApiClient(alice).post(f"/deals/{deal.public_id}/not-sold", {"reason": "Trade value"})
    assert ok.json()["outcome"] == "not_sold"
    assert Deal.objects.get().fails_case.status == "open"


def test_appointments_create_idempotently_and_cancel(store_a, alice, customer):
    api = ApiClient(alice)
    body = {
        "customer_id": str(customer.public_id),
        "salesperson_id": str(alice.public_id),
        # Seconds and microseconds on purpose: the appointment keeps the minute, and the
        # replayed answer is byte-for-byte the first one.
        "starts_at": (timezone.now() + timedelta(days=1)).replace(microsecond=123).isoformat(),
        "purpose": "Test drive",
    }
    first = api.post("/appointments", body, headers={"Idempotency-Key": "a"})
    again = api.post("/appointments", body, headers={"Idempotency-Key": "a"})
    assert first.status_code == 201 and first.json() == again.json()
    assert Appointment.objects.count() == 1
    assert Appointment.objects.get().starts_at.second == 0
    appointment_id = first.json()["id"]
    patched = api.patch(f"/appointments/{appointment_id}", {"status": "cancelled"})
    assert patched.json()["status"] == "cancelled"
    invite = api.get(f"/appointments/{appointment_id}/invite.ics", check_schema=False)
    assert b"METHOD:CANCEL" in invite.content


def test_adf_leads_over_the_api(store_a, alice):
    api = ApiClient(alice)
    response = api.post("/leads/adf", {"xml": SAMPLE.read_text()})
    assert response.status_code == 201
    [up] = response.json()["created"]
    assert up["source"] == "internet" and up["customer_name"] == "Dana Whitlock"
    again = api.post("/leads/adf", {"xml": SAMPLE.read_text()})
    assert again.json()["created"] == [] and len(again.json()["skipped"]) == 1
    bad = api.post("/leads/adf", {"xml": "<adf>"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "file"]


def test_another_stores_up_is_a_404(store_a, bob, alice):
    up = walk_in(store_a, alice)
    assert ApiClient(bob).get(f"/ups/{up.public_id}").status_code == 404
    assert ApiClient(bob).post(f"/ups/{up.public_id}/take").status_code == 404
