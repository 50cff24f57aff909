"""Helpers of the feedback tests: a sale through the real floor actions, a survey sent by its
real job, the token read back from the email the way a customer's mail program shows it."""

import re

from django.core import mail

from goodwill.customers.actions import set_consent
from goodwill.feedback import actions
from goodwill.feedback.models import Survey
from goodwill.floor import actions as floor
from goodwill.jobs.queue import run_due
from goodwill.outreach.tests.factories import daytime

LINK = re.compile(r"https?://[^\s/]+(/s/([A-Za-z0-9_-]+)/)")


def allow_email(customer, by):
    set_consent(customer, "email", granted=True, method="in_person", acting_user=by)


def sell(customer, salesperson, vehicle="2026 Ford Escape"):
    """A sale on the floor: the up designated to `salesperson`, taken, sold."""
    if not salesperson.clock_ins.filter(clocked_out_at__isnull=True).exists():
        floor.clock_in(salesperson)
    up = floor.log_up(
        customer.dealership,
        acting_user=salesperson,
        source="phone",
        customer=customer,
        designated_to=salesperson,
    )
    deal = floor.take_up(up, user=salesperson)
    return floor.mark_sold(deal, acting_user=salesperson, vehicle=vehicle)


def answer(customer, staff, score, key, department="sales"):
    """A survey of one experience (`key`) answered `score` at once, without the email."""
    survey = actions.schedule_survey(customer, department=department, key=key, staff=staff)
    return actions.answer_survey(survey, score=score, comment=f"scored {score}")


def run_survey_jobs(days: int = 2):
    """Run what the queue holds as if `days` had passed, at 11 AM store time (outside the
    quiet hours, past the default one-day delay)."""
    return run_due(now=daytime(days))


def link_in(message) -> tuple[str, str]:
    """(path, token) of the survey link in an email."""
    body = message.body if hasattr(message, "body") else message.get_content()
    found = LINK.search(body)
    assert found, body
    return found.group(1), found.group(2)


def sent_survey(customer, salesperson) -> tuple[Survey, str]:
    """A sale, its survey sent by the job; returns the survey and the link's token."""
    allow_email(customer, salesperson)
    sell(customer, salesperson)
    before = len(mail.outbox)
    run_survey_jobs()
    survey = Survey.objects.get(customer=customer)
    assert survey.status == Survey.Status.SENT, survey.status_note
    _, token = link_in(mail.outbox[before])
    return survey, token
