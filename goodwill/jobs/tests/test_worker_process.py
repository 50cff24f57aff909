"""The one test with a real worker: `goodwill worker` (django-q2's cluster) is killed with
SIGKILL in the middle of a job; the next worker retries it and nothing half-done remains."""

import os
import signal
import subprocess
import sys
import time

import pytest

from goodwill.customers.models import Customer
from goodwill.jobs.models import Job
from goodwill.jobs.queue import enqueue
from goodwill.jobs.testing import copy_back, database_for_subprocess
from goodwill.jobs.tests import kinds

WORKER = (
    "import django; django.setup(); import goodwill.jobs.tests.kinds; "
    "from django.core.management import call_command; call_command('worker', *{args!r})"
)


def _worker(env, *args, **popen):
    return subprocess.Popen(
        [sys.executable, "-c", WORKER.format(args=list(args))],
        env={**env, "GOODWILL_WORKERS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_is_killed_mid_way_is_retried_and_never_half_applied(
    store_a, dana, settings, tmp_path
):
    settings.GOODWILL_JOBS_EAGER = False  # a real queue message, for a real worker
    paused = tmp_path / "halfway"
    job = enqueue(kinds.write_rows, dealership=store_a, user=dana, rows=20, pause_file=str(paused))
    env = database_for_subprocess(tmp_path)

    worker = _worker(env, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not paused.exists():  # half the rows written, inside the job's transaction
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.05)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the whole cluster, like a power cut
        worker.wait(timeout=30)
        worker.stdout.close()
    killed_at = time.monotonic()

    copy_back(tmp_path)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)
    assert not Customer.objects.filter(last_name="Job").exists()  # nothing half-applied

    time.sleep(max(0.0, kinds.write_rows_timeout + 0.2 - (time.monotonic() - killed_at)))
    env = database_for_subprocess(tmp_path)
    retry = _worker(env, "--once")
    output, _ = retry.communicate(timeout=120)
    assert retry.returncode == 0, output
    copy_back(tmp_path)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.total) == (Job.Status.DONE, 2, 20, 20), output
    assert Customer.objects.filter(last_name="Job").count() == 20
