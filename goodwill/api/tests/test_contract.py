"""The API keeps its own contract (issue 11, point 3): the document parses and renders, wrong
JSON types and unknown fields are a 422, a role's refusal is a 403, and every 404 is JSON.
`.ci/fuzz-api` runs schemathesis over the whole document; these pin what it found."""

import json

import pytest
from django.test import Client

from goodwill.api.testing import ApiClient
from goodwill.customers.models import Consent
from goodwill.floor import actions as floor_actions

pytestmark = pytest.mark.django_db


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys: {keys}"
    return dict(pairs)


def test_the_document_has_no_duplicate_keys_and_the_docs_page_renders(client):
    text = client.get("/api/v1/openapi.json").content.decode()
    document = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    invite = document["paths"]["/api/v1/appointments/{appointment_id}/invite.ics"]["get"]
    assert list(invite["responses"]["200"]["content"]) == ["text/calendar"]
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        [None, None],
        "a string",
        {"channel": "text", "granted": 0, "method": "web"},
        {"channel": "text", "granted": "false", "method": "web"},
        {"channel": "text", "granted": True, "method": "web", "extra": 1},
    ],
)
def test_wrong_json_types_and_unknown_fields_are_a_422(customer, alice, body):
    api = ApiClient(alice)
    answer = api.request("POST", f"/customers/{customer.public_id}/consents", body)
    assert answer.status_code == 422, answer.content
    assert not Consent.objects.filter(customer=customer, channel="text").exists()


def test_numbers_are_numbers_and_dates_are_dates(customer, alice):
    api = ApiClient(alice)
    path = f"/customers/{customer.public_id}/vehicles"
    for body in ({"year": "2020"}, {"year": 2020.0}, {"year": True}, {"mileage": "12"}):
        assert api.post(path, {"make": "Ford", **body}).status_code == 422, body
    made = api.post(path, {"make": "Ford", "year": 2020})
    assert made.status_code == 201, made.content
    assert api.get("/service-visits?since=0.5").status_code == 422
    assert api.get("/service-visits?since=2026-01-01T00:00:00Z").status_code == 200


def test_a_salespersons_out_of_turn_assign_is_a_403(store_a, alice, mike):
    floor_actions.clock_in(alice)
    up = floor_actions.log_up(
        store_a, acting_user=mike, source="walk_in", new_customer={"first_name": "Walt"}
    )
    body = {"to_user_id": str(alice.public_id), "reason": "I want it"}
    answer = ApiClient(alice).post(f"/ups/{up.public_id}/assign", body)
    assert answer.status_code == 403 and "manager" in answer.json()["detail"], answer.content


def test_a_path_no_route_matches_is_a_json_404(alice):
    answer = ApiClient(alice).get("/ups/not-a-uuid")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Not Found"}
    assert "text/html" in Client().get("/no-such-page/")["Content-Type"]


def test_every_operation_with_parameters_documents_the_servers_414(client):
    """gunicorn refuses a request line over 4,094 bytes with 414 before Django reads it (the
    fuzzer reached it with a hundred `?limit=`): the document says so where it can happen."""
    document = client.get("/api/v1/openapi.json").json()
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    with_parameters = [op for op in operations if op.get("parameters")]
    assert with_parameters
    assert all("414" in op["responses"] for op in with_parameters)
    # gunicorn's page, not Goodwill's JSON: the document says which.
    assert all(list(op["responses"]["414"]["content"]) == ["text/html"] for op in with_parameters)
    assert not any("414" in op["responses"] for op in operations if not op.get("parameters"))
