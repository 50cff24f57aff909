"""Surveys after a visit: scheduled by the event with the store's delay, sent once by the
background job under the ask policy, answered through a private link that opens nothing
else; a second answer updates the first."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from goodwill.customers.models import CustomerEvent
from goodwill.feedback import actions, links
from goodwill.feedback.models import Survey, SurveyResponse
from goodwill.feedback.tests.helpers import (
    allow_email,
    run_survey_jobs,
    sell,
    sent_survey,
)
from goodwill.jobs.models import Job
from goodwill.outreach.actions import record_ask
from goodwill.outreach.models import Ask
from goodwill.outreach.tests.factories import daytime

pytestmark = pytest.mark.django_db


def test_a_sale_schedules_one_survey_the_stores_delay_later(customer, alice, mike):
    actions.update_settings(customer.dealership, acting_user=mike, survey_delay_hours=48)
    deal = sell(customer, alice)
    survey = Survey.objects.get(customer=customer)
    assert survey.department == "sales" and survey.staff == alice
    assert survey.event_key == f"deal:{deal.public_id}"
    assert survey.due_at == deal.closed_at + timedelta(hours=48)
    job = Job.objects.get(kind="feedback.send_survey")
    assert job.run_after == survey.due_at and job.sent_at is None  # waits for the sweep
    # The event reported again changes nothing.
    again = actions.schedule_survey(customer, department="sales", key=survey.event_key)
    assert again == survey and Job.objects.filter(kind="feedback.send_survey").count() == 1


def test_the_job_emails_the_survey_once_with_email_consent(customer, alice):
    survey, token = sent_survey(customer, alice)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bob.k@example.com"] and message.subject == "How did we do, Robert?"
    assert "Alice Test" in message.body
    ask = Ask.objects.get(customer=customer)
    assert ask.kind == "survey" and ask.channel == "email" and ask.key.startswith("survey:deal:")
    assert survey.ask == ask and "email consent" in ask.basis
    # A second run of the same job (a message delivered twice) sends nothing.
    assert actions.send_survey(survey.pk) == "sent"
    job = Job.objects.get(kind="feedback.send_survey")
    Job.objects.filter(pk=job.pk).update(status="queued")
    run_survey_jobs()
    assert len(mail.outbox) == 1 and Ask.objects.filter(customer=customer).count() == 1
    # Only the hash is stored; the token is in the email alone.
    assert survey.token_hash == links.hash_token(token) and token not in survey.token_hash


def test_without_email_consent_no_survey_goes_out_and_the_history_says_why(customer, alice):
    sell(customer, alice)
    run_survey_jobs()
    survey = Survey.objects.get(customer=customer)
    assert survey.status == "not_sent" and "consent" in survey.status_note
    assert mail.outbox == [] and not Ask.objects.filter(customer=customer).exists()
    assert CustomerEvent.objects.filter(customer=customer, verb="survey_not_sent").exists()


def test_a_survey_held_back_by_the_weekly_cap_is_sent_when_the_cap_allows(customer, alice):
    allow_email(customer, alice)
    sell(customer, alice)
    for hours in (0, 1):
        record_ask(customer, "message", "email", by=alice, at=daytime(1) + timedelta(hours=hours))
    run_survey_jobs(2)
    survey = Survey.objects.get(customer=customer)
    assert survey.status == "scheduled" and "7 days" in survey.status_note
    assert survey.due_at > daytime(7)
    run_survey_jobs(9)
    survey.refresh_from_db()
    assert survey.status == "sent" and len(mail.outbox) == 1


def test_the_link_opens_the_survey_with_the_staff_members_name_no_login(client, customer, alice):
    survey, token = sent_survey(customer, alice)
    page = client.get(f"/s/{token}/")
    assert page.status_code == 200
    text = page.text
    assert "Alice Test" in text and "How did we do, Robert?" in text
    assert 'name="score"' in text and 'value="10"' in text and 'name="comment"' in text
    # Nothing about the customer beyond the first name, and never cached.
    assert "Kowalski" not in text and "bob.k@example.com" not in text and "555" not in text
    assert "no-store" in page["Cache-Control"]


def test_a_second_answer_updates_the_first(client, customer, alice):
    survey, token = sent_survey(customer, alice)
    answer = client.post(f"/s/{token}/", {"score": "8", "comment": "Quick and friendly"})
    assert answer.status_code == 302 and answer["Location"] == f"/s/{token}/thanks/"
    client.post(f"/s/{token}/", {"score": "10", "comment": "Even better: they called back"})
    response = SurveyResponse.objects.get(survey=survey)
    assert response.score == 10 and response.category == "promoter"
    assert response.comment == "Even better: they called back" and response.times_answered == 2
    assert SurveyResponse.objects.count() == 1
    assert Ask.objects.get(pk=survey.ask_id).outcome == "answered"
    page = client.get(f"/s/{token}/")
    assert "You answered 10" in page.text and "Update my answer" in page.text
    events = CustomerEvent.objects.filter(customer=customer, verb="survey_answered")
    assert [e.changes["score"] for e in events.order_by("at", "id")] == [["", "8"], ["8", "10"]]


def test_a_bad_answer_gets_a_message_per_field_never_a_500(client, customer, alice):
    _, token = sent_survey(customer, alice)
    for data in ({}, {"score": "11"}, {"score": "ten"}, {"score": "5", "comment": "x" * 2001}):
        page = client.post(f"/s/{token}/", data)
        assert page.status_code == 422, data
        assert 'role="alert"' in page.text, (data, page.text[page.text.find("<form") :])
    assert not SurveyResponse.objects.exists()


def test_an_unknown_or_expired_link_opens_nothing(client, customer, alice):
    survey, token = sent_survey(customer, alice)
    assert client.get("/s/not-a-real-token/").status_code == 404
    assert client.get(f"/s/{token[:-1]}x/").status_code == 404
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    gone = client.get(f"/s/{token}/")
    assert gone.status_code == 410 and "closed" in gone.text
    assert client.post(f"/s/{token}/", {"score": "9"}).status_code == 410
    assert not SurveyResponse.objects.exists()


def test_nothing_but_the_one_survey_is_reachable_with_its_token(client, customer, alice, mike):
    survey, token = sent_survey(customer, alice)
    client.get(f"/s/{token}/")  # opening the survey signs nobody in
    for path in ("/customers/", f"/customers/{customer.public_id}/", "/surveys/", "/asks/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    # As an API credential it is nobody.
    api = client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 401
    # As a customer's referral link or another survey's thanks page: not found.
    other = Survey.objects.create(
        dealership=survey.dealership,
        customer=customer,
        department="service",
        event_key="ro:other",
        event_at=timezone.now(),
        due_at=timezone.now(),
    )
    assert client.get(f"/s/{other.public_id}/").status_code == 404
    assert client.get(f"/s/{survey.public_id}/").status_code == 404


@override_settings(GOODWILL_PUBLIC_LINK_LIMIT=3)
def test_private_links_are_rate_limited_by_address(client, customer, alice):
    _, token = sent_survey(customer, alice)
    assert [client.get(f"/s/{token}/").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get(f"/s/{token}/").status_code == 429
    assert client.get("/s/guess-one/").status_code == 429  # guessing costs the same
    other = client.get(f"/s/{token}/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_managers_see_the_stores_surveys_and_change_the_delay(client_for, customer, alice, mike):
    survey, token = sent_survey(customer, alice)
    actions.answer_survey(survey, score=9, comment="Great")
    page = client_for(mike).get("/surveys/")
    assert page.status_code == 200 and "Robert Kowalski" in page.text and "Great" in page.text
    assert client_for(alice).get("/surveys/").status_code == 403
    saved = client_for(mike).post(
        "/surveys/settings/", {"survey_delay_hours": "6", "survey_valid_days": "14"}
    )
    assert saved.status_code == 302
    assert actions.settings_for(customer.dealership).survey_delay_hours == 6
    bad = client_for(mike).post("/surveys/settings/", {"survey_delay_hours": "-1"})
    assert bad.status_code == 422 and "error" in bad.text
