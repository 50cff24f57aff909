"""The whole road of a customer on the floor, in a real browser: logged from the board,
T.O.'d, not sold, claimed by the Fails Department, recovered, and the credit split shown."""

import pytest

from goodwill.conftest import login, screenshot
from goodwill.floor.models import CreditLine, Deal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _logout(page):
    page.context.clear_cookies()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_up_goes_from_the_board_through_fails_to_a_shared_sale(
    page_at, alice, mike, fiona, width
):
    page = page_at(width)
    login(page, "alice")
    page.goto("/floor/")
    page.get_by_role("button", name="Clock in").click()
    page.wait_for_selector("text=Clocked in")
    page.locator("label", has_text="Walk-in").click()
    page.fill("#id_first_name", "Grace")
    page.fill("#id_last_name", "Hopper")
    page.fill("#id_phone", "512-555-0166")
    page.fill("#id_interest", "Bronco Sport")
    page.get_by_text("OK to call").click()
    screenshot(page, f"floor-board-log-{width}")
    page.get_by_role("button", name="Log up").click()
    page.wait_for_selector("text=Up logged: Grace Hopper.")
    screenshot(page, f"floor-board-waiting-{width}")
    page.get_by_role("button", name="Take").click()
    page.wait_for_selector("h1:has-text('Grace Hopper')")

    page.select_option("#to_to_user", label="Mike Test")
    page.fill("#to_reason", "Payment question")
    page.get_by_role("button", name="T.O.", exact=True).click()
    page.wait_for_selector("text=T.O. to Mike Test.")
    deal_url = page.url
    page.goto("/floor/")  # the line says whom Alice's customer was handed to
    assert "with Grace Hopper · T.O. to Mike Test" in page.locator("ol.line").inner_text()
    screenshot(page, f"floor-line-after-to-{width}")
    page.goto(deal_url)
    page.locator("summary", has_text="Not sold").click()
    page.select_option("#ns_reason", "Payment too high")
    page.fill("#ns_notes", "Wants under $450 a month")
    screenshot(page, f"floor-deal-not-sold-{width}")
    page.get_by_role("button", name="Mark not sold → Fails").click()
    page.wait_for_selector("text=went to the Fails Department")

    _logout(page)
    login(page, "fiona")
    page.goto("/fails/")
    screenshot(page, f"fails-queue-{width}")
    page.get_by_role("link", name="Grace Hopper").click()
    page.get_by_role("button", name="Claim").click()
    page.wait_for_selector("text=Claimed: the case is yours.")
    page.select_option("#step_kind", "new_numbers")
    page.fill("#step_notes", "72 months at 5.9%: $439")
    page.get_by_role("button", name="Record step").click()
    page.wait_for_selector("text=Step recorded.")
    page.locator("#close label", has_text="Recovered (sold)").click()
    page.fill("#close_vehicle", "2026 Ford Bronco Sport Big Bend")
    page.fill("#close_gross", "1450")
    screenshot(page, f"fails-case-{width}")
    page.get_by_role("button", name="Close", exact=True).click()
    page.wait_for_selector("#credit")
    screenshot(page, f"floor-deal-credit-{width}")
    credit = page.locator("#credit").inner_text()
    assert "Alice Test" in credit and "Fiona Test" in credit and "50%" in credit
    deal = Deal.objects.get()
    assert deal.outcome == "sold" and deal.recovered_by == fiona
    assert sorted(CreditLine.objects.values_list("role", flat=True)) == ["fails", "upper"]
    # The layout holds at the width: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
