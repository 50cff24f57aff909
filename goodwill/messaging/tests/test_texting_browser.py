"""In a real browser: a salesperson opens My day, texts a customer from a follow-up line
(console backend), the customer's STOP arrives through the signed webhook, the timeline shows
the consent withdrawn, and the next text is refused with a clear message."""

import urllib.request
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from goodwill.conftest import login, screenshot
from goodwill.customers.actions import set_consent
from goodwill.customers.models import Consent
from goodwill.fails import cadence
from goodwill.fails.models import FollowUp
from goodwill.messaging.models import Message
from goodwill.messaging.tests.conftest import STORE_NUMBER, TOKEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post_signed(url: str, params: dict) -> int:
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    request = urllib.request.Request(
        url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": signature}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status


@pytest.mark.parametrize("width", [390, 1280])
def test_text_from_my_day_then_stop_by_text_then_refused(
    page_at, live_server, settings, customer, alice, store_number, width
):
    settings.GOODWILL_SMS_BACKEND = "goodwill.messaging.sms.ConsoleBackend"
    settings.GOODWILL_SITE_URL = ""
    for channel in ("text", "phone"):
        set_consent(customer, channel, granted=True, method="in_person", acting_user=alice)
    follow_up = cadence.schedule(
        customer, FollowUp.Kind.BE_BACK, owner=alice, start=timezone.now() - timedelta(days=2)
    )[0]

    page = page_at(width)
    login(page, "alice")
    line = page.locator(f"#item-{follow_up.public_id}")
    line.wait_for()
    assert "Overdue" in line.inner_text() and "(512) 555-0123" in line.inner_text()
    screenshot(page, f"myday-follow-up-{width}")
    line.get_by_role("link", name="Text").click()
    page.wait_for_selector("h1:has-text('Messages with')")
    page.fill("#id_body", "Hi {first_name}, still thinking about the Bronco?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("text=is on its way")
    assert (
        page.locator(".bubble.out")
        .inner_text()
        .startswith("Hi Robert, still thinking about the Bronco?")
    )
    screenshot(page, f"texting-sent-{width}")
    sent = Message.objects.get(direction="out", by=alice)
    assert sent.status == "sent" and sent.provider_id.startswith("console-")
    follow_up.refresh_from_db()
    assert follow_up.status == "done"

    status = post_signed(
        live_server.url + "/api/v1/messages/inbound/twilio",
        {"From": "+15125550123", "To": STORE_NUMBER, "Body": "STOP", "MessageSid": "SM1"},
    )
    assert status == 200
    assert not Consent.objects.get(customer=customer, channel="text").granted

    page.goto(f"/customers/{customer.public_id}/")
    history = page.locator(".timeline")
    history.get_by_text("Consent withdrawn").first.wait_for()
    assert "By text message" in history.inner_text() and "STOP" in history.inner_text()
    screenshot(page, f"texting-stop-timeline-{width}")

    page.goto(f"/messages/customers/{customer.public_id}/")
    page.fill("#id_body", "One more thing")
    page.get_by_role("button", name="Send").click()
    refusal = page.get_by_text("Robert withdrew consent to be contacted by text message.")
    refusal.first.wait_for()
    screenshot(page, f"texting-refused-{width}")
    assert Message.objects.filter(direction="out", by=alice).count() == 1
    # No page wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
