"""Issue 12.4: TOTP with recovery codes required per role, throttling per account and per
address, idle and absolute session limits, API tokens on a page (11.9: the secret key)."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pyotp
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from goodwill.accounts import mfa
from goodwill.accounts.receivers import SEEN, STARTED
from goodwill.api.models import ApiToken
from goodwill.api.testing import ApiClient
from goodwill.conftest import PASSWORD
from goodwill.dealerships.models import StaffEvent
from goodwill.devdata.management.commands.demo import demo_site_url

pytestmark = pytest.mark.django_db


def _require_mfa(store, roles=("admin", "sales_mgr", "service_mgr")):
    store.mfa_required_roles = list(roles)
    store.save(update_fields=["mfa_required_roles"])


def _totp(device) -> pyotp.TOTP:
    return pyotp.TOTP(mfa.secret_of(device).replace(" ", ""))


def _sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def _enrol(client, user) -> tuple[pyotp.TOTP, list[str]]:
    client.get(reverse("accounts:mfa"))
    totp = _totp(TOTPDevice.objects.get(user=user, confirmed=False))
    page = client.post(reverse("accounts:mfa"), {"code": totp.now()})
    assert page.status_code == 200 and "recovery codes" in page.text
    return totp, list(page.context["codes"])


def test_a_manager_must_enrol_an_authenticator_app_before_reaching_customers(client, mike, store_a):
    _require_mfa(store_a)
    assert _sign_in(client, "mike").status_code == 302
    assert client.get(reverse("customers:list")).url == reverse("accounts:mfa")
    page = client.get(reverse("accounts:mfa"))
    assert "<svg" in page.text and "required" in page.text  # the QR code, and why
    wrong = client.post(reverse("accounts:mfa"), {"code": "000000"})
    assert "did not match" in wrong.text
    time.sleep(1.1)  # django-otp's back-off after a wrong code
    _, codes = _enrol(client, mike)
    assert len(codes) == 10
    assert client.get(reverse("customers:list")).status_code == 200
    assert StaffEvent.objects.filter(user=mike, verb="mfa_enrolled").exists()


def test_with_an_app_set_up_sign_in_asks_for_the_code_and_a_recovery_code_works_once(client, alice):
    client.force_login(alice)
    totp, codes = _enrol(client, alice)  # a salesperson may turn it on by choice
    client.logout()
    step = _sign_in(client, "alice")
    assert step.url == reverse("login_code")
    assert client.get(reverse("customers:list")).status_code == 302  # not signed in yet
    bad = client.post(reverse("login_code"), {"code": "123456"})
    assert "did not work" in bad.text
    time.sleep(1.1)  # django-otp's own back-off after a wrong code
    ok = client.post(reverse("login_code"), {"code": totp.at(time.time() + 30)})
    assert ok.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 200
    client.logout()
    _sign_in(client, "alice")
    assert client.post(reverse("login_code"), {"code": codes[0]}).status_code == 302
    client.logout()
    _sign_in(client, "alice")
    assert "did not work" in client.post(reverse("login_code"), {"code": codes[0]}).text


def test_five_wrong_passwords_pause_the_account_with_a_clear_message(client, alice):
    for _ in range(4):
        assert _sign_in(client, "alice", "wrong-password").status_code == 200
    locked = _sign_in(client, "alice", "wrong-password")
    assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.text
    # Even the right password waits for the cool-off now.
    assert _sign_in(client, "alice").status_code == 429
    # Another account from the same address is not shut out by one careless colleague.
    assert _sign_in(client, "mike_missing", "x").status_code == 200


def test_five_wrong_codes_pause_the_account(client, alice):
    client.force_login(alice)
    _enrol(client, alice)
    client.logout()
    _sign_in(client, "alice")
    answers = [client.post(reverse("login_code"), {"code": "000000"}) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert "Too many failed sign-in attempts" in answers[-1].text


@override_settings(GOODWILL_ADDRESS_FAILURE_LIMIT=6)
def test_many_failures_from_one_address_pause_that_address(client, alice):
    for name in ("ann", "ben", "cat"):
        for _ in range(2):
            _sign_in(client, name, "guess")
    locked = _sign_in(client, "alice")
    assert locked.status_code == 429 and "from your network" in locked.text
    other = client.post(
        reverse("login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 302


def test_sessions_end_after_the_store_idle_and_absolute_limits(client, alice, store_a):
    client.force_login(alice)
    assert client.get(reverse("customers:list")).status_code == 200
    session = client.session
    session[SEEN] = int(time.time()) - store_a.session_idle_minutes * 60 - 5
    session.save()
    idle = client.get(reverse("customers:list"), follow=True)
    assert "without activity" in idle.text and idle.redirect_chain[-1][0].startswith("/login/")
    client.force_login(alice)
    session = client.session
    session[STARTED] = int(time.time()) - store_a.session_max_hours * 3600 - 5
    session.save()
    assert "hours after you signed in" in client.get(reverse("customers:list"), follow=True).text


def test_each_user_names_and_revokes_their_tokens_and_an_admin_sees_the_store(
    client_for, alice, dana
):
    client = client_for(alice)
    page = client.post(reverse("accounts:tokens"), {"name": "DMS sync", "expires_in_days": "30"})
    token = page.context["new_token"]
    assert token.startswith("gw_") and token in page.text
    row = ApiToken.objects.get(user=alice)
    assert row.name == "DMS sync" and row.expires_at > timezone.now() + timedelta(days=29)
    admin_page = client_for(dana).get(reverse("accounts:tokens"))
    assert "DMS sync" in admin_page.text and "Alice" in admin_page.text
    client_for(dana).post(reverse("accounts:token_revoke", args=[row.public_id]))
    row.refresh_from_db()
    assert row.revoked_by == dana


def test_an_expired_token_is_refused_and_the_tokens_api_issues_and_revokes(alice):
    api = ApiClient(alice)
    issued = api.post("/tokens", {"name": "website form", "expires_in_days": 1})
    assert issued.status_code == 201
    new = issued.json()
    ApiToken.objects.filter(public_id=new["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = api.client.get("/api/v1/store", headers={"Authorization": f"Bearer {new['token']}"})
    assert expired.status_code == 401
    names = {t["name"]: t["status"] for t in api.get("/tokens").json()}
    assert names["website form"] == "expired"
    revoked = api.post(f"/tokens/{new['id']}/revoke")
    assert revoked.json()["status"] == "revoked"


def test_check_deploy_warns_without_the_site_url(capsys):
    with override_settings(GOODWILL_SITE_URL=""):
        call_command("check", "--deploy", "--tag", "security")
    assert "goodwill.W001" in capsys.readouterr().err
    with override_settings(GOODWILL_SITE_URL="https://crm.example.com"):
        call_command("check", "--deploy", "--tag", "security")
    assert "goodwill.W001" not in capsys.readouterr().err


def test_a_secure_start_refuses_a_missing_or_public_secret_key(tmp_path):
    base = {**os.environ, "GOODWILL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": ""}
    base.pop("SECRET_KEY", None)
    code = "import django; django.setup()"

    def start(**env):
        return subprocess.run(
            [sys.executable, "-c", code],
            env={**base, "DJANGO_SETTINGS_MODULE": "goodwill.settings", **env},
            capture_output=True,
            text=True,
        )

    missing = start(GOODWILL_SECURE="1")
    assert missing.returncode != 0 and "GOODWILL_SECURE=1 needs SECRET_KEY" in missing.stderr
    public = start(SECRET_KEY="goodwill-demo-only-not-secret-set-SECRET_KEY-in-production")
    assert public.returncode != 0 and "public demo key" in public.stderr
    # Without either, the installation makes a key of its own, kept private on disk.
    assert start().returncode == 0
    key = tmp_path / "secret_key"
    assert len(key.read_text()) > 50 and oct(key.stat().st_mode)[-3:] == "600"


def test_a_dealer_admin_resets_a_lost_phone_and_the_session_it_verified_ends(client, alice, dana):
    client.force_login(alice)
    _enrol(client, alice)
    admin = type(client)()
    admin.force_login(dana)
    admin.post(reverse("dealerships:staff_edit", args=[alice.public_id]), {"reset-mfa": "1"})
    assert not mfa.has_mfa(alice)
    assert StaffEvent.objects.get(user=alice, verb="mfa_removed").actor == dana
    assert client.get(reverse("customers:list")).status_code == 302


def test_the_demo_links_its_emails_to_its_own_address_and_port():
    assert demo_site_url("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert demo_site_url("0.0.0.0", 9000) == "http://127.0.0.1:9000"
    assert demo_site_url("demo.local", 8000) == "http://demo.local:8000"
