"""An address book in a browser: a vCard file with a fax, a second mobile, a second
address and a card with only an email comes in; the import's page lists the row that filled
in an existing customer with a link to her, and the customer's page shows every phone,
email and address with its type — at a phone's width and a desk's."""

import pytest

from goodwill.conftest import login, make_customer, screenshot
from goodwill.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARDS = """BEGIN:VCARD
VERSION:3.0
PROFILE:VCard
N:Castillo;Rafael;Andrés;;
FN:Rafael Andrés Castillo
ORG:Castillo, Ruiz and Partners
TEL;TYPE=CELL,PREF:512-555-0301
TEL;TYPE=CELL:512-555-0302
TEL;TYPE=WORK,FAX:512-555-0306
EMAIL;TYPE=HOME:rafael@example.com
EMAIL;TYPE=HOME:rafa.castillo@example.net
ADR;TYPE=HOME:;;2201 Lake Austin Blvd;Austin, TX;;78703;USA
ADR;TYPE=WORK:;;5300 Bee Caves Rd;West Lake Hills;TX;78746;USA
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:;;;;
FN:ann.existing@example.com
EMAIL:ann.existing@example.com
TEL;TYPE=CELL:512-555-0321
NOTE:Asked about leasing.
END:VCARD
"""


@pytest.mark.parametrize("width", [390, 1280])
def test_an_address_book_comes_in_whole_and_the_pages_show_it(
    page_at, store_a, mike, alice, tmp_path, width
):
    ann = make_customer(
        store_a, alice, first_name="Ann", last_name="Existing", phones={},
        emails={"personal": "ann.existing@example.com"},
    )  # fmt: skip
    path = tmp_path / "contacts.vcf"
    path.write_text(CARDS, encoding="utf-8")
    page = page_at(width)
    login(page, "mike")
    page.goto("/imports/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Dry run").click()
    page.wait_for_selector("text=Dry run: what would happen")
    assert "Filled in Ann Existing" in page.locator("[data-testid=errors]").inner_text()
    page.get_by_role("button", name="Import now").click()
    page.wait_for_selector("[data-testid=filled]")
    filled = page.locator("[data-testid=filled]")
    assert "Ann Existing" in filled.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"vcard-import-{width}")
    filled.get_by_role("link", name="Ann Existing").click()
    page.wait_for_url(f"**/customers/{ann.public_id}/")
    assert "Asked about leasing." in page.inner_text("body")
    rafael = Customer.objects.get(last_name="Castillo")
    page.goto(f"/customers/{rafael.public_id}/")
    contact = page.locator("section.card", has_text="Contact").first.inner_text()
    for text in ("Fax", "(512) 555-0306", "(512) 555-0302", "rafa.castillo@example.net",
                 "5300 Bee Caves Rd", "Austin, TX"):  # fmt: skip
        assert text in contact, text
    assert "Rafael Andrés Castillo" in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"vcard-customer-{width}")
