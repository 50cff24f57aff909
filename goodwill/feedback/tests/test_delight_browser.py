"""See delight in a real browser at a phone's and a desk's width: the NPS chart's bar opens
the month's answers, a staff member's cell opens theirs, a promoter who referred opens their
referrals, and a dealer group's admin sees every store of the group."""

import pytest

from goodwill.conftest import login, make_customer, screenshot
from goodwill.dealerships.actions import set_group
from goodwill.feedback import actions, delight
from goodwill.feedback.tests.helpers import answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_the_delight_charts_click_down_to_the_answers_and_referrals(
    page_at, store_a, store_b, customer, alice, mike, dana, bob, width
):
    people = [
        make_customer(store_a, alice, first_name=n, phones={"mobile": f"(512) 555-02{i:02d}"})
        for i, n in enumerate(["Ann", "Ben", "Cat"], start=10)
    ]
    answer(customer, alice, 10, "deal:1")
    answer(people[0], alice, 9, "deal:2")
    answer(people[1], mike, 4, "deal:3")
    answer(people[2], mike, 7, "ro:4", department="service")
    link = actions.referral_link_for(customer, staff=alice)
    actions.refer_friend(
        link, first_name="Fay", last_name="Friend", email="fay@example.com", consent=True,
        consent_wording="ok", by_promoter=True, notify=False,
    )  # fmt: skip
    answer(make_customer(store_b, bob, first_name="Olivia"), bob, 2, "deal:b")
    set_group(store_a, "Capital Auto Group")
    set_group(store_b, "Capital Auto Group")
    month = delight.month_starts(store_a)[-1]

    page = page_at(width)
    login(page, "dana")
    page.goto("/surveys/report/")
    chart = page.locator("[data-testid=nps-by-month-chart]")
    assert chart.locator("rect").count() >= 1
    assert page.locator("[data-testid=nps-stores]").inner_text().count("Hill Country Toyota") == 1
    _fits(page, width)
    screenshot(page, f"delight-report-{width}")

    # the month's bar → that month's answers
    chart.locator(f"a[href='/surveys/?month={month:%Y-%m}']").click()
    page.wait_for_url(f"**/surveys/?month={month:%Y-%m}")
    assert "scored 10" in page.content() and "scored 4" in page.content()
    screenshot(page, f"delight-month-answers-{width}")

    # a staff member's cell → their answers of that month
    page.goto("/surveys/report/")
    alices = page.locator("[data-testid=nps-staff] tr", has_text="Alice Test")
    alices.locator("td a").first.click()
    page.wait_for_url("**/surveys/?month=*staff=*")
    assert "scored 9" in page.content() and "scored 4" not in page.content()

    # a promoter who referred → the referrals they brought
    page.goto("/surveys/report/")
    page.locator("[data-testid=promoters-who-referred] a", has_text="Robert Kowalski").click()
    page.wait_for_selector("h1:has-text('Referrals this promoter brought')")
    assert "Fay Friend" in page.locator("[data-testid=delight-referrals]").inner_text()
    _fits(page, width)
    screenshot(page, f"delight-promoter-referrals-{width}")

    # earned referrals per salesperson → the referrals in their name
    page.goto("/surveys/report/#earned")
    page.locator("[data-testid=earned-chart] a", has_text="Alice Test").click()
    page.wait_for_selector("h1:has-text('earned')")
    assert "Fay Friend" in page.content()
