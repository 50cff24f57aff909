"""Service and sales feeding each other, in a real browser at phone and desktop widths: the
advisor saves an RO whose estimate passes the rule; the opportunity appears with its reason;
the customer is in the lane, so it goes to the floor as a service drive up; the salesperson
works it to a sale of the trade-in on the lot; the vehicle moves to the customer; both the
service report and the floor report count it."""

import pytest

from goodwill.conftest import login, make_customer, screenshot
from goodwill.customers.actions import add_vehicle
from goodwill.service.models import Opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TRADE_VIN = "1FMCU9GD0EU102163"


def _logout(page):
    page.context.clear_cookies()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_ro_becomes_an_opportunity_a_sale_and_a_figure_on_both_reports(
    page_at, store_a, alice, mike, sam, customer, old_truck, width
):
    # A 2014 Escape traded in last month: on the lot, still on its previous owner.
    previous = make_customer(
        store_a, mike, first_name="Dana", last_name="Whitfield", phones={"mobile": "512-555-0107"}
    )
    add_vehicle(previous, acting_user=mike, vin=TRADE_VIN, year=2014, make="Ford", model="Escape")

    page = page_at(width)
    login(page, "sam")
    page.goto("/service/")
    page.get_by_role("link", name="Open an RO").first.click()
    page.fill("input[name=q]", "Kowalski")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Robert Kowalski").click()
    page.select_option("#id_vehicle", label=str(old_truck))
    page.fill("#id_number", "72062")
    page.fill("#id_mileage_in", "151021")
    page.fill("#id_complaint", "Trans slipping when cold")
    page.fill("#id_labor", "2875")
    page.fill("#id_parts", "3410")
    screenshot(page, f"service-ro-new-{width}")
    page.get_by_role("button", name="Save the RO").click()
    page.wait_for_selector("text=RO 72062 opened.")
    reason = page.locator("#opportunities .meta").first
    assert "$6,285 estimate on a vehicle worth about $" in reason.inner_text()
    screenshot(page, f"service-ro-opportunity-{width}")

    page.locator("#opportunities .list a").first.click()
    page.wait_for_selector("#reason")
    assert "estimate on a vehicle worth about" in page.inner_text("#reason")
    assert "Alice Test" in page.inner_text("main")  # routed to the customer's salesperson
    page.get_by_role("button", name="In the lane now: service drive up").click()
    page.wait_for_selector("text=On the floor as a service drive up for Alice Test.")
    screenshot(page, f"service-opportunity-{width}")

    _logout(page)
    login(page, "alice")
    page.goto("/floor/")
    page.get_by_role("button", name="Clock in").click()
    page.wait_for_selector("text=Clocked in")
    assert "Service drive" in page.inner_text("main")
    page.get_by_role("button", name="Take").click()
    page.wait_for_selector("h1:has-text('Robert Kowalski')")
    page.locator("summary", has_text="Sold").first.click()
    page.fill("#sold_vehicle", "2014 Ford Escape (used)")
    page.fill("#sold_vin", TRADE_VIN)
    page.fill("#sold_gross", "2400")
    page.get_by_role("button", name="Mark sold").click()
    page.wait_for_selector("text=Sold. Credit is shared")
    page.goto(f"/customers/{customer.public_id}/")
    assert "2014 Ford Escape" in page.inner_text("main")  # moved to Robert
    screenshot(page, f"service-customer-vehicle-moved-{width}")

    _logout(page)
    login(page, "mike")
    page.goto("/service/report/?period=30")
    assert page.inner_text("#won").strip() == "1"
    screenshot(page, f"service-report-{width}")
    page.locator(".chart a", has_text="Repair vs. value").first.click()
    page.wait_for_selector("#behind")
    assert "Robert Kowalski" in page.inner_text("#behind")
    page.goto("/floor/report/")
    assert "Service drive" in page.inner_text("main")
    screenshot(page, f"service-floor-report-{width}")

    # Estimate and mileage: two reasons, one referral to sales, one sale.
    assert {o.stage for o in Opportunity.objects.all()} == {"won"}
    assert len({o.referral_id for o in Opportunity.objects.all()}) == 1
    previous.refresh_from_db()
    assert not previous.vehicles.exists()
