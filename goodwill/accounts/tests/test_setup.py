"""Issue 12.1: a store is set up by `goodwill setup` or the first-run page at `/`, through
`dealerships.actions.setup_store`, with history; bad input creates nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from goodwill.dealerships.actions import setup_store
from goodwill.dealerships.models import Dealership, StaffEvent, User

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Gulf Coast Ford",
    "makes": "ford, Lincoln",
    "postal_code": "77002",
    "admin_username": "gina",
    "admin_email": "Gina@Example.com",
    "admin_password": "a-long-enough-secret",
}


def test_setup_creates_the_store_from_its_zip_code_and_its_first_admin_with_history():
    store, admin = setup_store(**GOOD)
    assert store.makes == ["Ford", "Lincoln"]
    assert (store.city, store.region, store.time_zone) == ("Houston", "TX", "America/Chicago")
    assert store.latitude == pytest.approx(29.75, abs=0.1)
    assert admin.is_dealer_admin and admin.email == "gina@example.com"
    assert admin.check_password("a-long-enough-secret")
    event = StaffEvent.objects.get(verb="store_created")
    assert event.dealership == store and event.changes["postal_code"] == ["", "77002"]
    # A new store asks a second factor of its admins and managers by default.
    assert store.requires_mfa("admin") and store.requires_mfa("sales_mgr")
    assert not store.requires_mfa("sales")


def test_setup_without_makes_or_with_an_unknown_zip_gets_a_message_per_field_and_creates_nothing():
    with pytest.raises(ValidationError) as caught:
        setup_store(**{**GOOD, "makes": " , ", "postal_code": "00000", "admin_password": "x"})
    errors = caught.value.message_dict
    assert set(errors) == {"makes", "postal_code", "admin_password"}
    assert "00000" in errors["postal_code"][0]
    assert not Dealership.objects.exists() and not User.objects.exists()


def test_goodwill_setup_with_flags_makes_the_store_and_refuses_a_second_one_without_add(capsys):
    flags = [
        "--name=Gulf Coast Ford",
        "--makes=Ford",
        "--zip=77002",
        "--admin-username=gina",
        "--admin-email=gina@example.com",
        "--admin-password=a-long-enough-secret",
        "--no-input",
    ]
    call_command("setup", *flags)
    assert "Created Gulf Coast Ford (Houston, TX 77002, America/Chicago)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--add"):
        call_command("setup", *flags)
    call_command(
        "setup",
        "--add",
        "--name=Bayou Toyota",
        "--makes=Toyota",
        "--zip=70112",
        "--admin-username=tom",
        "--admin-email=tom@example.com",
        "--admin-password=a-long-enough-secret",
        "--no-input",
    )
    assert Dealership.objects.get(name="Bayou Toyota").city == "New Orleans"


def test_goodwill_setup_with_bad_flags_says_what_is_wrong_per_field(capsys):
    with pytest.raises(CommandError, match="Nothing was created"):
        call_command("setup", "--name=X", "--zip=99999", "--admin-username=x", "--no-input")
    err = capsys.readouterr().err
    assert "Makes sold" in err and "ZIP code" in err and "Admin's email" in err
    assert not Dealership.objects.exists()


def test_the_first_run_page_sets_up_the_store_from_this_machine_and_signs_the_admin_in(client):
    page = client.get("/")
    assert page.status_code == 200 and "Create the store" in page.text
    bad = client.post("/", {**GOOD, "makes": "", "postal_code": "123"})
    assert bad.status_code == 200
    assert "Pick at least one make" in bad.text and "not a US ZIP code" in bad.text
    assert 'value="Gulf Coast Ford"' in bad.text  # what was typed is kept
    assert not Dealership.objects.exists()
    done = client.post("/", GOOD)
    assert done.status_code == 302 and done.url == reverse("dealerships:staff")
    assert StaffEvent.objects.get(verb="store_created").changes["via"] == ["", "first-run page"]
    # Once a store exists, `/` is the start page again, never a second setup.
    client.logout()
    assert client.get("/").url == reverse("login")
    assert client.post("/", {**GOOD, "admin_username": "eve"}).status_code == 302
    assert Dealership.objects.count() == 1


def test_the_first_run_page_is_closed_to_other_machines_without_the_setup_token(
    client, monkeypatch
):
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    closed = client.get("/", **remote)
    assert closed.status_code == 403 and "goodwill setup" in closed.text
    proxied = client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9")  # a proxy on this machine
    assert proxied.status_code == 403
    monkeypatch.setenv("GOODWILL_SETUP_TOKEN", "one-time-token")
    assert client.get("/?setup=wrong", **remote).status_code == 403
    assert client.get("/?setup=one-time-token", **remote).status_code == 200
    assert client.post("/", GOOD, **remote).status_code == 302  # the session keeps the token
