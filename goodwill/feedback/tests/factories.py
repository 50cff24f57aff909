"""Store B's feedback objects for the tenancy walk: a survey of store B's customer, its
answer and its recovery task."""

from django.utils import timezone

from goodwill.feedback import actions
from goodwill.feedback.models import Survey


def store_b_objects(world) -> dict:
    now = timezone.now()
    survey = Survey.objects.create(
        dealership=world.store_b,
        customer=world.customer,
        department="sales",
        staff=world.bob,
        event_key="deal:store-b",
        event_at=now,
        due_at=now,
        status=Survey.Status.SENT,
        sent_at=now,
        expires_at=now + timezone.timedelta(days=30),
    )
    response = actions.answer_survey(survey, score=3, comment="Store B's unhappy customer")
    return {
        "survey_id": survey.public_id,
        "response_id": response.public_id,
        "task_id": response.recovery.public_id,
    }
