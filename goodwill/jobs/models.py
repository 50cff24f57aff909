"""`Job`: one piece of background work a store asked for, with its progress and result.

The queue (django-q2, ORM broker) only carries "run job 42"; this row is the truth about the
job: who asked, how far it got, what came out, how often it was tried. `queue.run_job` claims
it with one conditional UPDATE, so a message delivered twice runs the work once."""

import time
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from goodwill.core.tenancy import TenantQuerySet
from goodwill.jobs import progress as live

# A page polls every second; writing progress more often than this only costs writes.
PROGRESS_EVERY = 0.5


class JobQuerySet(TenantQuerySet):
    def visible_to(self, user):
        """Managers see every job of their store; other staff see the jobs they started."""
        rows = self.for_dealership(user.dealership)
        return rows if user.is_manager else rows.filter(created_by=user)


class Job(models.Model):
    """A background job of one store (import, export, duplicate run, email…)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    FINISHED = (Status.DONE, Status.FAILED)
    EXPORT_EXCLUDE = ("file_path", "lease_until", "sent_at")  # the server's own bookkeeping

    dealership = models.ForeignKey(
        "dealerships.Dealership", on_delete=models.CASCADE, related_name="+"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(blank=True)
    # A file the job wrote for its user (an export): served by the job's download page.
    file_path = models.CharField(max_length=500, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Not before this time (a retry waits); the sweep sends due jobs the queue lost.
    run_after = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # A running job past this moment was killed or hung: the sweep gives it another attempt.
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "-created_at"], name="jobs_job_store_recent"),
            # The sweep: queued jobs due to be sent, running jobs whose lease ran out.
            models.Index(
                fields=["status", "run_after"],
                name="jobs_job_unfinished",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.kind

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.done / self.total))

    def progress(
        self,
        done: int,
        total: int | None = None,
        message: str | None = None,
        *,
        force: bool = False,
    ) -> None:
        """Record how far the work got (shown on the job page and by the API).

        Writes at most twice a second unless `force`. Inside a transaction the job opened
        (deeper than where the runner started it), the numbers go through `jobs.progress`'s
        side channel so they show while the transaction is still open."""
        self.done = done
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message[:300]
        now = time.monotonic()
        if not force and now - getattr(self, "_progress_written", 0.0) < PROGRESS_EVERY:
            return
        self._progress_written = now
        self.updated_at = timezone.now()
        if len(connection.atomic_blocks) > getattr(self, "transaction_depth", 0):
            live.write_live(self)
            return
        Job.objects.filter(pk=self.pk).update(
            done=self.done, total=self.total, message=self.message, updated_at=self.updated_at
        )
