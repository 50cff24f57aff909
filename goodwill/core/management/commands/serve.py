"""`goodwill serve`: the production WSGI server (gunicorn, sync workers)."""

import os
import secrets

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from gunicorn.app.base import BaseApplication

from goodwill.core.links import SETUP_TOKEN_ENV
from goodwill.wsgi import application


def run_gunicorn(*, host: str, port: int, workers: int, threads: int = 1) -> None:
    """Serve until stopped. The master closes its database connections first: a connection
    it opened (the first-run check below, the demo's data) would be inherited by every
    forked worker, and two workers talking over one socket read each other's results
    (PostgreSQL: "the last operation didn't produce records", rows of another query; 221 of
    254 GETs answered 500 in `bench/bench_http.py` before this)."""

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "sync")
            self.cfg.set("accesslog", os.environ.get("GOODWILL_ACCESS_LOG") or None)
            self.cfg.set("timeout", 60)

        def load(self):
            return application

    connections.close_all()
    Server().run()


class Command(BaseCommand):
    help = "Serve Goodwill with gunicorn (sync workers)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("GOODWILL_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("GOODWILL_PORT", "8000"))
        )
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("GOODWILL_WORKERS", "0")) or None
        )

    def handle(self, *args, host, port, workers, **options):
        workers = workers or (os.cpu_count() or 1) * 2 + 1
        self.stdout.write(
            f"Goodwill on http://{host}:{port}/ ({workers} sync workers). Ctrl-C stops."
        )
        if not settings.GOODWILL_SITE_URL:
            self.stderr.write(
                "GOODWILL_SITE_URL is not set: links in emails will point at "
                f"http://{host}:{port}/. Set it to the address your staff open."
            )
        # Looked up by name: `core` sits below the app that owns stores.
        if not apps.get_model("dealerships", "Dealership").objects.exists():
            token = secrets.token_urlsafe(16)
            os.environ[SETUP_TOKEN_ENV] = token  # the workers inherit it
            base = settings.GOODWILL_SITE_URL or f"http://{host}:{port}"
            self.stdout.write(
                "No store yet. Open this one-time link to set up the first store "
                f"(or run `goodwill setup`):\n  {base}/?setup={token}"
            )
        run_gunicorn(host=host, port=port, workers=workers)
