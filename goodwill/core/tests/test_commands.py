import io
import re
import signal
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from goodwill.customers.models import Customer, CustomerPhone, Vehicle
from goodwill.dealerships.models import Dealership, User
from goodwill.devdata.management.commands.demo import start_worker
from goodwill.jobs.testing import database_for_subprocess

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_realistic_network_once_and_prints_the_logins(demo):
    # `demo` ran `goodwill demo` once for the session (with its on-commit callbacks).
    assert demo.emails_sent == 0  # seeding emails nobody, not even the console
    stores = list(Dealership.objects.all())
    assert len(stores) >= 8
    assert len({tuple(s.makes) for s in stores}) == len(stores)  # different makes
    ford = Dealership.objects.get(slug="ford")
    assert "Ford" in ford.makes and "upfitted trucks" in ford.specialties
    for store in stores:
        staff = User.objects.filter(dealership=store)
        assert 4 <= staff.count() <= 10
        assert staff.filter(role=User.Role.DEALER_ADMIN).exists()
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(User.Role.values)
    assert 450 <= Customer.objects.count() <= 550
    fleets = Customer.objects.filter(kind="business")
    assert fleets.exists()
    assert any(f.vehicles.count() >= 3 for f in fleets)
    # Fictional phones only: the 555-01xx range.
    assert all(
        re.fullmatch(r"\+1\d{3}5550[1]\d\d", n)
        for n in CustomerPhone.objects.values_list("number", flat=True)
    )
    # Every VIN the demo wrote decodes (a vehicle sold on the floor without its VIN typed in
    # is added to its buyer without one).
    assert not Vehicle.objects.exclude(vin="").filter(vin_validated=False).exists()
    assert Vehicle.objects.filter(vin_validated=True).count() >= 0.7 * Vehicle.objects.count()
    text = demo.output
    assert "Seeding the demo network" in text
    assert "alice.ford" in text and "goodwill-demo" in text

    again = io.StringIO()
    call_command("demo", no_serve=True, stdout=again)
    assert "Reusing existing data" in again.getvalue()
    assert Dealership.objects.count() == len(stores)


def test_the_demo_logins_work(client, demo):
    assert client.login(username="alice.ford", password="goodwill-demo")
    page = client.get("/customers/")
    assert page.status_code == 200 and page.text.count('class="name"') == 50


def test_token_prints_a_token_that_opens_the_api(client, alice):
    out = io.StringIO()
    call_command("token", "alice", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("gw_")
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_token_refuses_an_unknown_user(db):

    with pytest.raises(CommandError, match="No active user"):
        call_command("token", "nobody")


@pytest.mark.django_db(transaction=True)
def test_the_demo_runs_the_background_worker_beside_the_server_and_stops_it(tmp_path, monkeypatch):
    """`goodwill demo` starts `goodwill worker` as a child; it runs until the demo stops."""

    for name, value in database_for_subprocess(tmp_path).items():
        monkeypatch.setenv(name, value)
    worker = start_worker()
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=2)  # still running: it loops until told to stop
    finally:
        worker.terminate()
    assert worker.wait(timeout=20) in (0, -signal.SIGTERM)
