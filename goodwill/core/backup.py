"""Back up and restore the whole database: `goodwill backup FILE`, `goodwill restore FILE`.

SQLite: SQLite's online backup API (a consistent copy while the app keeps serving; writers
wait only for the page copy, not for us) into a SQLite file, and the same API back.
PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --single-transaction` (all or
nothing). A restore into a database that holds data refuses unless forced."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess  # nosec B404 # pg_dump/pg_restore run with argument lists, never a shell
from pathlib import Path

from django.apps import apps
from django.db import connection

CHUNK_PAGES = 1024  # pages copied per step of the SQLite backup: writers get turns between


class BackupError(Exception):
    """Said to the person at the command line: what went wrong and what to do."""


def _pg_env_and_args() -> tuple[dict, list[str]]:
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if s.get(key):
            args += [flag, str(s[key])]
    return env, args


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603 # the command is ours (pg_dump/pg_restore + paths), no shell
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def backup(target: Path) -> None:
    target = Path(target)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        partial = target.with_name(target.name + ".part")
        partial.unlink(missing_ok=True)
        out = sqlite3.connect(partial)
        try:
            connection.connection.backup(out, pages=CHUNK_PAGES)
        finally:
            out.close()
        os.replace(partial, target)
    elif connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        _run(
            ["pg_dump", "--format=custom", "--no-owner", *args, "--file", str(target),
             connection.settings_dict["NAME"]],
            env,
        )  # fmt: skip
    else:
        raise BackupError(f"No backup for the {connection.vendor} database.")


def tables_with_rows() -> list[str]:
    """The store data tables (Goodwill's apps) that hold rows: the restore's safety check. A
    freshly migrated database (content types, permissions, migrations) counts as empty."""
    ours = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_config.name.startswith("goodwill.")
    }
    with connection.cursor() as cursor:
        found = []
        for table in connection.introspection.table_names(cursor):
            if table not in ours:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # nosec B608 # a table name from introspection, quoted; no values
            if cursor.fetchone():
                found.append(table)
        return found


def restore(source: Path, *, force: bool = False) -> None:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file.")
    full = tables_with_rows()
    if full and not force:
        raise BackupError(
            f"The database is not empty ({len(full)} tables hold rows, e.g. {full[0]}). "
            "Restoring replaces everything in it: run again with --force if that is what "
            "you want (take a backup of it first)."
        )
    if connection.vendor == "sqlite":
        backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if backup_file.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not a sound SQLite backup.")
            connection.ensure_connection()
            backup_file.backup(connection.connection, pages=CHUNK_PAGES)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite backup: {exc}") from None
        finally:
            backup_file.close()
    elif connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        connection.close()  # our own session must not hold locks on what is dropped
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
             *args, "--dbname", connection.settings_dict["NAME"], str(source)],
            env,
        )  # fmt: skip
    else:
        raise BackupError(f"No restore for the {connection.vendor} database.")


def table_checksums() -> dict[str, tuple[int, str]]:
    """{table: (rows, sha256 of its rows in a stable order)} — what a restore must give back."""
    sums = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # nosec B608 # a table name from introspection, quoted; no values
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            sums[table] = (len(rows), digest)
    return sums
