"""A rival's offer in a real browser at a phone's and a desk's width: a manager opens a
not-sold deal from the Fails queue, records what the rival offered, sees it beside the deal
in the queue, and finds it in the report by rival store and make."""

import pytest

from goodwill.conftest import login, screenshot
from goodwill.floor.tests.conftest import failed_deal
from goodwill.rivals.models import RivalOffer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_a_rival_offer_is_recorded_on_the_deal_and_seen_in_the_queue_and_report(
    page_at, store_a, alice, mike, width
):
    deal = failed_deal(store_a, alice)
    page = page_at(width)
    login(page, "mike")
    page.goto("/fails/")
    page.get_by_role("link", name="Fay Ledeal").click()
    page.wait_for_selector("h2:has-text('What rivals offered')")
    page.get_by_role("link", name="+ Rival's offer").click()
    page.wait_for_selector("h1:has-text('What a rival offered')")
    _fits(page, width)
    # First a mistake: no price and no payment; the form says so and keeps what was typed.
    page.fill("#id_rival_store", "Round Rock Toyota")
    page.fill("#id_make", "toyota")
    page.get_by_role("button", name="Record the offer").click()
    page.wait_for_selector("text=Give the rival's price or their monthly payment.")
    assert page.input_value("#id_rival_store") == "Round Rock Toyota"
    page.fill("#id_vehicle", "2025 RAV4 XLE")
    page.fill("#id_monthly_payment", "$489")
    page.fill("#id_term_months", "72")
    page.fill("#id_apr", "4.9")
    page.select_option("#id_source", "paper")
    page.fill("#id_source_detail", "Buyer's order, signed by their desk manager")
    screenshot(page, f"rivals-record-{width}")
    page.get_by_role("button", name="Record the offer").click()
    page.wait_for_selector("text=Rival's offer recorded on Fay Ledeal.")
    assert "/fails/" in page.url  # back on the case it was recorded from
    offer = RivalOffer.objects.get()
    assert offer.deal == deal and offer.make == "Toyota" and offer.recorded_by == mike
    card = page.locator("#rival-offers").inner_text()
    assert "Round Rock Toyota" in card and "$489/mo × 72 · 4.9 % APR" in card
    screenshot(page, f"rivals-fails-case-{width}")

    page.goto("/fails/?show=all")
    beside = page.locator("[data-testid=rival-offer]").inner_text()
    assert "Round Rock Toyota" in beside and "$489/mo" in beside
    _fits(page, width)
    screenshot(page, f"rivals-fails-queue-{width}")

    page.goto("/rivals/")
    table = page.locator("[data-testid=rival-groups]").inner_text()
    assert "Round Rock Toyota" in table and "Toyota" in table
    _fits(page, width)
    screenshot(page, f"rivals-report-{width}")
    page.locator("[data-testid=rival-groups] a", has_text="1").first.click()
    page.wait_for_selector("h1:has-text('Rival offers · Round Rock Toyota · Toyota')")
    assert "Fay Ledeal" in page.content()
    screenshot(page, f"rivals-offers-{width}")
