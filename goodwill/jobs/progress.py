"""Progress a job reports from inside its own write transaction, where an UPDATE of its row
would show only at commit (too late to watch).

PostgreSQL: a second connection of this process writes the row (the work transaction never
locks it). SQLite: the work transaction holds the database's one write lock, so the numbers
go to a small JSON file under `$GOODWILL_DATA_DIR/jobs/progress/` (an embedded SQLite
installation is one machine), which the job page and the API read while the job runs."""

import contextlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.db import connection

_side = None  # the running job's second PostgreSQL connection (autocommit)


def progress_dir() -> Path:
    path = settings.DATA_DIR / "jobs" / "progress"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file(job) -> Path:
    return progress_dir() / f"{job.public_id}.json"


def write_live(job) -> None:
    global _side
    if connection.vendor == "postgresql":
        if _side is None or _side.closed:
            # A raw driver connection set up as Django's own (same parameters), autocommit.
            _side = connection.get_new_connection(connection.get_connection_params())
            _side.autocommit = True
        with _side.cursor() as cursor:
            # Its own connection, so it says itself whose row it writes (core/storewall.py):
            # the job's store, or across stores for a job of none.
            cursor.execute(
                "SELECT set_config('goodwill.store', %s, false),"
                " set_config('goodwill.all_stores', %s, false)",
                [str(job.dealership_id or ""), "off" if job.dealership_id else "on"],
            )
            cursor.execute(
                f"UPDATE {job._meta.db_table} SET done = %s, total = %s, message = %s,"  # nosec B608 # the model's table name; values are parameters
                " updated_at = %s WHERE id = %s",
                [job.done, job.total, job.message, job.updated_at, job.pk],
            )
        return
    target = _file(job)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps([job.done, job.total, job.message]))
    os.replace(temporary, target)  # readers never see half a file


def read_live(job) -> None:
    """Overlay what a running job wrote to the side file (SQLite) onto `job`."""
    if connection.vendor == "postgresql" or job.status != job.Status.RUNNING:
        return
    with contextlib.suppress(OSError, ValueError):  # no file yet, or the job just ended
        job.done, job.total, job.message = json.loads(_file(job).read_text())


def forget(job) -> None:
    """The job ended: drop its side file, close the side connection (opened per job)."""
    global _side
    if _side is not None:
        _side.close()
        _side = None
    if connection.vendor != "postgresql":
        _file(job).unlink(missing_ok=True)
