"""The ask pages and the API: the customer's asks, holds, the dry check, settings."""

from datetime import time

import pytest

from goodwill.api.testing import ApiClient, openapi
from goodwill.customers.actions import set_consent
from goodwill.outreach import actions
from goodwill.outreach.models import Ask, AskHold
from goodwill.outreach.tests.factories import daytime

pytestmark = pytest.mark.django_db


@pytest.fixture
def anytime(store_a, mike):
    """No quiet hours, so tests that send "now" pass at any hour of the day."""
    actions.update_settings(store_a, acting_user=mike, quiet_from=time(0), quiet_until=time(0))


@pytest.fixture
def reachable(customer, alice):
    for channel in ("email", "text"):
        set_consent(customer, channel, granted=True, method="web", acting_user=alice)
    return customer


def test_the_customer_page_shows_their_asks_and_a_hold(client_for, alice, reachable):
    actions.record_ask(reachable, "survey", "email", at=daytime(-1), source="Sale of a Ford F-150")
    actions.hold_asks(reachable, "detractor", note="Scored 4: waited 3 hours")
    page = client_for(alice).get(f"/customers/{reachable.public_id}/").text
    assert "Sale of a Ford F-150" in page and "Survey" in page
    assert "Do not ask:" in page and "Scored 4: waited 3 hours" in page
    assert "End the hold" not in page  # a salesperson cannot end it


def test_staff_record_that_the_customer_asked_us_to_stop(client_for, alice, mike, reachable):
    response = client_for(alice).post(
        f"/asks/customers/{reachable.public_id}/hold/",
        {"reason": "requested", "note": "Said no more surveys"},
    )
    assert response.status_code == 302
    hold = AskHold.objects.get(customer=reachable)
    assert hold.started_by == alice and hold.is_open
    assert client_for(alice).post(f"/asks/holds/{hold.public_id}/end/").status_code == 403
    response = client_for(mike).post(f"/asks/holds/{hold.public_id}/end/", {"note": "Called us"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.ended_by == mike and hold.end_note == "Called us"


def test_may_i_ask_answers_on_the_customer_page(client_for, alice, reachable, anytime):
    client = client_for(alice)
    url = f"/asks/customers/{reachable.public_id}/check/?kind=referral_invite&channel=text"
    answer = client.get(url, headers={"HX-Request": "true"}).text
    assert "Yes." in answer and "text message consent given" in answer
    actions.hold_asks(reachable, "detractor")
    answer = client.get(url, headers={"HX-Request": "true"}).text
    assert "Not now." in answer and "Do not ask Robert" in answer
    assert not Ask.objects.exists()  # a check logs nothing
    assert "May I ask" in client.get(url).text  # works without htmx too


def test_the_ask_log_is_for_managers(client_for, alice, mike, reachable):
    actions.record_ask(reachable, "message", "text", by=alice, at=daytime(-1), source="Hello")
    assert client_for(alice).get("/asks/").status_code == 403
    page = client_for(mike).get("/asks/?kind=message").text
    assert "Robert Kowalski" in page and "Hello" in page
    assert "Robert Kowalski" not in client_for(mike).get("/asks/?kind=survey").text


def test_managers_change_the_caps_on_the_settings_page(client_for, alice, mike, store_a):
    assert "A manager changes these" in client_for(alice).get("/asks/settings/").text
    assert client_for(alice).post("/asks/settings/", {}).status_code == 403
    bad = client_for(mike).post(
        "/asks/settings/",
        {
            "asks_per_week": "40",
            "referral_invite_days": "90",
            "quiet_from": "21:00",
            "quiet_until": "08:00",
        },
    )
    assert bad.status_code == 422 and 'value="40"' in bad.text and "less than or equal" in bad.text
    ok = client_for(mike).post(
        "/asks/settings/",
        {
            "asks_per_week": "3",
            "referral_invite_days": "120",
            "quiet_from": "20:00",
            "quiet_until": "09:00",
        },
    )
    assert ok.status_code == 302
    assert "3" in client_for(alice).get("/asks/settings/").text


def test_the_openapi_document_lists_the_ask_resources():
    paths = openapi()["paths"]
    for path in (
        "/api/v1/asks",
        "/api/v1/asks/check",
        "/api/v1/asks/{ask_id}",
        "/api/v1/ask-settings",
    ):
        assert path in paths, path


def test_the_api_logs_an_ask_once_and_refuses_one_the_policy_forbids(alice, reachable, anytime):
    api = ApiClient(alice)
    body = {"customer_id": str(reachable.public_id), "kind": "survey", "channel": "email"}
    check = api.get(f"/asks/check?customer_id={reachable.public_id}&kind=survey&channel=email")
    assert check.status_code == 200 and check.json()["allowed"] is True
    first = api.post("/asks", body | {"key": "survey:deal:1"})
    assert first.status_code == 201, first.json()
    again = api.post("/asks", body | {"key": "survey:deal:1"})
    assert again.json()["id"] == first.json()["id"] and Ask.objects.count() == 1
    api.post("/asks", body | {"kind": "message", "channel": "text"})
    refused = api.post("/asks", body | {"kind": "follow_up"})
    assert refused.status_code == 422
    assert "at most 2" in refused.json()["detail"][0]["msg"]
    check = api.get(f"/asks/check?customer_id={reachable.public_id}&kind=follow_up&channel=text")
    assert check.json()["code"] == "weekly_cap" and check.json()["retry_at"]
    listed = api.get(f"/asks?customer_id={reachable.public_id}").json()
    assert [a["kind"] for a in listed["items"]] == ["message", "survey"]


def test_the_api_sets_an_outcome_and_lists_holds(alice, reachable):
    ask = actions.record_ask(reachable, "survey", "email", at=daytime(-1))
    api = ApiClient(alice)
    answer = api.patch(f"/asks/{ask.public_id}", {"outcome": "answered"})
    assert answer.status_code == 200 and answer.json()["outcome"] == "answered"
    assert api.patch(f"/asks/{ask.public_id}", {"outcome": "maybe"}).status_code == 422
    actions.hold_asks(reachable, "detractor")
    assert [h["reason"] for h in api.get("/ask-holds").json()] == ["detractor"]


def test_the_api_refuses_a_customer_of_another_store(alice, outsider_customer):
    api = ApiClient(alice)
    body = {"customer_id": str(outsider_customer.public_id), "kind": "message", "channel": "text"}
    response = api.post("/asks", body)
    assert response.status_code == 422 and "customer_id" in str(response.json())
    check = api.get(
        f"/asks/check?customer_id={outsider_customer.public_id}&kind=survey&channel=text"
    )
    assert check.status_code == 422


def test_ask_settings_in_the_api_are_changed_by_managers_only(alice, mike):
    assert ApiClient(alice).patch("/ask-settings", {"asks_per_week": 3}).status_code == 403
    response = ApiClient(mike).patch("/ask-settings", {"asks_per_week": 3})
    assert response.status_code == 200 and response.json()["asks_per_week"] == 3
    assert response.json()["time_zone"] == "America/Chicago"
    assert ApiClient(mike).patch("/ask-settings", {"asks_per_week": 99}).status_code == 422
