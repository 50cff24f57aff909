"""`goodwill worker`: runs every app's periodic jobs (goodwill/<app>/jobs.py PERIODIC_JOBS).

A plain loop on purpose: the jobs are idempotent scans ("referrals past their deadline"),
so no queue is needed — running one late, twice, or from two workers is harmless. Each job
runs in its own try block (one failing job never stops the others), database connections
are recycled between rounds, and SIGTERM/SIGINT finish the current job then exit."""

import logging
import signal
import sys
import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import autodiscover_modules

log = logging.getLogger("goodwill.worker")


def discover_jobs() -> list[tuple[str, object, float]]:
    """`PERIODIC_JOBS` of every app's `jobs.py`, found with Django's `autodiscover_modules`."""
    autodiscover_modules("jobs")
    jobs = []
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.jobs")
        for func, every in getattr(module, "PERIODIC_JOBS", []):
            jobs.append((f"{config.label}.{func.__name__}", func, float(every)))
    return jobs


class Command(BaseCommand):
    help = "Run the periodic background jobs of every app (reminders, rules, nudges)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument(
            "--tick", type=float, default=5.0, help="Seconds between checks for due jobs."
        )

    def handle(self, *args, once=False, tick=5.0, **options):
        jobs = discover_jobs()
        self.stdout.write(
            "Jobs: " + (", ".join(f"{name} every {every:g}s" for name, _, every in jobs) or "none")
        )
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        next_run = {name: 0.0 for name, _, _ in jobs}
        while not stopping:
            for name, func, every in jobs:
                if stopping or time.monotonic() < next_run[name]:
                    continue
                close_old_connections()
                started = time.monotonic()
                try:
                    result = func()
                except Exception:
                    log.exception("job %s failed", name)
                    self.stderr.write(f"{name}: failed (see log)")
                else:
                    self.stdout.write(f"{name}: {result} ({time.monotonic() - started:.2f}s)")
                next_run[name] = time.monotonic() + every
            if once:
                break
            close_old_connections()
            time.sleep(tick)
