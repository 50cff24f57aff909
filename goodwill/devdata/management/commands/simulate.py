"""`goodwill simulate`: fill the database with a big fictional dealership network.

    goodwill simulate --dealerships 200 --customers 1000000 --seed 1

It adds new stores (it never deletes anything); see goodwill/core/simulate.py."""

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from goodwill.devdata.simulate import format_summary, simulate
from goodwill.devdata.simulate_service import simulate_service


class Command(BaseCommand):
    help = (
        "Add a realistic synthetic dealership network (stores, staff, customers) to the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dealerships", type=int, default=10, help="New stores to create.")
        parser.add_argument(
            "--customers", type=int, default=10_000, help="Customers, all stores together."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )
        parser.add_argument(
            "--staff-per-store", type=int, default=None, help="Staff per store (default: 4-10)."
        )
        parser.add_argument("--batch", type=int, default=10_000, help="Customers per load batch.")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Generator processes on PostgreSQL (default: one per core if big; 0: none).",
        )
        parser.add_argument(
            "--row-fk-checks",
            action="store_true",
            help="PostgreSQL: keep the per-row foreign-key triggers instead of checking each "
            "batch with set-based queries before its commit (slower, same guarantees).",
        )
        parser.add_argument(
            "--repair-orders",
            type=int,
            default=0,
            help="Repair orders over the stores' vehicles afterwards, with fleets "
            "(goodwill/devdata/simulate_service.py).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(
        self, *args, dealerships, customers, seed, staff_per_store, batch, workers, **options
    ):

        if staff_per_store is not None and staff_per_store < 1:
            raise CommandError("--staff-per-store must be at least 1.")
        show = not options["no_progress"] and options["verbosity"] > 0
        kwargs = dict(
            dealerships=dealerships,
            customers=customers,
            seed=seed,
            staff_per_store=staff_per_store,
            batch=batch,
            workers=workers,
            row_fk_checks=options["row_fk_checks"],
        )
        try:
            summary = self._with_progress(customers, kwargs) if show else simulate(**kwargs)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 0:
            self.stdout.write(format_summary(summary))
        if options["repair_orders"]:
            try:
                service = simulate_service(repair_orders=options["repair_orders"], seed=seed)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            if options["verbosity"] > 0:
                self.stdout.write(str(service))

    def _with_progress(self, customers, kwargs):

        class RowsPerSecond(ProgressColumn):
            def render(self, task):
                elapsed = task.elapsed or 0
                rate = task.fields.get("rows", 0) / elapsed if elapsed else 0
                return Text(f"{rate:>9,.0f} rows/s", style="progress.data.speed")

        console = Console(file=getattr(self.stdout, "_out", self.stdout))
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("customers"),
            RowsPerSecond(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("Simulating", total=customers, rows=0)

            def progress(advance: int, rows: int) -> None:
                bar.update(task, advance=advance, rows=bar.tasks[task].fields["rows"] + rows)

            summary = simulate(progress=progress, **kwargs)
            bar.update(task, description="Done")
        return summary
