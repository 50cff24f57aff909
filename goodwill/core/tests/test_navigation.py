"""The top navigation: what a role opens every hour is in the bar, the rest under "More"."""

import re

import pytest
from django.urls import reverse

from goodwill.conftest import ARTIFACTS, login

pytestmark = pytest.mark.django_db

BAR = ["My day", "Customers", "Floor", "Service", "Fails", "Referrals", "Pros"]


def labels(html: str, block: str) -> list[str]:
    start = html.index(f"<{block}")
    part = html[start : html.index(f"</{block}>", start)]
    return [
        re.sub(r"<[^>]+>|\s+\d+$", "", text).strip()
        for text in re.findall(r"<a [^>]*>(.*?)</a>", part, re.S)
    ]


def test_an_admin_has_the_daily_pages_in_the_bar_and_the_rest_under_more(client_for, dana):
    page = client_for(dana).get(reverse("customers:list")).text
    assert labels(page, "nav") == BAR
    more = labels(page, "details")
    assert more == [
        "Rivals",
        "Duplicates",
        "Import",
        "Asks",
        "Surveys",
        "Staff",
        "Store",
        "Account",
        "Audit",
    ]
    assert "Sign out" in page[page.index("<nav") : page.index("</nav>")]  # one tap, never hidden


def test_a_salesperson_sees_no_manager_page_anywhere_in_the_nav(client_for, alice):
    page = client_for(alice).get(reverse("customers:list")).text
    assert labels(page, "nav") == BAR
    assert labels(page, "details") == ["Staff", "Account"]


def test_the_page_in_the_more_menu_is_marked_current(client_for, dana):
    page = client_for(dana).get(reverse("dealerships:staff")).text
    menu = page[page.index("<details") : page.index("</details>")]
    assert f'<a href="{reverse("dealerships:staff")}" aria-current="page">Staff</a>' in menu


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_more_opens_and_closes_on_a_phone_and_a_desktop(page_at, dana, width):
    page = page_at(width)
    login(page, "dana")
    staff = page.get_by_role("link", name="Staff", exact=True)
    assert not staff.is_visible()
    page.get_by_text("More", exact=True).click()
    assert staff.is_visible()
    box = staff.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # the menu stays on the screen
    page.screenshot(path=str(ARTIFACTS / f"nav-more-{width}.png"))
    page.locator("main").click(position={"x": 5, "y": 5})  # a click elsewhere closes it
    assert not staff.is_visible()
    page.get_by_text("More", exact=True).click()
    staff.click()
    page.wait_for_url("**/staff/**")
    assert page.get_by_role("heading", level=1).is_visible()
