"""`goodwill demo`: migrate the embedded database, seed the demo network once, print the
logins, and serve. Running it again reuses the data; --reset starts over."""

import atexit
import os
import subprocess  # nosec B404 # the demo starts its own worker, no shell
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from goodwill.core import storewall
from goodwill.core.management.commands.serve import run_gunicorn
from goodwill.dealerships.models import Dealership
from goodwill.devdata import demo


class Command(BaseCommand):
    help = "Run the demo: a seeded dealership network on http://127.0.0.1:8000/"

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data and seed anew."
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("GOODWILL_PORT", "8000"))
        )
        parser.add_argument("--host", default=os.environ.get("GOODWILL_HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--no-serve", action="store_true", help="Seed and print logins only.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not run the background jobs (reminders, nudges) beside the web server.",
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed of the demo data.")

    def handle(self, *args, reset, port, host, workers, no_serve, no_worker, seed, **options):
        if reset:
            self._reset()
        self.stdout.write(f"Database: {connection.settings_dict['NAME']}")
        migrate()
        # The seeding writes every demo store's rows, and the logins are every store's.
        with storewall.across_stores("the demo seeds every store and lists their logins"):
            if not Dealership.objects.exists():
                self.stdout.write("Seeding the demo network (first run)…")
                demo.seed(seed=seed, stdout=self.stdout)
            else:
                self.stdout.write("Reusing existing data (use --reset to start over).")
            self.stdout.write(demo.logins_text())
        if no_serve:
            return
        # Links in the demo's emails point at the demo itself (the worker inherits it).
        if not settings.GOODWILL_SITE_URL:
            site = demo_site_url(host, port)
            settings.GOODWILL_SITE_URL = os.environ["GOODWILL_SITE_URL"] = site
        self.stdout.write(f"Links in emails point at {settings.GOODWILL_SITE_URL}/")
        if not no_worker:
            start_worker()
        run_gunicorn(host=host, port=port, workers=workers)

    def _reset(self):
        if connection.vendor == "sqlite":
            connection.close()
            path = settings.SQLITE_PATH
            for suffix in ("", "-wal", "-shm"):
                target = path.with_name(path.name + suffix)
                if target.exists():
                    target.unlink()
            self.stdout.write("Demo data deleted.")
        elif os.environ.get("GOODWILL_ALLOW_RESET") == "1":
            call_command("flush", interactive=False, verbosity=0)
        else:
            raise CommandError(
                "--reset on PostgreSQL needs GOODWILL_ALLOW_RESET=1 (it erases everything)."
            )


def migrate() -> None:
    """As the owner of the tables when DATABASE_OWNER_URL says who that is (in a process of
    its own: this one stays connected as the application's role), else in this process."""
    if connection.vendor == "postgresql" and os.environ.get("DATABASE_OWNER_URL"):
        subprocess.run(  # nosec B603 # our own interpreter and module, no shell
            [sys.executable, "-m", "goodwill.cli", "migrate", "--verbosity", "0"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "goodwill.settings"},
            check=True,
        )
        return
    call_command("migrate", interactive=False, verbosity=0)


def demo_site_url(host: str, port: int) -> str:
    """The address the demo's emails link to: where it serves (a wildcard bind is reached at
    127.0.0.1 from the machine itself)."""
    shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # nosec B104 # a comparison, not a bind
    return f"http://{shown}:{port}"


def start_worker() -> subprocess.Popen:
    """The demo's background jobs: `goodwill worker` as a child process on the same database,
    stopped when the demo stops, so reminders fire in the demo as they do in production."""
    worker = subprocess.Popen(  # nosec B603 # our own interpreter and module, no shell
        [sys.executable, "-m", "goodwill.cli", "worker"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "goodwill.settings"},
        stdout=subprocess.DEVNULL,
    )

    def stop():
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    atexit.register(stop)
    return worker
