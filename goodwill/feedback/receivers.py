"""What the feedback app hears from the apps below it: an experience ended
(`outreach.signals.experience_completed`, sent by a sale, a handled referral and a closed
repair order). Runs inside the sender's transaction: the survey and its job commit with it."""

import contextlib
import contextvars
from datetime import timedelta

from django.utils import timezone

from goodwill.feedback import actions
from goodwill.outreach.signals import experience_completed

# A visit recorded later than this after it happened (history, the demo) is not surveyed.
LATE = timedelta(days=3)

# Seeding history (the demo) plans the surveys of its recent visits without queueing their
# emails: the demo emails nobody. `LATE` alone did not hold it: a demo seeded on a Monday
# has Saturday's visits, inside the three days and already due, so their surveys went out.
_history = contextvars.ContextVar("goodwill_feedback_history", default=False)


@contextlib.contextmanager
def recording_history():
    """Inside: an experience plans its survey (the row, for the reports) but queues no email."""
    token = _history.set(True)
    try:
        yield
    finally:
        _history.reset(token)


def survey_after(sender, *, customer, department, key, staff=None, at=None, subject="", **_):
    if at is not None and timezone.now() - at > LATE:
        return
    actions.schedule_survey(
        customer,
        department=department,
        key=key,
        staff=staff,
        at=at,
        subject=subject,
        queue=not _history.get(),
    )


def connect() -> None:
    experience_completed.connect(survey_after, dispatch_uid="feedback.survey_after")
