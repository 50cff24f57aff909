"""The outside pro in a real browser: Kim (not on Goodwill) opens the link of the referral
email on her phone and reports an appointment; Alice, who sent the customer, sees it in
her ledger and on the referral, marked as Kim's report through her link. At 390 and 1280
pixels; screenshots in test-artifacts/."""

import pytest
from django.core import mail

from goodwill.conftest import login, screenshot
from goodwill.outside.tests.helpers import LINK
from goodwill.referrals import actions as referral_actions
from goodwill.referrals.models import Referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_the_outside_pro_reports_an_appointment_and_the_sender_sees_it(
    page_at, customer, alice, kim, width
):
    referral_actions.send_referral(
        customer, acting_user=alice, interest="A Kia EV6 for the commute", pro=kim
    )  # committed: the email job ran and Kim's email carries her link
    [to_kim] = [m for m in mail.outbox if m.to == ["kim@roundrockkia.example"]]
    path = "/p/" + LINK.search(to_kim.body).group(1) + "/"

    phone = {"device_scale_factor": 3, "is_mobile": True, "has_touch": True} if width < 500 else {}
    page = page_at(width, height=844 if width < 500 else 900, **phone)
    page.goto(path)
    page.wait_for_selector("h1:has-text('Robert — A Kia EV6 for the commute')")
    assert "Alice Test" in page.locator(".who").inner_text()
    assert page.locator("#status").inner_text() == "Sent"
    _fits(page, width)
    screenshot(page, f"outside-pro-link-{width}")
    page.fill("#note-appointment", "Saturday 10 AM")
    page.get_by_role("button", name="Appointment set").click()
    page.wait_for_selector("text=now sees “Appointment set”")
    assert page.locator("#status").inner_text() == "Appointment set"
    # What is left to report: won or lost (contacted and the appointment are behind her).
    buttons = page.locator("#report button").all_inner_texts()
    assert buttons == ["Won", "Lost"]
    _fits(page, width)
    screenshot(page, f"outside-pro-reported-{width}")

    referral = Referral.objects.get(pro=kim)
    assert referral.status == Referral.Status.APPOINTMENT
    desk = page_at(width, height=844 if width < 500 else 900, **phone)
    login(desk, "alice")
    desk.goto("/referrals/?box=sent")
    row = desk.locator("a", has_text="Robert")
    assert "Appointment set" in row.first.inner_text()
    _fits(desk, width)
    screenshot(desk, f"outside-sender-ledger-{width}")
    desk.goto(f"/referrals/{referral.public_id}/")
    assert desk.locator("#status").inner_text() == "Appointment set"
    step = desk.locator(".timeline li", has_text="Appointment set")
    assert "Kim Nguyen (Round Rock Kia), through their link" in step.inner_text()
    assert "Saturday 10 AM" in step.inner_text()
    _fits(desk, width)
    screenshot(desk, f"outside-sender-referral-{width}")
