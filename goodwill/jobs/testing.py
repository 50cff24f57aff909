"""Test helpers: run the jobs a test queued, in the test's process."""

import os
import sqlite3
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from goodwill.jobs.models import Job
from goodwill.jobs.queue import run_due


def run_jobs(*, later: bool = False) -> list[Job]:
    """Run every queued job now and return them (refreshed). `later=True` acts as if a day
    had passed: retries whose wait is not over run too, and a "running" job whose worker
    is gone (its lease ran out) gets its next attempt."""
    now = timezone.now() + (timedelta(days=1) if later else timedelta(0))
    return run_due(now=now)


def database_for_subprocess(directory: Path) -> dict:
    """Environment for a `goodwill` process started by a test, on the test's own database.

    PostgreSQL: the test database by name (the test must use `transactional_db`, so what it
    wrote is committed). SQLite: the test database lives in this process's memory, so it is
    copied into `directory` with SQLite's backup API; `copy_back(directory)` brings what the
    other process wrote back into the test's database."""
    settings_dict = connection.settings_dict
    # The same key: queue messages are signed with it (a demo's key lives in its data dir).
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "goodwill.settings",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    env.pop("GOODWILL_JOBS_EAGER", None)
    if connection.vendor == "postgresql":
        url = env["DATABASE_URL"]
        env["DATABASE_URL"] = url[: url.rindex("/") + 1] + settings_dict["NAME"]
        return env
    # A cursor, not ensure_connection(): outside a test marked for the database,
    # pytest-django refuses it here, instead of copying the wrong database (which hangs).
    connection.cursor().close()
    target = sqlite3.connect(directory / "goodwill.sqlite3")
    with target:
        connection.connection.backup(target)
    target.close()
    env.pop("DATABASE_URL", None)
    env["GOODWILL_DATA_DIR"] = str(directory)
    return env


def copy_back(directory: Path) -> None:
    """SQLite: replace the test's database with what a subprocess left in `directory`."""
    if connection.vendor != "sqlite":
        return
    source = sqlite3.connect(directory / "goodwill.sqlite3")
    connection.ensure_connection()
    with source:
        source.backup(connection.connection)
    source.close()
