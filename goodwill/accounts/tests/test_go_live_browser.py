"""Issue 12 in chromium, phone and desktop: a new installation's first-run page, the admin's
forced authenticator enrolment, an invitation read from the (locmem) outbox, accepted by the
new salesperson, who turns on TOTP, signs out and back in with a code; five wrong codes
pause the account."""

import re
import time

import pyotp
import pytest
from django.core import mail

from goodwill.conftest import screenshot
from goodwill.dealerships.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-secret"


def _enrol(page, name: str) -> pyotp.TOTP:
    page.wait_for_selector("#mfa-secret")
    totp = pyotp.TOTP(page.inner_text("#mfa-secret").replace(" ", ""))
    screenshot(page, f"{name}-mfa-setup")
    page.fill("input[name=code]", totp.now())
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_selector("#recovery-codes")
    screenshot(page, f"{name}-recovery-codes")
    return totp


def _sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code/")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_new_store_goes_live_in_the_browser(page_at, live_server, settings, width):
    settings.GOODWILL_SITE_URL = live_server.url
    admin = page_at(width)
    admin.set_default_timeout(45_000)  # each step hashes a password: slow on a busy CI box
    admin.goto("/")
    admin.fill("#id_name", "Gulf Coast Ford")
    admin.fill("#id_makes", "")
    admin.fill("#id_postal_code", "00000")
    admin.fill("#id_admin_username", "gina")
    admin.fill("#id_admin_email", "gina@example.com")
    admin.fill("#id_admin_password", PASSWORD)
    admin.get_by_role("button", name="Create the store").click()
    admin.wait_for_selector("text=Pick at least one make")
    assert admin.locator("text=is not a US ZIP code").is_visible()
    assert admin.input_value("#id_name") == "Gulf Coast Ford"
    screenshot(admin, f"golive-setup-errors-{width}")
    admin.fill("#id_makes", "Ford, Lincoln")
    admin.fill("#id_postal_code", "77002")
    admin.get_by_role("button", name="Create the store").click()
    # A dealer admin of a new store must set up an authenticator app first.
    admin.wait_for_url("**/account/mfa/")
    _enrol(admin, f"golive-admin-{width}")

    admin.goto("/store/staff/invite/")
    admin.fill("#id_email", "sal@example.com")
    admin.select_option("#id_role", "sales")
    admin.fill("#id_first_name", "Sal")
    admin.get_by_role("button", name="Send invitation").click()
    admin.wait_for_selector("text=Invitation sent to sal@example.com")
    screenshot(admin, f"golive-staff-invited-{width}")

    (message,) = [m for m in mail.outbox if m.to == ["sal@example.com"]]
    link = re.search(r"^(http\S+/invite/\S+/)$", message.body, re.M).group(1)
    assert link.startswith(live_server.url)  # GOODWILL_SITE_URL, not 127.0.0.1:8000 by luck

    sal = page_at(width)
    sal.set_default_timeout(45_000)
    sal.goto(link)
    sal.fill("#id_last_name", "Vega")
    sal.fill("#id_username", "sal")
    sal.fill("#id_password", PASSWORD)
    screenshot(sal, f"golive-accept-{width}")
    sal.get_by_role("button", name="Join and sign in").click()
    sal.wait_for_url("**/my-day/")
    assert User.objects.get(username="sal").role == "sales"
    sal.goto("/account/mfa/")
    totp = _enrol(sal, f"golive-sales-{width}")

    sal.goto("/customers/")
    sal.get_by_role("button", name="Sign out").click()
    sal.wait_for_url("**/login/")
    _sign_in(sal, "sal")
    screenshot(sal, f"golive-code-step-{width}")
    sal.fill("input[name=code]", totp.at(time.time() + 30))  # the next code: each works once
    sal.get_by_role("button", name="Continue").click()
    sal.wait_for_url("**/my-day/")

    sal.get_by_role("button", name="Sign out").click()
    sal.wait_for_url("**/login/")
    _sign_in(sal, "sal")
    for attempt in range(5):
        sal.fill("input[name=code]", "000000")
        sal.get_by_role("button", name="Continue").click()
        if attempt < 4:
            sal.wait_for_selector("text=That code did not work")
    sal.wait_for_selector("#locked-out")
    assert "Too many failed sign-in attempts" in sal.inner_text("#locked-out")
    screenshot(sal, f"golive-locked-out-{width}")
