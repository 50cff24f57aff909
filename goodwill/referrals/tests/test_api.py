"""The JSON API of the network and referrals, every response checked against the OpenAPI
document (ApiClient)."""

from uuid import uuid4

import pytest

from goodwill.api.testing import ApiClient, openapi
from goodwill.network.models import Partnership, Pro
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_pros_partnerships_referrals_and_suggestions():
    paths = openapi()["paths"]
    for path in (
        "/api/v1/pros",
        "/api/v1/partnerships",
        "/api/v1/suggestions",
        "/api/v1/referrals",
        "/api/v1/referrals/{referral_id}/acknowledge",
        "/api/v1/referrals/{referral_id}/win",
        "/api/v1/referrals/{referral_id}/send-back",
    ):
        assert path in paths, path


def test_a_pro_is_recorded_and_listed_through_the_api(alice):
    api = ApiClient(alice)
    response = api.post(
        "/pros",
        {
            "store_name": "Round Rock Kia",
            "first_name": "Kim",
            "phone": "512 555 0150",
            "makes": ["Kia"],
            "specialties": ["EV"],
        },
        headers={"Idempotency-Key": "pro-1"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "+15125550150" and not response.json()["on_goodwill"]
    again = api.post(
        "/pros",
        {
            "store_name": "Round Rock Kia",
            "first_name": "Kim",
            "phone": "512 555 0150",
            "makes": ["Kia"],
            "specialties": ["EV"],
        },
        headers={"Idempotency-Key": "pro-1"},
    )
    assert again.json()["id"] == response.json()["id"] and Pro.objects.count() == 1
    listed = api.get("/pros?make=kia").json()
    assert [p["name"] for p in listed] == ["Kim"]
    bad = api.post("/pros", {"store_name": "X", "first_name": "Y", "makes": ["Kia"], "phone": "12"})
    assert bad.status_code == 422 and "phone" in str(bad.json())


def test_a_partnership_is_proposed_and_accepted_through_the_api(alice, carol, carol_pro):
    proposed = ApiClient(alice).post(
        f"/pros/{carol_pro.public_id}/partnership", {"terms": "Civics to you"}
    )
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    partnership_id = proposed.json()["id"]
    refused = ApiClient(alice).post(f"/partnerships/{partnership_id}/accept")
    assert refused.status_code == 403
    carol_api = ApiClient(carol)
    incoming = carol_api.get("/partnerships").json()
    assert incoming[0]["proposer_store"] == "Capital City Ford"
    assert incoming[0]["pro_id"] is None  # alice's network row is not carol's business
    accepted = carol_api.post(f"/partnerships/{partnership_id}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "agreed"
    assert Partnership.objects.get().status == "agreed"


def test_suggestions_come_with_their_reasons(alice, carol_pro, kim):
    body = ApiClient(alice).get("/suggestions?q=a+Honda+Pilot").json()
    assert body["makes"] == ["Honda"]
    assert body["items"][0]["pro_id"] == str(carol_pro.public_id)
    assert "Sells Honda" in body["items"][0]["why"]


def test_a_referral_posted_twice_with_the_same_key_creates_one(alice, customer, carol_pro):
    api = ApiClient(alice)
    body = {
        "customer_id": str(customer.public_id),
        "pro_id": str(carol_pro.public_id),
        "interest": "a Honda Civic",
        "source": "asked",
    }
    first = api.post("/referrals", body, headers={"Idempotency-Key": "ref-42"})
    second = api.post("/referrals", body, headers={"Idempotency-Key": "ref-42"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Referral.objects.count() == 1
    assert first.json()["customer_id"] == str(customer.public_id)
    assert first.json()["shared"]["full"] is False and first.json()["earned"] is False
    third = api.post("/referrals", body, headers={"Idempotency-Key": "ref-43"})
    assert third.status_code == 201 and Referral.objects.count() == 2


def test_a_referral_to_someone_elses_pro_or_customer_is_a_422(
    alice, customer, outsider_customer, carol_pro
):
    api = ApiClient(alice)
    response = api.post(
        "/referrals",
        {
            "customer_id": str(outsider_customer.public_id),
            "pro_id": str(carol_pro.public_id),
            "interest": "x",
        },
    )
    assert response.status_code == 422 and "customer_id" in str(response.json())
    response = api.post(
        "/referrals",
        {"customer_id": str(customer.public_id), "pro_id": str(uuid4()), "interest": "x"},
    )
    assert response.status_code == 422 and "pro_id" in str(response.json())
    assert not Referral.objects.exists()


def test_status_transitions_are_actions_and_the_receiver_sees_only_the_snapshot(
    alice, carol, bob, customer, carol_pro
):
    created = (
        ApiClient(alice)
        .post(
            "/referrals",
            {
                "customer_id": str(customer.public_id),
                "pro_id": str(carol_pro.public_id),
                "interest": "a Honda Civic",
                "direction_method": "in_person",
            },
        )
        .json()
    )
    rid = created["id"]
    carol_api = ApiClient(carol)
    seen = carol_api.get(f"/referrals/{rid}").json()
    assert seen["customer_id"] is None and seen["can_work"] and not seen["is_sender"]
    assert seen["shared"]["last_name"] == "Kowalski"
    assert ApiClient(alice).post(f"/referrals/{rid}/acknowledge").status_code == 403
    assert ApiClient(bob).get(f"/referrals/{rid}").status_code == 404
    assert ApiClient(bob).get("/referrals").json()["items"] == []
    assert carol_api.post(f"/referrals/{rid}/acknowledge").json()["status"] == "acknowledged"
    assert carol_api.post(f"/referrals/{rid}/contact", {"note": "Called"}).status_code == 200
    bad = carol_api.post(f"/referrals/{rid}/win", {})
    assert bad.status_code == 422 and "value" in str(bad.json())
    won = carol_api.post(f"/referrals/{rid}/win", {"value": "31000.00"})
    assert won.status_code == 200 and won.json()["status"] == "won"
    again = carol_api.post(f"/referrals/{rid}/lose", {"reason": "changed mind"})
    assert again.status_code == 422
    inbox = carol_api.get("/referrals?box=received").json()["items"]
    assert [r["id"] for r in inbox] == [rid]
    tasks = carol_api.get("/thank-yous").json()
    assert tasks[0]["thank_whom"] == "Alice Test (Capital City Ford)"
    assert ApiClient(alice).get("/referrals?box=sent").json()["items"][0]["status"] == "won"


def test_an_internal_referral_through_the_api(alice, mike, customer):
    response = ApiClient(alice).post(
        "/referrals",
        {
            "customer_id": str(customer.public_id),
            "to_department": "service",
            "interest": "60k service",
        },
    )
    assert response.status_code == 201 and response.json()["kind"] == "internal"
    rid = response.json()["id"]
    assert ApiClient(mike).post(f"/referrals/{rid}/acknowledge").status_code == 200
