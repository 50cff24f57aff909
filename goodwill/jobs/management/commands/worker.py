"""`goodwill worker`: runs the background jobs — the queue's worker processes (django-q2's
cluster on the ORM broker) and its scheduler, which starts each app's periodic scans
(`PERIODIC_JOBS` in `<app>/jobs.py`). `--once` runs every periodic scan once and every job
that is due in this process, then exits (cron, tests, a stuck queue)."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_q.cluster import Cluster

from goodwill.jobs import registry
from goodwill.jobs.queue import run_due, run_periodic, sync_schedules


class Command(BaseCommand):
    help = "Run the background jobs (imports, exports, emails, reminders, periodic scans)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run every periodic job once and every due job, in this process, then exit.",
        )

    def handle(self, *args, once=False, **options):
        periodic = registry.periodic_jobs()
        self.stdout.write(
            "Periodic jobs: "
            + (", ".join(f"{p.name} every {p.every:g}s" for p in periodic) or "none")
        )
        if once:
            self._once(periodic)
            return
        sync_schedules(periodic)
        close_old_connections()  # the cluster forks: no connection may cross into it
        cluster = Cluster()
        cluster.start()
        # Stop from this loop, not from inside the signal handler: q2's own handler joins
        # the cluster's processes while the interrupted code may hold a lock (a deadlock
        # seen on SIGTERM). The running jobs finish, then the processes exit.
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda signum, frame: stopping.append(signum))
        self.stdout.write("Worker running (stop with Ctrl+C or SIGTERM).")
        while not stopping and cluster.sentinel.is_alive():
            time.sleep(0.5)
        if stopping:
            cluster.stop()

    def _once(self, periodic):
        for p in periodic:
            started = time.monotonic()
            try:
                result = run_periodic(p.name)  # as the scheduler runs it: across stores
            except Exception as exc:  # one broken scan never stops the others
                self.stderr.write(f"{p.name}: failed ({type(exc).__name__}: {exc})")
            else:
                self.stdout.write(f"{p.name}: {result} ({time.monotonic() - started:.2f}s)")
        for job in run_due():
            self.stdout.write(f"job {job.public_id} {job.kind}: {job.status}")
