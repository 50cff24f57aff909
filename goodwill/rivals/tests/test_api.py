"""`/api/v1/rival-offers`: list, record (once per Idempotency-Key), read; every answer is
checked against the OpenAPI document (ApiClient does it)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from goodwill.api.testing import ApiClient, openapi
from goodwill.rivals.models import RivalOffer

pytestmark = pytest.mark.django_db


def _body(customer, **extra):
    return {
        "customer_id": str(customer.public_id),
        "rival_store": "Round Rock Toyota",
        "make": "Toyota",
        "vehicle": "2025 RAV4 XLE",
        "monthly_payment": "489.00",
        "term_months": 72,
        "apr": "4.9",
        "offered_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "source": "paper",
    } | extra


def test_the_openapi_document_lists_rival_offers():
    paths = openapi()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/rival-offers"])
    assert "get" in paths["/api/v1/rival-offers/{offer_id}"]


def test_an_offer_is_recorded_once_per_key_listed_and_read(customer, alice, mike):
    api = ApiClient(alice)
    headers = {"Idempotency-Key": "offer-1"}
    first = api.post("/rival-offers", _body(customer), headers=headers)
    assert first.status_code == 201, first.json()
    offer = first.json()
    assert offer["make"] == "Toyota" and offer["recorded_by"]["name"] == "Alice Test"
    assert offer["deal_id"] is None and offer["term_months"] == 72
    again = api.post("/rival-offers", _body(customer), headers=headers)
    assert again.status_code == 201 and again.json() == offer
    assert RivalOffer.objects.count() == 1
    other = api.post("/rival-offers", _body(customer, apr="3.9"), headers=headers)
    assert other.status_code == 422  # the same key with another body
    listed = ApiClient(mike).get(f"/rival-offers?customer_id={customer.public_id}").json()
    assert [o["id"] for o in listed["items"]] == [offer["id"]]
    assert (
        ApiClient(mike)
        .get("/rival-offers?make=toyota&rival_store=round rock toyota")
        .json()["items"]
    )
    assert not api.get("/rival-offers?make=Honda").json()["items"]
    assert api.get(f"/rival-offers/{offer['id']}").json() == offer


def test_bad_input_is_a_422_naming_the_field(customer, outsider_customer, alice):
    api = ApiClient(alice)
    future = (timezone.localdate() + timedelta(days=5)).isoformat()
    answer = api.post("/rival-offers", _body(customer, offered_on=future))
    assert answer.status_code == 422 and "offered_on" in str(answer.json())
    neither = api.post("/rival-offers", _body(customer, monthly_payment=None, term_months=None))
    assert neither.status_code == 422 and "price" in str(neither.json())
    assert api.post("/rival-offers", _body(customer, apr=55)).status_code == 422
    assert api.post("/rival-offers", _body(customer, source="rumour")).status_code == 422
    assert api.post("/rival-offers", _body(customer, make="x" * 41)).status_code == 422
    outsider = api.post("/rival-offers", _body(outsider_customer))
    assert outsider.status_code == 422 and "customer_id" in str(outsider.json())
    stranger = api.post("/rival-offers", _body(customer, deal_id=str(customer.public_id)))
    assert stranger.status_code == 422 and "deal_id" in str(stranger.json())
    assert not RivalOffer.objects.exists()


def test_another_stores_offer_is_a_404_and_never_listed(outsider_customer, bob, alice):
    offer = ApiClient(bob).post("/rival-offers", _body(outsider_customer)).json()
    api = ApiClient(alice)
    assert api.get(f"/rival-offers/{offer['id']}").status_code == 404
    assert api.get("/rival-offers").json()["items"] == []
