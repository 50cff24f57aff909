"""Detractors (0–6) are recovered: a task for the manager of the department involved, with
the comment; closing it records what was done and whether the customer was won back; the
customer is left out of every ask until a later answer of 7 or more."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from goodwill.conftest import make_staff
from goodwill.customers.models import CustomerEvent
from goodwill.feedback import actions
from goodwill.feedback.models import RecoveryTask
from goodwill.feedback.tests.helpers import run_survey_jobs, sell, sent_survey
from goodwill.outreach.models import Ask, AskHold
from goodwill.outreach.policy import may_ask

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(store_a):
    return make_staff(store_a, "sam", "service_mgr")


def test_a_detractor_gets_a_recovery_task_for_the_sales_manager_with_the_comment(
    client, customer, alice, mike, sam
):
    survey, token = sent_survey(customer, alice)
    client.post(f"/s/{token}/", {"score": "4", "comment": "Nobody called me back about the tag"})
    task = RecoveryTask.objects.get(customer=customer)
    assert task.manager == mike and task.department == "sales"  # not the service manager
    assert task.score == 4 and task.comment == "Nobody called me back about the tag"
    assert task.is_open
    hold = AskHold.objects.get(customer=customer, ended_at__isnull=True)
    assert hold.reason == "detractor" and hold.source.startswith("survey-response:")
    decision = may_ask(customer, "review_request", "email")
    assert not decision and decision.code == "held"
    assert not Ask.objects.filter(kind="referral_invite").exists()
    thanks = client.get(f"/s/{token}/thanks/")
    assert "A manager has your comment" in thanks.text and "referral link" not in thanks.text
    assert CustomerEvent.objects.filter(customer=customer, verb="recovery_opened").exists()


def test_a_service_answer_goes_to_the_service_manager(customer, alice, mike, sam):
    survey = actions.schedule_survey(customer, department="service", key="ro:1", staff=alice)
    actions.answer_survey(survey, score=2, comment="Car not ready when promised")
    assert RecoveryTask.objects.get().manager == sam


def test_without_a_department_manager_a_dealer_admin_gets_it(customer, alice, dana):
    survey = actions.schedule_survey(customer, department="service", key="ro:2", staff=alice)
    actions.answer_survey(survey, score=0)
    assert RecoveryTask.objects.get().manager == dana


def test_a_changed_answer_updates_the_open_task_and_never_makes_a_second(customer, alice, mike):
    survey = actions.schedule_survey(customer, department="sales", key="deal:x", staff=alice)
    actions.answer_survey(survey, score=5, comment="Slow")
    actions.answer_survey(survey, score=3, comment="Slow, and rude on the phone")
    task = RecoveryTask.objects.get()
    assert (task.score, task.comment) == (3, "Slow, and rude on the phone")


def test_the_manager_closes_it_with_what_was_done_and_the_hold_stays(
    client_for, customer, alice, mike
):
    survey = actions.schedule_survey(customer, department="sales", key="deal:x", staff=alice)
    actions.answer_survey(survey, score=3, comment="Paperwork took four hours")
    task = RecoveryTask.objects.get()
    client = client_for(mike)
    listing = client.get("/surveys/recovery/")
    assert listing.status_code == 200 and "Paperwork took four hours" in listing.text
    page = client.get(f"/surveys/recovery/{task.public_id}/")
    assert page.status_code == 200 and "Close the task" in page.text
    bad = client.post(f"/surveys/recovery/{task.public_id}/close/", {"action_taken": ""})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    closed = client.post(
        f"/surveys/recovery/{task.public_id}/close/",
        {"action_taken": "Called, apologised, free detail at first service", "won_back": "yes"},
    )
    assert closed.status_code == 302
    task.refresh_from_db()
    assert task.status == "closed" and task.won_back is True and task.closed_by == mike
    assert "free detail" in task.action_taken
    event = CustomerEvent.objects.get(customer=customer, verb="recovery_closed")
    assert event.subject == "Won back" and event.actor == mike
    # Closing the task does not end the hold: only a later answer does.
    assert AskHold.objects.filter(customer=customer, ended_at__isnull=True).exists()
    again = client.post(
        f"/surveys/recovery/{task.public_id}/close/", {"action_taken": "x", "won_back": "no"}
    )
    assert again.status_code == 422 and "already closed" in again.text


def test_only_managers_close_and_salespeople_do_not_see_others_tasks(
    client_for, customer, alice, mike
):
    survey = actions.schedule_survey(customer, department="sales", key="deal:x", staff=alice)
    actions.answer_survey(survey, score=3)
    task = RecoveryTask.objects.get()
    client = client_for(alice)
    assert client.get(f"/surveys/recovery/{task.public_id}/").status_code == 404
    post = client.post(
        f"/surveys/recovery/{task.public_id}/close/", {"action_taken": "x", "won_back": "no"}
    )
    assert post.status_code == 404
    assert "Robert" not in client.get("/surveys/recovery/").text
    with pytest.raises(PermissionDenied):
        actions.close_recovery(task, acting_user=alice, action_taken="x", won_back=False)
    with pytest.raises(ValidationError) as error:
        actions.close_recovery(task, acting_user=mike, action_taken="Called", won_back=None)
    assert "won_back" in error.value.message_dict


def test_a_later_answer_of_seven_or_more_lifts_the_hold(customer, alice, mike):
    survey, _ = sent_survey(customer, alice)
    actions.answer_survey(survey, score=2, comment="Bad")
    assert AskHold.objects.filter(customer=customer, ended_at__isnull=True).exists()
    # The next survey is held back while the customer is on hold…
    sell(customer, alice, vehicle="2026 Ford Ranger")
    run_survey_jobs(3)
    held = customer.surveys.get(subject="your 2026 Ford Ranger")
    assert held.status == "not_sent" and "Do not ask" in held.status_note
    # …and a later answer (here: the first survey answered again) says otherwise.
    actions.answer_survey(survey, score=8, comment="They fixed it")
    assert not AskHold.objects.filter(customer=customer, ended_at__isnull=True).exists()
    assert CustomerEvent.objects.filter(customer=customer, verb="asks_resumed").exists()
    assert RecoveryTask.objects.get().is_open  # the manager still closes it
