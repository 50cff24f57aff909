"""Several processes write to one SQLite file at once (as gunicorn's workers do); WAL, the
busy timeout and IMMEDIATE transactions must queue them without errors or corruption."""

import os
import sqlite3
import subprocess
import sys
import textwrap

# It runs in its own processes on its own SQLite file, whatever database the suite uses.

WRITER = textwrap.dedent(
    """
    import os, sys, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "goodwill.settings"
    django.setup()
    from goodwill.customers.actions import create_customer
    from goodwill.dealerships.models import Dealership, User
    store = Dealership.objects.get(slug="conc")
    user = User.objects.get(username="writer")
    worker = sys.argv[1]
    for i in range(40):
        create_customer(store, acting_user=user, first_name=f"W{worker}", last_name=f"N{i}",
                        phones={"mobile": f"+1512555{int(worker) % 10}1{i % 100:02d}"})
    """
)


def test_several_processes_write_at_once_and_the_file_stays_sound(tmp_path):
    env = {**os.environ, "GOODWILL_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "-m", "goodwill.cli"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    setup = (
        "from goodwill.dealerships.actions import create_dealership, create_staff;"
        "s = create_dealership(name='Concurrency Motors', slug='conc');"
        "create_staff(s, username='writer', role='sales')"
    )
    subprocess.run([*manage, "shell", "-c", setup], env=env, check=True)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(n)], env=env, stderr=subprocess.PIPE)
        for n in range(4)
    ]
    errors = [w.communicate(timeout=120)[1].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], errors

    db = sqlite3.connect(tmp_path / "goodwill.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM customers_customer").fetchone()[0] == 160
    assert db.execute("SELECT count(*) FROM customers_customerevent").fetchone()[0] == 160
