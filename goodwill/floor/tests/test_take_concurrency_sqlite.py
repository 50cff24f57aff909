"""The SQLite equivalent of test_take_concurrency: real processes on one SQLite file (as
gunicorn's workers would), several pressing "take" on the same up at the same instant.
IMMEDIATE transactions queue the writers; exactly one gets the up."""

import os
import sqlite3
import subprocess
import sys
import textwrap
import time

TAKER = textwrap.dedent(
    """
    import os, sys, time, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "goodwill.settings"
    django.setup()
    from django.core.exceptions import ValidationError
    from goodwill.floor.actions import take_up
    from goodwill.floor.models import Up
    from goodwill.dealerships.models import User
    up, alice = Up.objects.get(), User.objects.get(username="alice")
    time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
    try:
        take_up(up, user=alice)
        print("took")
    except ValidationError as exc:
        print("refused:", exc.messages[0])
    """
)
SETUP = (
    "from goodwill.dealerships.actions import create_dealership, create_staff;"
    "from goodwill.floor.actions import clock_in, log_up;"
    "s = create_dealership(name='Race Motors', slug='race');"
    "a = create_staff(s, username='alice', role='sales'); clock_in(a);"
    "log_up(s, acting_user=a, source='walk_in', new_customer={'first_name': 'Rita'})"
)


def test_several_processes_pressing_take_on_one_up_give_it_once(tmp_path):
    env = {**os.environ, "GOODWILL_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "-m", "goodwill.cli"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True)
    start = str(time.time() + 4)  # every process is loaded before the common instant
    takers = [
        subprocess.Popen(
            [sys.executable, "-c", TAKER, start],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    outputs = [t.communicate(timeout=120) for t in takers]
    assert [t.returncode for t in takers] == [0, 0, 0], [e.decode() for _, e in outputs]
    said = sorted(out.decode().strip() for out, _ in outputs)
    assert said == ["refused: alice already has this up."] * 2 + ["took"], said

    db = sqlite3.connect(tmp_path / "goodwill.sqlite3")
    assert db.execute("SELECT count(*) FROM floor_deal").fetchone()[0] == 1
