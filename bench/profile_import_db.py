"""Where an import's database time goes, and whether it grows with the store: `goodwill
import` in process, each statement kind timed by the backend's own CPU (its
/proc/<pid>/schedstat, nanoseconds: PostgreSQL runs on this machine) and printed per window
of batches, so a growth with the store shows as a column that rises down the table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gw_x .venv/bin/python \\
        bench/profile_import_db.py --rows 100000 [--existing 10000] [--every 10] [--dry-run]

The database is migrated and gets a new store (`--existing` customers, as bench_import.py
writes them) and a file of `--rows` rows (bench_import.py's generator, same seed). Statement
kinds: the first words of the SQL (the name probes, the record loads, …) and each COPY by
table. At the end, `SET CONSTRAINTS ALL IMMEDIATE` runs the deferred foreign-key checks the
commit would run, timed apart."""

import argparse
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "goodwill.settings")

import django  # noqa: E402

django.setup()

import bench_import  # noqa: E402
from django.db import connection  # noqa: E402

from goodwill.core import bulk  # noqa: E402
from goodwill.customers import bulk_updates  # noqa: E402
from goodwill.dealerships.models import Dealership  # noqa: E402
from goodwill.imports import actions, batching  # noqa: E402

KINDS = [
    ("probe names", "FROM unnest(%s::int[], %s::text[], %s::text[])"),
    ("probe lasts", "ORDER BY soundex(first_name), id LIMIT"),
    ("probe company", "upper(company_name::text) = upper(q.company)"),
    ("probe phones", "FROM customers_customerphone WHERE dealership_id = %s AND number = ANY"),
    ("probe emails", "FROM customers_customeremail WHERE dealership_id = %s AND address_lower"),
    ("probe vins", "FROM customers_vehicle WHERE dealership_id = %s AND vin <> ''"),
    ("probe streets", "SELECT upper(street::text), id FROM"),
    ("analyze", "ANALYZE"),
    ("nextval", "nextval"),
]


def kind_of(sql: str) -> str:
    for name, needle in KINDS:
        if needle in sql:
            return name
    words = re.findall(r'"?([A-Za-z_]+)"?', sql[:200])
    head = words[0].upper() if words else "?"
    table = next((w for w in words[1:] if "_" in w and w.islower()), "")
    return f"{head} {table}"[:48]


class Meter:
    def __init__(self, pid: int):
        self.path = f"/proc/{pid}/schedstat"
        self.cpu = defaultdict(float)
        self.calls = defaultdict(int)

    def now(self) -> float:
        with open(self.path) as f:
            return int(f.read().split()[0]) / 1e9

    def timed(self, name, fn, *args, **kwargs):
        before = self.now()
        try:
            return fn(*args, **kwargs)
        finally:
            self.cpu[name] += self.now() - before
            self.calls[name] += 1

    def wrapper(self, execute, sql, params, many, context):
        return self.timed(kind_of(sql), execute, sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--existing", type=int, default=10000)
    parser.add_argument("--every", type=int, default=10, help="batches a window")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", default="", help="import into this existing store")
    args = parser.parse_args()
    env = dict(os.environ)
    bench_import.child([sys.executable, "manage.py", "migrate", "--verbosity", "0"], env)
    slug = args.store or f"prof-{args.rows}-{int(time.time())}"
    existing = []
    if not args.store:
        existing = bench_import.setup_store(env, slug, args.existing, args.seed)
    store = Dealership.objects.get(slug=slug)
    tmp = Path(tempfile.mkdtemp())
    path = tmp / f"customers-{args.rows}.csv"
    bench_import.write_file(path, args.rows, existing, args.seed)
    with open(path, "rb") as f:
        batch = actions.upload(
            store,
            acting_user=None,
            filename=path.name,
            chunks=iter(lambda: f.read(1 << 20), b""),
            max_bytes=None,
        )
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        meter = Meter(cursor.fetchone()[0])
    for name in ("copy_insert", "copy_rows"):
        original = getattr(bulk, name)

        def timed(model, objs, _original=original, _name=name):
            return meter.timed(f"COPY {model._meta.db_table}", _original, model, objs)

        for module in (bulk, sys.modules["goodwill.customers.actions"], batching):
            if hasattr(module, name):
                setattr(module, name, timed)
        if hasattr(bulk_updates, name):
            setattr(bulk_updates, name, timed)
    window = {"start": time.perf_counter(), "cpu": time.process_time(), "db": meter.now()}
    done = [0, 0]
    last = dict(meter.cpu)
    original_process = batching.process

    cache = {}

    def process(batch, rows, **kwargs):
        cache["recs"] = kwargs.get("recs")
        original_process(batch, rows, **kwargs)
        done[0] += 1
        done[1] += len(rows)
        if done[0] % args.every == 0:
            report()

    def report():
        nonlocal last
        rows = done[1] - window.get("rows", 0)
        if not rows:
            return
        db = meter.now()
        cpu = time.process_time()
        delta = {k: v - last.get(k, 0) for k, v in meter.cpu.items()}
        top = sorted(delta.items(), key=lambda kv: -kv[1])[:9]
        recs = cache.get("recs")
        if recs is not None:
            hits, loaded = recs.hits - window.get("hits", 0), recs.loaded - window.get("loaded", 0)
            window.update(hits=recs.hits, loaded=recs.loaded)
            top.insert(0, ("records hit/loaded a row", 0))
            top.insert(1, (f"{hits / rows:.1f}/{loaded / rows:.1f}", 0))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(total_bytes), 0) / 1048576.0 FROM pg_backend_memory_contexts"
                " WHERE name = 'AfterTriggerEvents'"
            )
            queued = cursor.fetchone()[0]
        print(
            f"batches {done[0]:>4} rows {done[1]:>8,}: deferred checks queued {queued:.0f} MB, db {(db - window['db']) / rows * 1e6:5.0f}"
            f" µs/row, import {(cpu - window['cpu']) / rows * 1e6:5.0f} µs/row, wall "
            f"{(time.perf_counter() - window['start']) / rows * 1e6:5.0f} · "
            + ", ".join(f"{k} {v / rows * 1e6:.0f}" if v else k for k, v in top),
            flush=True,
        )
        last = dict(meter.cpu)
        window.update(start=time.perf_counter(), cpu=cpu, db=db, rows=done[1])

    batching.process = process
    started = time.perf_counter()
    cpu0, db0 = time.process_time(), meter.now()
    with connection.execute_wrapper(meter.wrapper):
        original_read = actions._read_and_write

        def read_and_write(*a, **k):
            original_read(*a, **k)
            report()
            with connection.cursor() as cursor:
                meter.timed("deferred FK checks", cursor.execute, "SET CONSTRAINTS ALL IMMEDIATE")
            print(
                f"deferred FK checks: {meter.cpu['deferred FK checks'] / done[1] * 1e6:.0f} µs/row"
            )

        actions._read_and_write = read_and_write
        actions.run(batch, commit=not args.dry_run)
    rows = batch.counts["rows"]
    print(
        f"{rows:,} rows in {time.perf_counter() - started:.1f} s: import CPU "
        f"{(time.process_time() - cpu0) / rows * 1e6:.0f} µs/row, db CPU "
        f"{(meter.now() - db0) / rows * 1e6:.0f} µs/row · {batch.counts} · load "
        f"{bench_import.load()}"
    )
    total = sorted(meter.cpu.items(), key=lambda kv: -kv[1])
    for k, v in total:
        print(f"  {k:<48} {v / rows * 1e6:7.1f} µs/row  {meter.calls[k]:>7} calls")


if __name__ == "__main__":
    main()
