"""Background work of the feedback app, run by `goodwill worker`."""

from goodwill.feedback import actions
from goodwill.jobs.registry import job


# Queued by `actions.schedule_survey` with the store's delay (`run_after`); retried when the
# mail server is down. The ask's key (the survey's event) keeps a second run from sending.
@job(actions.SEND_JOB, timeout=300, retries=3)
def send_survey(job, *, survey_id: int) -> str:
    # The run's own clock (`started_at`): a test running the queue "two days later" sends
    # at that time.
    return actions.send_survey(survey_id, now=job.started_at)
