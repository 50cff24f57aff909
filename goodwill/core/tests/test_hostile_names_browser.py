"""A name is data, whatever characters it holds (issue 11, finding 1). Hostile names arrive
the ways they would in real life — through the API, through an ADF lead from a website and as
a colleague's name — and every page and picker that shows names is opened in chromium: no
script of theirs runs, no dialog opens, and the Content-Security-Policy refuses nothing
(`page_at` fails the test on a refusal, so markup that slipped through would show too)."""

import pytest

from goodwill.api.testing import ApiClient
from goodwill.conftest import login, make_staff
from goodwill.customers.models import Customer
from goodwill.floor import actions as floor_actions
from goodwill.floor.models import Up
from goodwill.referrals import actions as referral_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BY_API = "<img src=x onerror=window.__xss=1>"
BY_LEAD = "<img src=z onerror=window.__xss=2>"
COLLEAGUE = "<img src=y onerror=window.__xss=3>"

LEAD = """<?xml version="1.0"?><?adf version="1.0"?><adf><prospect>
  <id source="web">XSS-1</id>
  <vehicle interest="buy"><year>2026</year><make>Ford</make><model>Bronco</model></vehicle>
  <customer><contact>
    <name part="first">{first}</name><name part="last">Leadplant</name>
    <phone>512-555-0188</phone><email>lead.plant@example.com</email>
  </contact><comments>{first}</comments></customer>
</prospect></adf>"""


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture
def hostile(store_a, mike, alice):
    """Customers and a colleague with hostile names, with an up, a fails case and a referral."""
    colleague = make_staff(store_a, "eve", "sales", first_name=COLLEAGUE)
    make_staff(store_a, "fiona", "fails")
    api = ApiClient(mike)
    answer = api.post(
        "/customers",
        {
            "first_name": BY_API,
            "last_name": "Apiplant",
            "notes": BY_API,
            "phones": [{"number": "512-555-0177"}],
            "emails": [{"address": "api.plant@example.com"}],
        },
    )
    assert answer.status_code == 201, answer.content
    by_api = Customer.objects.get(public_id=answer.json()["id"])
    answer = api.post(
        "/customers",
        {"first_name": "Held", "last_name": "Heldplant", "phones": [{"number": "512-555-0166"}]},
    )
    held = Customer.objects.get(public_id=answer.json()["id"])
    # A colleague's customer: the picker, lists and pages show the holder's name too.
    Customer.objects.filter(pk=held.pk).update(salesperson=colleague)
    answer = api.post("/leads/adf", {"xml": LEAD.format(first=_xml_text(BY_LEAD))})
    assert answer.status_code == 201, answer.content
    up = Up.objects.get(external_id="web:XSS-1")
    by_lead = up.customer
    assert by_lead.first_name == BY_LEAD
    floor_actions.clock_in(alice)
    deal = floor_actions.take_up(up, user=alice)
    floor_actions.mark_not_sold(deal, acting_user=alice, reason="Payment too high", notes=BY_LEAD)
    referral = referral_actions.send_referral(
        by_api, acting_user=mike, interest="a Bronco", to_user=alice, note=BY_API
    )
    return {"by_api": by_api, "held": held, "by_lead": by_lead, "deal": deal, "referral": referral}


def _no_script_ran(page, where):
    assert page.evaluate("window.__xss") is None, f"a planted script ran on {where}"


def _shows(page, text, where):
    assert text in page.inner_text("main"), f"{where} does not show {text!r} as text"


def test_hostile_names_from_the_api_a_lead_and_a_colleague_run_no_script_anywhere(
    page_at, hostile, browser_reports
):
    page = page_at(1280)
    login(page, "mike")
    by_api, by_lead, deal, referral = (
        hostile["by_api"],
        hostile["by_lead"],
        hostile["deal"],
        hostile["referral"],
    )
    pages = {
        "my day": ("/", []),
        "customer list": ("/customers/", [BY_API, BY_LEAD]),
        "search": ("/customers/?q=plant", [BY_API, BY_LEAD]),
        "customer page (API)": (f"/customers/{by_api.public_id}/", [BY_API]),
        "a colleague's customer": (f"/customers/{hostile['held'].public_id}/", [COLLEAGUE]),
        "customer page (lead)": (f"/customers/{by_lead.public_id}/", [BY_LEAD]),
        "customer edit": (f"/customers/{by_api.public_id}/edit/", []),
        "floor board": ("/floor/", []),
        "deal page": (f"/floor/deals/{deal.public_id}/", [BY_LEAD]),
        "fails queue": ("/fails/", [BY_LEAD]),
        "fails case": (f"/fails/{deal.fails_case.public_id}/", [BY_LEAD]),
        "referral page": (f"/referrals/{referral.public_id}/", [BY_API]),
        "store staff": ("/store/staff/", [COLLEAGUE]),
    }
    for where, (url, names) in pages.items():
        page.goto(url)
        page.wait_for_load_state("load")
        for name in names:
            _shows(page, name, where)
        _no_script_ran(page, where)

    # The floor's "Returning customer?" picker: found by phone, then picked.
    page.goto("/floor/")
    page.fill("#find", "555-0177")
    pick = page.locator("#matches button", has_text="Apiplant").first
    pick.wait_for()
    _no_script_ran(page, "floor picker (found)")
    pick.click()
    page.locator("#matches .picked").wait_for()
    _no_script_ran(page, "floor picker (picked)")
    assert BY_API in page.inner_text("#matches .picked")
    assert page.locator("#matches img").count() == 0
    assert page.input_value("#id_customer") == str(by_api.public_id)
    # A colleague's customer: the holder's name is said too.
    page.fill("#find", "Heldplant")
    page.locator("#matches button", has_text="Heldplant").first.click()
    page.locator("#matches .picked", has_text="Heldplant").wait_for()
    assert COLLEAGUE in page.inner_text("#matches .picked")
    assert page.locator("#matches img").count() == 0
    # The lead's customer, now alice's.
    page.fill("#find", "Leadplant")
    page.locator("#matches button", has_text="Leadplant").first.click()
    page.locator("#matches .picked", has_text="Leadplant").wait_for()
    assert BY_LEAD in page.inner_text("#matches .picked")
    _no_script_ran(page, "floor picker (colleagues' customers)")

    # The duplicate panel as you type a new customer with the same phone.
    page.goto("/customers/new/")
    page.fill("#id_first_name", "Someone")
    page.fill("#id_phone_mobile", "512-555-0177")
    page.locator("#dedupe-matches", has_text="Apiplant").wait_for()
    _no_script_ran(page, "duplicates panel")

    # The receiving salesperson's inbox.
    page.context.clear_cookies()
    login(page, "alice")
    page.goto("/referrals/")
    _shows(page, BY_API, "inbox")
    _no_script_ran(page, "inbox")
    page.goto("/")
    _no_script_ran(page, "the salesperson's day")
    page.context.clear_cookies()
    login(page, "fiona")
    page.goto("/fails/")
    _shows(page, BY_LEAD, "fails queue (fails department)")
    _no_script_ran(page, "fails queue (fails department)")
    assert not browser_reports.dialogs


def test_the_policy_refuses_an_inline_handler_and_the_tests_would_see_it(
    page_at, alice, browser_reports
):
    """The net under the escaping: markup that got into a page runs no handler, and the
    browser tests notice the refusal."""
    page = page_at(1280)
    login(page, "alice")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.__xss=9\">')"
    )
    page.wait_for_function("() => document.querySelector('img[src=x]').complete")
    page.wait_for_timeout(200)
    _no_script_ran(page, "a page with injected markup")
    assert any("script-src" in r for r in browser_reports.csp), browser_reports.csp
    browser_reports.csp.clear()
