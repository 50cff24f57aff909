"""The partner page and the printable thank-you letter in a real browser at a phone's and a
desk's width: a body shop that referred a customer and then bought is shown as a customer
and still a partner; the letter fits one printed page on the store's letterhead."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from goodwill.conftest import login, make_customer, screenshot
from goodwill.feedback.tests.helpers import sell
from goodwill.partners.models import Partner
from goodwill.referrals import actions as referrals
from goodwill.referrals.models import ThankYou

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def shop_partner(store_a, alice, mike, shop):
    driver = make_customer(
        store_a, alice, first_name="Dora", last_name="Driver", phones={"mobile": "(512) 555-0141"}
    )
    referral = referrals.send_referral(
        driver,
        acting_user=alice,
        to_user=mike,
        interest="a replacement after a total loss",
        referrer_kind="partner",
        referrer_customer=shop,
        at=timezone.now() - timedelta(days=20),
        notify=False,
    )
    referrals.transition(
        referral, "win", acting_user=mike, value=Decimal("38500"), reward_amount=Decimal("150")
    )
    sell(shop, alice, vehicle="2026 Ford Transit")
    return Partner.objects.get(customer=shop)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_partner_page_and_the_printed_thank_you_letter(
    page_at, shop_partner, alice, store_a, width
):
    page = page_at(width)
    # The live server's first page can take long on a busy machine (2 cores, many suites).
    page.goto("/login/", timeout=60_000)
    login(page, "alice")
    page.goto("/partners/?show=customers")
    page.get_by_role("link", name="Eastside Collision").click()
    page.wait_for_selector("#partner-name:has-text('Eastside Collision')")
    assert page.locator("#is-customer").inner_text() == "Customer"
    assert "Since" in page.locator("#became-customer").inner_text()
    referred = page.locator("#referred").inner_text()
    assert "Dora Driver" in referred and "Won" in referred and "$38,500" in referred
    assert "To write" in page.locator("#thank-yous").inner_text()
    _fits(page, width)
    screenshot(page, f"partners-page-{width}")

    task = ThankYou.objects.get(to_customer=shop_partner.customer)
    page.goto("/referrals/thanks/")
    form = page.locator(f"#task-{task.public_id}")
    form.locator("textarea").fill(
        "Dear Eastside Collision team,\n\nThank you for sending Dora our way after her "
        "accident. She drove off in a car she loves.\n\nWith gratitude,\nAlice"
    )
    form.get_by_role("button", name="Print as a letter").click()
    page.wait_for_selector("#letter")
    assert "Capital City Ford" in page.locator(".letterhead").inner_text()
    assert "Eastside Collision" in page.locator(".to").inner_text()
    assert "She drove off" in page.locator(".body").inner_text()
    _fits(page, width)
    screenshot(page, f"partners-letter-{width}")
    # Printed: the action bar is gone and the letter is one page.
    page.emulate_media(media="print")
    assert page.locator(".bar").is_hidden()
    pdf = page.pdf(format="Letter")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1, "one page"
    page.emulate_media(media="screen")
    task.refresh_from_db()
    assert (task.status, task.method) == ("done", "letter")
    page.goto(f"/partners/{shop_partner.public_id}/")
    assert "Printed letter" in page.locator("#thank-yous").inner_text()
