"""Job kinds the tests queue (imported by the tests and by the worker process they start)."""

import os
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from goodwill.customers.models import Customer
from goodwill.jobs import progress as live
from goodwill.jobs.registry import job

write_rows_timeout = 2  # seconds: a killed run's lease runs out this soon after it started


@job("tests.write_rows", timeout=write_rows_timeout)
def write_rows(job, *, rows: int, pause_file: str = "", fail_times: int = 0) -> dict:
    """Writes `rows` customers in the job's one transaction. With `pause_file`, the first
    attempt writes half, touches the file and waits to be killed; `fail_times` attempts
    raise halfway instead."""
    for i in range(rows):
        Customer.objects.create(dealership=job.dealership, first_name=f"Row{i}", last_name="Job")
        job.progress(i + 1, rows, f"row {i + 1}")
        if i == rows // 2 and job.attempts <= fail_times:
            raise ConnectionError("the mail server hung up")
        if i == rows // 2 and pause_file and job.attempts == 1:
            Path(pause_file).touch()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # killed long before this ends
                time.sleep(0.05)
            os._exit(3)
    return {"rows": rows, "url": "/customers/", "link_text": "See the customers"}


@job("tests.refuse", retries=5)
def refuse(job, *, why: str):
    raise ValidationError(why)


@job("tests.slow_read", atomic=False)
def slow_read(job, *, steps: int) -> int:
    for i in range(steps):
        job.progress(i + 1, steps, "reading", force=True)
    return steps


@job("tests.peek")
def peek(job) -> dict:
    """Reports progress inside its own transaction and answers what another connection (the
    job page of another process) sees meanwhile."""
    job.progress(3, 10, "three of ten", force=True)
    if connection.vendor == "postgresql":
        other = connection.get_new_connection(connection.get_connection_params())
        with other.cursor() as cursor:
            cursor.execute("SELECT done, total, message FROM jobs_job WHERE id = %s", [job.pk])
            seen = list(cursor.fetchone())
        other.close()
    else:
        outsider = type(job)(pk=job.pk, public_id=job.public_id, status="running")
        live.read_live(outsider)
        seen = [outsider.done, outsider.total, outsider.message]
    return {"seen": seen}


@job("tests.clock")
def clock(job) -> dict:
    """The zone a job's times are written in (an email's "at 2:30 PM")."""
    return {"zone": timezone.get_current_timezone_name()}
