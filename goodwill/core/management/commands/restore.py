"""`goodwill restore FILE [--force]`: put a backup back (refuses a database with data)."""

from django.core.management.base import BaseCommand, CommandError

from goodwill.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the whole database from a `goodwill backup` FILE."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that already holds data (everything in it is lost).",
        )

    def handle(self, *args, file, force=False, **options):
        try:
            restore(file, force=force)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored from {file}.")
