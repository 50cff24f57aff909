"""Surveys, survey responses and recovery tasks in the API, checked against the OpenAPI
document (ApiClient does it on every answer)."""

import pytest

from goodwill.api.testing import ApiClient, openapi
from goodwill.feedback import actions
from goodwill.feedback.models import RecoveryTask, Survey

pytestmark = pytest.mark.django_db


def test_the_openapi_document_lists_the_feedback_resources():
    paths = openapi()["paths"]
    for path in (
        "/api/v1/surveys",
        "/api/v1/surveys/{survey_id}",
        "/api/v1/survey-responses",
        "/api/v1/survey-responses/{response_id}",
        "/api/v1/recovery-tasks",
        "/api/v1/recovery-tasks/{task_id}",
        "/api/v1/recovery-tasks/{task_id}/close",
    ):
        assert path in paths, path


def test_a_connected_system_schedules_a_survey_once_per_event(customer, alice, mike):
    api = ApiClient(mike)
    body = {
        "customer_id": str(customer.public_id),
        "department": "service",
        "key": "dms-ro:4411",
        "staff_id": str(alice.public_id),
        "subject": "your F-150's brakes",
    }
    first = api.post("/surveys", body)
    assert first.status_code == 201, first.json()
    survey = first.json()
    assert survey["status"] == "scheduled" and survey["staff"]["name"] == "Alice Test"
    again = api.post("/surveys", body)
    assert again.json()["id"] == survey["id"] and Survey.objects.count() == 1
    listed = api.get(f"/surveys?customer_id={customer.public_id}").json()
    assert [s["id"] for s in listed["items"]] == [survey["id"]]
    assert api.get(f"/surveys/{survey['id']}").json()["response_id"] is None
    bad = api.post("/surveys", body | {"key": "x", "department": "parts"})
    assert bad.status_code == 422
    outsider = api.post("/surveys", body | {"key": "y", "staff_id": str(customer.public_id)})
    assert outsider.status_code == 422 and "staff_id" in str(outsider.json())


def test_staff_record_an_answer_given_by_phone_and_the_detractor_gets_a_task(customer, alice, mike):
    survey = actions.schedule_survey(customer, department="sales", key="deal:1", staff=alice)
    api = ApiClient(mike)
    answer = api.post(
        "/survey-responses",
        {"survey_id": str(survey.public_id), "score": 5, "comment": "Long wait for finance"},
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["category"] == "detractor" and body["recovery_task_id"]
    assert (
        api.post("/survey-responses", {"survey_id": str(survey.public_id), "score": 11}).status_code
        == 422
    )
    listed = api.get("/survey-responses?category=detractor").json()["items"]
    assert [r["id"] for r in listed] == [body["id"]]
    assert api.get("/survey-responses?since=0.5").status_code == 422  # ISO 8601 only
    assert [
        r["id"] for r in api.get("/survey-responses?since=2020-01-01T00:00:00Z").json()["items"]
    ] == [body["id"]]
    assert api.get(f"/survey-responses/{body['id']}").json()["score"] == 5
    assert api.get(f"/surveys/{survey.public_id}").json()["response_id"] == body["id"]

    task_id = body["recovery_task_id"]
    task = api.get(f"/recovery-tasks/{task_id}").json()
    assert task["manager"]["name"] == "Mike Test" and task["status"] == "open"
    assert [t["id"] for t in api.get("/recovery-tasks?status=open&mine=true").json()["items"]] == [
        task_id
    ]
    # A salesperson neither sees nor closes it.
    assert ApiClient(alice).get(f"/recovery-tasks/{task_id}").status_code == 404
    assert ApiClient(alice).get("/recovery-tasks").json()["items"] == []
    missing = api.post(f"/recovery-tasks/{task_id}/close", {"action_taken": "Called"})
    assert missing.status_code == 422
    closed = api.post(
        f"/recovery-tasks/{task_id}/close",
        {"action_taken": "Called, finance manager apologised", "won_back": False},
    )
    assert closed.status_code == 200 and closed.json()["won_back"] is False
    assert RecoveryTask.objects.get().status == "closed"
    twice = api.post(f"/recovery-tasks/{task_id}/close", {"action_taken": "x", "won_back": True})
    assert twice.status_code == 422


def test_another_stores_surveys_are_not_found(customer, alice, bob):
    survey = actions.schedule_survey(customer, department="sales", key="deal:1", staff=alice)
    api = ApiClient(bob)
    assert api.get(f"/surveys/{survey.public_id}").status_code == 404
    assert api.get("/surveys").json()["items"] == []
    answer = api.post("/survey-responses", {"survey_id": str(survey.public_id), "score": 9})
    assert answer.status_code == 422
