"""`goodwill serve` forks its workers from a master that has already used the database."""

import pytest
from django.db import connection
from gunicorn.app.base import BaseApplication

from goodwill.core.management.commands.serve import run_gunicorn


@pytest.mark.django_db(transaction=True)
def test_the_workers_do_not_inherit_the_masters_database_connection(monkeypatch):
    seen = {}

    def run(self):  # gunicorn would fork its workers here
        seen["open"] = connection.connection is not None
        seen["bind"] = self.cfg.bind

    monkeypatch.setattr(BaseApplication, "run", run)
    connection.ensure_connection()  # as the first-run check and the demo's data do
    assert connection.connection is not None
    run_gunicorn(host="127.0.0.1", port=18999, workers=2)
    # Django never closes the test suite's in-memory SQLite database (it would be lost); a
    # fork copies it and shares no socket. Every other database is closed.
    kept = connection.vendor == "sqlite" and connection.is_in_memory_db()
    assert seen == {"open": kept, "bind": ["127.0.0.1:18999"]}
