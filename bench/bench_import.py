"""`goodwill import` at bulk size, on PostgreSQL, next to a bare COPY of the same rows.

    .venv/bin/python bench/bench_import.py [--sizes 100000,250000,1000000] \\
        [--database postgres://postgres@127.0.0.1:5432/gw_bulkimport_bench]

For each size N: a CSV of N rows is written (the names, streets and cities of
`goodwill/devdata/fake.py`; phones and emails unique per person), a new store gets
--existing customers first (written through `customers.actions`), then the real command
runs twice in a child process — `goodwill import --dry-run` and `goodwill import` — and the
bare baseline `COPY`s the same file into a one-table copy (every column text, no index) in
the same database. Printed per run: wall time, rows/s, the child's CPU time and peak RSS, the
database backends' CPU time (`DatabaseCpu`), the counts the command printed, the load
average before and after; then the ratio of the import's time to the COPY's. While an import
runs, its progress lines (`-v 2`: every 50,000 rows, rows, wall and CPU seconds, RSS) are
printed as they come with the database's CPU so far, so a run stopped early still reports.

The file carries, per 1,000 rows: 10 rows repeating an earlier row's person with a new email
and street (same phone: filled in), 10 with a typo in the first name, no phone and the same
street (a likely duplicate), 10 of an existing customer (same phone: filled in), 10 bad
phones (imported without them), 5 bad VINs (wrong check digit: the row is left out), 5
without a name (left out); 250 rows have a vehicle with a VIN."""

import argparse
import csv
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import psycopg

from goodwill.devdata import fake

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/gw_bulkimport_bench"
HEADER = [
    "First Name",
    "Last Name",
    "Mobile Phone",
    "Email",
    "Street",
    "City",
    "State",
    "Zip",
    "VIN",
    "Make",
    "Model",
    "Year",
]
COUNTS = re.compile(
    r"([\d,]+) rows: ([\d,]+) new, ([\d,]+) updated, ([\d,]+) duplicate, ([\d,]+) invalid"
)


def say(text: str = "") -> None:
    print(text, flush=True)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def phone(rng: random.Random) -> str:
    # Real-looking North American numbers (exchange 200-999), ~10^8 of them: few collide.
    return f"({rng.choice(fake.AREA_CODES)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name)) if len(name) > 2 else 1
    return name[:i] + name[i + 1 :] if len(name) > 3 else name + "e"


def write_file(path: Path, rows: int, existing: list[tuple], seed: int) -> None:
    rng = random.Random(seed)
    recent: list[list[str]] = []  # the last rows, to repeat (bounded: memory stays flat)
    makes = sorted(fake.CATALOG)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            first, last = fake.fake_person(rng)
            address = fake.fake_address(rng)
            row = [
                first,
                last,
                phone(rng),
                f"{first}.{last}.{n}@example.com".lower(),
                address["street"],
                address["city"],
                address["region"],
                address["postal_code"],
                "",
                "",
                "",
                "",
            ]
            if rng.random() < 0.25:
                make = rng.choice(makes)
                year = rng.randint(2012, 2024)
                row[8:12] = [
                    fake.fake_model_year_vin(rng, make, year),
                    make,
                    rng.choice(fake.CATALOG[make][1]),
                    str(year),
                ]
            pick = rng.random()
            if pick < 0.010 and recent:  # the same person again: new email and street
                again = rng.choice(recent)
                row[0:3] = again[0:3]
                row[8:12] = [""] * 4
            elif pick < 0.020 and recent:  # a typo, no phone, same street: likely duplicate
                again = rng.choice(recent)
                row = [typo(again[0], rng), again[1], "", "", *again[4:8], "", "", "", ""]
            elif pick < 0.030 and existing:  # a customer the store already has
                first, last, number = rng.choice(existing)
                row[0:3] = [first, last, number]
            elif pick < 0.040:
                row[2] = "555-01"  # not a phone
            elif pick < 0.045 and row[8]:
                vin = row[8]
                row[8] = vin[:8] + ("X" if vin[8] != "X" else "0") + vin[9:]  # check digit
            elif pick < 0.050:
                row[0] = row[1] = ""  # no name
            writer.writerow(row)
            recent.append(row)
            if len(recent) > 5000:
                recent = recent[-2500:]


class DatabaseCpu(threading.Thread):
    """The CPU time of the database's backends serving the bench's database while a child
    runs: PostgreSQL on this machine, each backend's /proc/<pid>/stat sampled every half
    second (a backend's last half second before it exits is missed). None when the server's
    processes cannot be read."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.seen, self.first, self.done = url, {}, {}, threading.Event()

    @staticmethod
    def _cpu(pid: int) -> float | None:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while True:
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                ).fetchall()
                for (pid,) in pids:
                    cpu = self._cpu(pid)
                    if cpu is not None:
                        self.first.setdefault(pid, cpu)
                        self.seen[pid] = cpu
                if self.done.wait(0.5):
                    return

    def so_far(self) -> float:
        return sum(cpu - self.first[pid] for pid, cpu in list(self.seen.items()))

    def stop(self) -> float | None:
        self.done.set()
        self.join()
        if not self.seen:
            return None
        return self.so_far()


def child(argv: list[str], env: dict, on_line=None) -> tuple[float, int, str, float]:
    """Run a command; (wall seconds, peak RSS in MB, stdout, its CPU seconds). `on_line`:
    called with each line of its output as it comes (the import's progress lines)."""
    started = time.perf_counter()
    lines = []
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, text=True
    )
    for line in proc.stdout:
        lines.append(line)
        if on_line is not None:
            on_line(line.rstrip("\n"))
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = "".join(lines)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{text[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, usage.ru_maxrss // 1024, text, cpu


def setup_store(env: dict, slug: str, existing: int, seed: int) -> list[tuple]:
    """A new store with `existing` customers written through customers.actions; returns
    (first, last, phone) of each, for the file to repeat."""
    script = f"""
import random
from goodwill.customers import actions
from goodwill.dealerships.actions import create_dealership
from goodwill.devdata import fake
rng = random.Random({seed})
store = create_dealership(name="Bench {slug}", slug="{slug}", makes=["Ford"])
new = []
for n in range({existing}):
    first, last = fake.fake_person(rng)
    number = f"(512) {{rng.randint(200, 999)}}-{{rng.randint(0, 9999):04d}}"
    new.append(actions.prepare_new_customer(store, acting_user=None, phones={{"mobile": number}},
        emails={{}}, first_name=first, last_name=last, **fake.fake_address(rng)))
    print(first, last, number, sep="\\t")
for start in range(0, len(new), 1000):
    actions.create_customers_bulk(new[start:start + 1000])
"""
    text = child([sys.executable, "manage.py", "shell", "-c", script], env)[2]
    return [tuple(line.split("\t")) for line in text.splitlines() if line.count("\t") == 2]


def bare_copy(url: str, path: Path) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_bare_import")
        conn.execute(
            "CREATE TABLE bench_bare_import ("
            + ", ".join(f"c{i} text" for i in range(len(HEADER)))
            + ")"
        )
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bench_bare_import FROM STDIN (FORMAT csv, HEADER true)") as copy,
            open(path, "rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_bare_import")
    return elapsed


def recreate(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,250000,1000000")
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--existing", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true", help="reuse the database")
    parser.add_argument("--no-dry-run", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ, DATABASE_URL=args.database, DJANGO_SETTINGS_MODULE="goodwill.settings")
    goodwill = str(Path(sys.executable).with_name("goodwill"))
    say(f"bench_import: {args.database} · load {load()}")
    if not args.keep_db:
        recreate(args.database)
    child([sys.executable, "manage.py", "migrate", "--verbosity", "0"], env)
    summary = []
    for size in [int(s) for s in args.sizes.split(",")]:
        slug = f"bench-{size}-{int(time.time())}"
        existing = setup_store(env, slug, args.existing, args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"customers-{size}.csv"
            started = time.perf_counter()
            write_file(path, size, existing, args.seed)
            say(
                f"\n{size:,} rows: file {path.stat().st_size / 1e6:,.0f} MB written in "
                f"{time.perf_counter() - started:,.0f} s; store {slug} with {len(existing):,}"
                " customers"
            )
            results = {}
            for mode in ([] if args.no_dry_run else ["--dry-run"]) + [""]:
                before = load()
                argv = [goodwill, "import", str(path), "--dealership", slug, "-v", "2"]
                database = DatabaseCpu(args.database)
                database.start()

                def progress(line, database=database, size=size):
                    # The command's own progress line, with the database's CPU so far.
                    if line.startswith("progress: "):
                        rows = int(line.split()[1].replace(",", "")) or 1
                        db = database.so_far()
                        say(
                            f"    {line[10:]}, database CPU {db:,.1f} s "
                            f"({db / rows * 1e6:,.0f} µs a row so far) · load {load()}"
                        )

                seconds, rss, text, cpu = child(argv + ([mode] if mode else []), env, progress)
                db_cpu = database.stop()
                found = COUNTS.search(text)
                counts = found.group(0) if found else text[-500:]
                label = "dry run" if mode else "commit"
                results[label] = (seconds, found.groups() if found else None)
                say(
                    f"  goodwill import ({label}): {seconds:,.1f} s, {size / seconds:,.0f} rows/s,"
                    f" its CPU {cpu:,.0f} s ({cpu / size * 1e6:,.0f} µs a row), the database's"
                    + (
                        f" {db_cpu:,.0f} s ({db_cpu / size * 1e6:,.0f} µs a row)"
                        if db_cpu is not None
                        else " not readable"
                    )
                    + f", peak RSS"
                    f" {rss:,} MB · {counts} · load {before} → {load()}"
                )
            before = load()
            copy_seconds = bare_copy(args.database, path)
            say(
                f"  bare COPY of the same file into one text table: {copy_seconds:,.1f} s,"
                f" {size / copy_seconds:,.0f} rows/s · load {before} → {load()}"
            )
            commit = results["commit"][0]
            same = "dry run" in results and results["dry run"][1] == results["commit"][1]
            say(
                f"  commit / COPY: {commit / copy_seconds:,.1f}× the time · "
                f"dry-run counts {'equal' if same else 'NOT equal'} to the commit's"
                if "dry run" in results
                else f"  commit / COPY: {commit / copy_seconds:,.1f}× the time"
            )
            summary.append((size, commit, copy_seconds))
    say("\nsize      commit s   rows/s   COPY s   ratio   (target: 1,000,000 rows < 600 s)")
    for size, commit, copy_seconds in summary:
        say(
            f"{size:>9,} {commit:>9,.1f} {size / commit:>8,.0f} {copy_seconds:>8,.1f}"
            f" {commit / copy_seconds:>7,.1f}"
        )


if __name__ == "__main__":
    main()
