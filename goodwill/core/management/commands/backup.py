"""`goodwill backup FILE`: a consistent copy of the whole database while the app serves."""

from django.core.management.base import BaseCommand, CommandError

from goodwill.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the whole database to FILE (SQLite: a database file; PostgreSQL: pg_dump -Fc)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            backup(file)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backed up to {file}. Restore with: goodwill restore {file}")
