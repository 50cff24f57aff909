"""`goodwill export --dealership SLUG [--output FILE.zip]`: everything the store owns."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from goodwill.dealerships.models import Dealership
from goodwill.imports.export import write_export


class Command(BaseCommand):
    help = "Export a store's customers and their records as a ZIP of CSV, JSON and vCards."

    def add_arguments(self, parser):
        parser.add_argument("--dealership", required=True, help="The store's slug")
        parser.add_argument("--output", default="", help="ZIP file to write")

    def handle(self, *args, dealership, output, **options):
        store = Dealership.objects.filter(slug=dealership).first()
        if store is None:
            raise CommandError(f"No dealership with slug {dealership!r}.")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        path = Path(output or f"goodwill-{store.slug}-{stamp}.zip")
        tmp = path.with_suffix(".part")
        try:
            with open(tmp, "wb") as out:
                counts = write_export(
                    store, out, progress=lambda table, n: self.stdout.write(f"  {table}: {n:,}")
                )
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
        self.stdout.write(f"Wrote {path}: {summary}.")
