"""The one way to run work in the background: `enqueue`, and what the worker calls.

    from goodwill.jobs.queue import enqueue
    job = enqueue(commit_import, dealership=store, user=request.user, title="Import x.csv",
                  batch_id=batch.pk)
    return redirect(job)          # the job page shows its progress

`enqueue` inside an action's transaction is an outbox: the job row and its queue message
commit or vanish with the action. The queue is django-q2 on the ORM broker (the same
database, SQLite or PostgreSQL); docs/ARCHITECTURE.md says why. In tests
(`GOODWILL_JOBS_EAGER`) a job runs right after the transaction commits, in-process."""

import logging
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from goodwill.core import storewall
from goodwill.jobs import progress as live
from goodwill.jobs import registry
from goodwill.jobs.models import Job

log = logging.getLogger("goodwill.jobs")

# Waits before the 2nd, 3rd… attempt after an error (a killed run is retried at once).
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
# A queued job whose message has not been picked up in this long is sent again.
RESEND_AFTER = timedelta(minutes=10)
# What a user reads when the job broke on something other than their input.
BROKE = "Something went wrong on our side ({name}); it was logged for the team."


def enqueue(
    kind_or_func, *, dealership, user=None, title: str = "", run_after=None, **params
) -> Job:
    """Queue one run of a declared job kind (`@job` in `<app>/jobs.py`) for `dealership`.

    `params` must be JSON (ids, strings, numbers; UUIDs and dates become strings).
    `run_after` (a datetime) delays it: the job waits unsent and the sweep, which runs every
    minute, sends it once that time has come (a survey a day after the sale)."""
    spec = registry.kind_of(kind_or_func)
    now = timezone.now()
    job = Job.objects.create(
        dealership=dealership,
        kind=spec.kind,
        title=title[:200],
        params=params,
        created_by=user if user is not None and user.is_authenticated else None,
        max_attempts=1 + spec.retries,
        created_at=now,
        run_after=run_after if run_after is not None and run_after > now else now,
    )
    if job.run_after <= now:
        send(job)
    return job


def send(job: Job) -> None:
    """Hand the job to the queue (or, eager, to this process after commit)."""
    Job.objects.filter(pk=job.pk).update(sent_at=timezone.now())
    if settings.GOODWILL_JOBS_EAGER:
        transaction.on_commit(lambda: run_job(job.pk), robust=True)
        return
    spec = registry.kind_of(job.kind)
    async_task(
        "goodwill.jobs.queue.run_job",
        job.pk,
        task_name=f"{job.kind} {job.public_id}",
        q_options={"timeout": spec.timeout},
    )


def _claim(pk: int, now) -> Job | None:
    """Take the job for this run: queued, or running on a lease that ran out (its worker
    was killed). One UPDATE, so two deliveries of the same message run it once."""
    lease = Job.objects.filter(pk=pk).values_list("kind", flat=True).first()
    if lease is None:
        return None
    try:
        timeout = registry.kind_of(lease).timeout
    except LookupError:
        timeout = registry.DEFAULT_TIMEOUT
    claimed = (
        Job.objects.filter(pk=pk)
        .filter(Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, lease_until__lt=now))
        .update(
            status=Job.Status.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            lease_until=now + timedelta(seconds=timeout),
            updated_at=now,
        )
    )
    return Job.objects.get(pk=pk) if claimed else None


def _finish(job: Job, **fields) -> None:
    live.forget(job)
    fields["updated_at"] = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    Job.objects.filter(pk=job.pk).update(**fields)


def run_job(pk: int, now=None) -> str:
    """Run one job (called by the worker with the job's id; django-q2 recycles stale
    database connections before each task). Returns what happened.

    The worker serves every store: it claims and finishes the job across stores (the
    second wall, core/storewall.py), and the job's own work acts for the job's store."""
    with storewall.across_stores("the worker claims and finishes a job of any store"):
        return _run_job(pk, now)


def _run_job(pk: int, now) -> str:
    now = now or timezone.now()
    job = _claim(pk, now)
    if job is None:
        return "skipped: finished, or running elsewhere"
    if job.attempts > job.max_attempts:
        _finish(
            job,
            status=Job.Status.FAILED,
            finished_at=now,
            error=job.error
            or f"The worker stopped during this job {job.max_attempts} times; giving up.",
        )
        return "failed: out of attempts"
    # Progress deeper than this is inside a transaction the job opened (`Job.progress`).
    job.transaction_depth = len(transaction.get_connection().atomic_blocks)
    try:
        spec = registry.kind_of(job.kind)
        # Times a job writes (an email's "Tuesday at 2:30 PM", a history line) are in the
        # store's own zone, as on its pages (`accounts.middleware`).
        zone = job.dealership.zone if job.dealership_id else None
        with (
            storewall.acting_for(job.dealership_id) if job.dealership_id else nullcontext(),
            timezone.override(zone),
            transaction.atomic() if spec.atomic else nullcontext(),
        ):
            result = spec.func(job, **job.params)
    except ValidationError as exc:  # the user's input: trying again changes nothing
        _finish(
            job, status=Job.Status.FAILED, finished_at=timezone.now(), error=" ".join(exc.messages)
        )
        return "failed: " + job.error
    except Exception as exc:
        log.exception("job %s (%s) attempt %s failed", job.public_id, job.kind, job.attempts)
        error = BROKE.format(name=type(exc).__name__)
        if job.attempts < job.max_attempts:
            wait = BACKOFF[min(job.attempts, len(BACKOFF)) - 1]
            _finish(
                job,
                status=Job.Status.QUEUED,
                error=error,
                lease_until=None,
                run_after=timezone.now() + wait,
                sent_at=None,
                message=f"Attempt {job.attempts} failed; trying again shortly.",
            )
            return "will retry"
        _finish(job, status=Job.Status.FAILED, finished_at=timezone.now(), error=error)
        return "failed"
    if job.total is not None and job.done < job.total:
        job.done = job.total
    _finish(
        job,
        status=Job.Status.DONE,
        finished_at=timezone.now(),
        result=result,
        error="",
        lease_until=None,
        done=job.done,
        total=job.total,
        message=job.message,
        file_path=job.file_path,
        file_name=job.file_name,
    )
    return "done"


def run_periodic(name: str):
    """Run one declared periodic scan (the scheduler's task); returns the scan's answer.
    A scan looks at every store's rows (what is due where), so it runs across stores."""
    with storewall.across_stores("a periodic scan looks at every store"):
        return registry.periodic_job(name).func()


def sweep(now=None) -> int:
    """Send again what the queue lost: retries whose wait is over, messages never picked
    up, and running jobs whose lease ran out (their worker was killed). Idempotent."""
    with storewall.across_stores("the sweep resends every store's lost jobs"):
        return _sweep(now or timezone.now())


def _sweep(now) -> int:
    due = Job.objects.filter(
        Q(status=Job.Status.QUEUED, run_after__lte=now)
        & (Q(sent_at__isnull=True) | Q(sent_at__lt=now - RESEND_AFTER))
        | Q(status=Job.Status.RUNNING, lease_until__lt=now)
    )
    sent = 0
    for job in due.only("pk", "kind", "public_id")[:500]:
        send(job)
        sent += 1
    return sent


def run_due(now=None, *, limit: int = 1000) -> list[Job]:
    """Run, in this process, every job that is due (`goodwill worker --once`, tests)."""
    with storewall.across_stores("every store's due jobs"):
        return _run_due(now or timezone.now(), limit)


def _run_due(now, limit: int) -> list[Job]:
    ran = []
    for _ in range(limit):
        pk = (
            Job.objects.filter(
                Q(status=Job.Status.QUEUED, run_after__lte=now)
                | Q(status=Job.Status.RUNNING, lease_until__lt=now)
            )
            .exclude(pk__in=[job.pk for job in ran])
            .order_by("run_after", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            break
        run_job(pk, now=now)
        ran.append(Job.objects.get(pk=pk))
    return ran


SCHEDULE_PREFIX = "goodwill "


def sync_schedules(periodic=None) -> None:
    """Make the queue's schedules match the declared periodic jobs (run at worker start)."""
    periodic = registry.periodic_jobs() if periodic is None else periodic
    names = []
    for p in periodic:
        name = SCHEDULE_PREFIX + p.name
        names.append(name)
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": "goodwill.jobs.queue.run_periodic",
                "args": repr(p.name),
                "schedule_type": Schedule.MINUTES,
                "minutes": max(1, round(p.every / 60)),
                "repeats": -1,
            },
        )
    Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).exclude(name__in=names).delete()
