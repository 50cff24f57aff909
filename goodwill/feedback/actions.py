"""Writes of the feedback app: scheduling and sending surveys, answers, the store's survey
settings. Each is one transaction with its history (`CustomerEvent`, `StaffEvent`); every
survey goes out through `outreach.actions.record_ask` (consent, caps, holds, one per key)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.customers.actions import record_event
from goodwill.customers.models import CustomerEvent
from goodwill.dealerships.models import StaffEvent
from goodwill.feedback import emails, links
from goodwill.feedback.models import (
    Department,
    FeedbackSettings,
    Survey,
    SurveyResponse,
    category_of,
)
from goodwill.jobs.queue import enqueue
from goodwill.outreach.actions import AskRefused, record_ask, set_outcome
from goodwill.outreach.models import Ask

SEND_JOB = "feedback.send_survey"  # declared in feedback/jobs.py
# A survey the caps or quiet hours hold back is tried again until this long after the
# visit; later than that the customer would hardly remember it.
RETRY_FOR = timedelta(days=14)


def settings_for(dealership) -> FeedbackSettings:
    """The store's survey settings, created with the defaults on first use."""
    row, _ = FeedbackSettings.objects.get_or_create(
        dealership_id=getattr(dealership, "pk", dealership)
    )
    return row


SETTINGS_FIELDS = ("survey_delay_hours", "survey_valid_days")


@transaction.atomic
def update_settings(dealership, *, acting_user, **values) -> FeedbackSettings:
    """A manager changes the survey delay or the link's life; old → new in the staff
    history."""
    store_id = getattr(dealership, "pk", dealership)
    if not acting_user.is_manager or acting_user.dealership_id != store_id:
        raise PermissionDenied("Only a manager of the store can change the survey settings.")
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown feedback settings: {sorted(unknown)}")
    settings_for(store_id)
    rules = FeedbackSettings.objects.select_for_update().get(dealership_id=store_id)
    changes = {}
    for name, value in values.items():
        old = getattr(rules, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(rules, name, value)
    if changes:
        rules.full_clean(exclude=["dealership"])
        rules.save(update_fields=list(changes))
        StaffEvent.objects.create(
            dealership_id=store_id,
            user=acting_user,
            actor=acting_user,
            verb="feedback_settings_changed",
            changes=changes,
        )
    return rules


@transaction.atomic
def schedule_survey(
    customer, *, department: str, key: str, staff=None, at=None, subject: str = ""
) -> Survey:
    """An experience ended: plan its survey for the store's delay later and queue the job
    that sends it. One survey per `key`: reporting the event again returns the first."""
    if department not in Department.values:
        raise ValidationError({"department": [f"Use one of {Department.values}."]})
    if not key:
        raise ValidationError({"key": ["Name the event the survey is for."]})
    at = at or timezone.now()
    store = customer.dealership_id
    existing = Survey.objects.filter(dealership_id=store, event_key=key[:120]).first()
    if existing is not None:
        return existing
    delay = timedelta(hours=settings_for(store).survey_delay_hours)
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                dealership_id=store,
                customer=customer,
                department=department,
                staff=staff if staff is not None and staff.dealership_id == store else None,
                subject=subject[:120],
                event_key=key[:120],
                event_at=at,
                due_at=at + delay,
            )
    except IntegrityError:  # the same event reported twice at once
        return Survey.objects.get(dealership_id=store, event_key=key[:120])
    _queue(survey)
    return survey


def _queue(survey: Survey) -> None:
    enqueue(
        SEND_JOB,
        dealership=survey.dealership,
        title="Survey email",
        run_after=survey.due_at,
        survey_id=survey.pk,
    )


def send_survey(survey_id: int, *, now=None) -> str:
    """Send a scheduled survey (the job). The ask policy decides under the customer's lock;
    the ask's key is the survey's event, so a job that runs twice sends one email. Refused
    for a while (caps, quiet hours), it is tried again then; refused for good, it is marked
    not sent with the reason. The email leaves inside the transaction: a mail server that
    is down fails the job, which is retried, and nothing is recorded as sent."""
    now = now or timezone.now()
    with transaction.atomic():
        survey = (
            Survey.objects.select_for_update(of=("self",))
            .select_related("customer", "dealership", "staff")
            .get(pk=survey_id)
        )
        if survey.status != Survey.Status.SCHEDULED:
            return survey.status
        customer = survey.customer
        try:
            ask = record_ask(
                customer,
                Ask.Kind.SURVEY,
                Ask.Channel.EMAIL,
                at=now,
                key=f"survey:{survey.event_key}"[:120],
                source=f"Survey after {survey.get_department_display().lower()}"[:120],
            )
        except AskRefused as refused:
            decision = refused.decision
            if decision.retry_at and decision.retry_at <= survey.event_at + RETRY_FOR:
                survey.due_at = decision.retry_at
                survey.status_note = decision.reason[:300]
                survey.save(update_fields=["due_at", "status_note"])
                _queue(survey)
                return "later"
            survey.status, survey.status_note = Survey.Status.NOT_SENT, decision.reason[:300]
            survey.save(update_fields=["status", "status_note"])
            record_event(
                customer,
                CustomerEvent.Verb.SURVEY_NOT_SENT,
                actor=None,
                subject=survey.get_department_display(),
                reason=decision.reason[:300],
            )
            return Survey.Status.NOT_SENT
        if not ask.is_new:  # sent by an earlier run whose bookkeeping was lost
            return "already sent"
        token, survey.token_hash = links.new_token()
        survey.status, survey.status_note = Survey.Status.SENT, ""
        survey.sent_at, survey.ask = now, ask
        valid = timedelta(days=settings_for(survey.dealership_id).survey_valid_days)
        survey.expires_at = now + valid
        survey.save(
            update_fields=["status", "status_note", "sent_at", "ask", "token_hash", "expires_at"]
        )
        record_event(
            customer,
            CustomerEvent.Verb.SURVEY_SENT,
            actor=None,
            subject=survey.get_department_display(),
            changes={"basis": ["", ask.basis]},
        )
        emails.survey_email(survey, token).send()
    return Survey.Status.SENT


def survey_for_token(token: str) -> Survey | None:
    """The survey a link opens, or None (unknown token). Expiry is the caller's answer."""
    if not token or len(token) > 100:
        return None
    return (
        Survey.objects.select_related("dealership", "staff", "customer")
        .filter(token_hash=links.hash_token(token), status=Survey.Status.SENT)
        .first()
    )


def link_problem(survey: Survey | None, *, now=None) -> str:
    if survey is None:
        return "This survey link is not valid. Please use the link from your email."
    if survey.expires_at and survey.expires_at <= (now or timezone.now()):
        return "This survey has closed. Thank you all the same — you can always call us."
    return ""


@transaction.atomic
def answer_survey(survey: Survey, *, score, comment: str = "", now=None) -> SurveyResponse:
    """The customer's answer (from the link, or typed in by staff). A second answer updates
    the first and counts it; the ask is marked answered."""
    errors = {}
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = -1
    if not 0 <= score <= 10:
        errors["score"] = ["Pick a number from 0 to 10."]
    comment = (comment or "").strip()
    if len(comment) > 2000:
        errors["comment"] = ["Please keep it under 2,000 characters."]
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    survey = Survey.objects.select_for_update().select_related("customer").get(pk=survey.pk)
    response = SurveyResponse.objects.select_for_update().filter(survey=survey).first()
    old_score = None
    if response is None:
        response = SurveyResponse.objects.create(
            dealership_id=survey.dealership_id,
            survey=survey,
            customer=survey.customer,
            department=survey.department,
            staff_id=survey.staff_id,
            score=score,
            category=category_of(score),
            comment=comment,
            first_answered_at=now,
            answered_at=now,
        )
    else:
        old_score = response.score
        response.score, response.category = score, category_of(score)
        response.comment, response.answered_at = comment, now
        response.times_answered += 1
        response.save(
            update_fields=["score", "category", "comment", "answered_at", "times_answered"]
        )
    if survey.ask_id:
        set_outcome(Ask(pk=survey.ask_id), Ask.Outcome.ANSWERED, at=now)
    record_event(
        survey.customer,
        CustomerEvent.Verb.SURVEY_ANSWERED,
        actor=None,
        at=now,
        subject=f"{score}/10 ({survey.get_department_display().lower()})",
        changes={"score": ["" if old_score is None else str(old_score), str(score)]},
        reason=comment[:300],
    )
    response.changed_from = old_score
    return response
