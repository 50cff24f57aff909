"""`goodwill import --dealership SLUG FILE [--dry-run] [--as USERNAME]`: a CSV or vCard file,
streamed, with a progress bar in rows per second. Uses the mapping remembered for files
with the same columns (or the guessed one); writes the error report next to the file."""

import csv
import resource
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from goodwill.dealerships.models import Dealership, User
from goodwill.imports import actions
from goodwill.imports.models import RowError

PROGRESS_EVERY = 50_000


def progress_line(rows: int, elapsed: float) -> str:
    """With -v 2, every PROGRESS_EVERY rows (long imports, benchmarks: a run stopped early
    still says how far it got): rows, wall seconds, this process's CPU seconds, its resident
    memory now and at its peak."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss = peak = usage.ru_maxrss / 1024
    try:
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        pass
    return (
        f"progress: {rows:,} rows, {elapsed:,.1f} s, CPU {usage.ru_utime + usage.ru_stime:,.1f} s,"
        f" RSS {rss:,.0f} MB (peak {peak:,.0f})"
    )


class Command(BaseCommand):
    help = "Import customers from a CSV or vCard file into one store."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dealership", required=True, help="The store's slug")
        parser.add_argument("--dry-run", action="store_true", help="Count and report only")
        parser.add_argument("--as", dest="username", default="", help="Staff member to record")
        parser.add_argument("--skip-duplicates", action="store_true")

    def handle(self, *args, file, dealership, dry_run, username, skip_duplicates, **options):
        store = Dealership.objects.filter(slug=dealership).first()
        if store is None:
            raise CommandError(f"No dealership with slug {dealership!r}.")
        user = None
        if username:
            user = User.objects.filter(dealership=store, username=username).first()
            if user is None:
                raise CommandError(f"No staff member {username!r} at {store.name}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            with open(path, "rb") as f:
                batch = actions.upload(
                    store,
                    acting_user=user,
                    filename=path.name,
                    chunks=iter(lambda: f.read(1024 * 1024), b""),
                    max_bytes=None,
                )
            if skip_duplicates:
                actions.set_mapping(batch, batch.mapping, on_duplicate="skip")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        mapped = {h: f for h, f in batch.mapping.items() if f}
        self.stdout.write(f"{batch.source_name or 'CSV'}: {len(mapped)} columns mapped")
        for header, field in mapped.items():
            self.stdout.write(f"  {header} → {field}")
        console = Console(file=self.stdout, force_terminal=False)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]:,} rows · {task.fields[rate]:,.0f} rows/s"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(
                "Dry run" if dry_run else "Import", total=batch.size, rows=0, rate=0.0
            )

            started, every = time.perf_counter(), PROGRESS_EVERY
            verbose = options.get("verbosity", 1) >= 2

            def report(rows, done, total):
                elapsed = progress.tasks[task].elapsed or 1e-9
                progress.update(task, completed=done, rows=rows, rate=rows / elapsed)
                if verbose and rows and (rows % every == 0 or done == total):
                    self.stderr.write(progress_line(rows, time.perf_counter() - started))
                    self.stderr.flush()

            try:
                actions.run(batch, commit=not dry_run, acting_user=user, progress=report)
            except ValidationError as exc:
                raise CommandError("Nothing was imported: " + " ".join(exc.messages)) from None
        c = batch.counts
        self.stdout.write(
            f"{c['rows']:,} rows: {c['new']:,} new, {c['updated']:,} updated, "
            f"{c['duplicate']:,} duplicate, {c['invalid']:,} invalid "
            f"({'dry run, nothing written' if dry_run else 'committed'}; "
            f"batch {batch.public_id})."
        )
        errors = RowError.objects.filter(batch=batch)
        if errors.exists():
            report_path = path.with_name(path.stem + "-errors.csv")
            with open(report_path, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["row", "column", "value", "reason"])
                for e in errors.iterator(chunk_size=2000):
                    writer.writerow([e.row, e.column, e.value, e.reason])
            self.stdout.write(f"Row errors: {report_path}")
