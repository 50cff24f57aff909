"""`goodwill dedupe --dealership SLUG`: the bulk duplicate pass with a progress bar.
Writes proposals (clusters) for a dealer admin to review; never merges."""

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from goodwill.dealerships.models import Dealership
from goodwill.dedupe.actions import run_dedupe


class Command(BaseCommand):
    help = "Find duplicate customers in one store and propose them for review."

    def add_arguments(self, parser):
        parser.add_argument("--dealership", required=True, help="The store's slug")

    def handle(self, *args, dealership, **options):
        store = Dealership.objects.filter(slug=dealership).first()
        if store is None:
            raise CommandError(f"No dealership with slug {dealership!r}.")
        console = Console(file=self.stdout, force_terminal=False)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as progress:
            tasks = {}

            def report(stage, done, total=None):
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage.capitalize(), total=total)
                progress.update(tasks[stage], completed=done, total=total)

            run = run_dedupe(store, progress=report)
            for task in tasks.values():
                progress.update(task, total=progress.tasks[task].completed)
        self.stdout.write(
            f"{run.customers_scanned:,} customers, {run.pairs_compared:,} pairs compared, "
            f"{run.clusters_found:,} duplicate groups proposed in {run.seconds:.1f} s. "
            "Review them at /duplicates/."
        )
