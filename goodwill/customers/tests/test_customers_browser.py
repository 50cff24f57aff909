import pytest

from goodwill.conftest import login, screenshot
from goodwill.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_a_salesperson_adds_a_customer_with_a_vehicle_and_finds_them_by_phone(
    page_at, alice, width
):
    page = page_at(width)
    login(page, "alice")  # lands on My day
    page.get_by_role("link", name="Customers").first.click()
    screenshot(page, f"customers-empty-{width}")
    page.get_by_role("link", name="+ New customer").click()
    page.fill("#id_first_name", "Dolores")
    page.fill("#id_last_name", "Ramirez")
    page.fill("#id_phone_mobile", "512-555-0188")
    page.fill("#id_email_personal", "dolores@example.com")
    page.check("input[name=consent_text]")
    page.fill("#id_vehicle-vin", "1FTFW1E84MFA12345")
    page.fill("#id_vehicle-mileage", "42000")
    screenshot(page, f"customer-form-{width}")
    page.get_by_role("button", name="Add customer").click()
    try:
        page.wait_for_selector("text=Dolores Ramirez added.")
    finally:
        screenshot(page, f"customer-after-add-{width}")
    assert page.locator("text=Ford").first.is_visible()  # make filled in from the VIN
    screenshot(page, f"customer-detail-{width}")

    page.get_by_role("link", name="Customers").click()
    page.fill("input[name=q]", "(512) 555 0188")  # typed differently than it was entered
    page.wait_for_selector("#results >> text=Dolores Ramirez")
    assert page.locator("#results li").count() == 1
    screenshot(page, f"customer-search-{width}")
    assert Customer.objects.get(last_name="Ramirez").primary_phone == "+15125550188"


def test_a_bad_vin_keeps_what_was_typed_and_says_why(page_at, alice):
    page = page_at(390)
    login(page, "alice")
    page.goto("/customers/new/")
    page.fill("#id_first_name", "Dolores")
    page.fill("#id_phone_mobile", "512-555-0188")
    page.fill("#id_vehicle-vin", "1FTFW1E81MFA12345")
    page.get_by_role("button", name="Add customer").click()
    page.wait_for_selector("text=heck digit")
    assert page.input_value("#id_first_name") == "Dolores"
    assert page.input_value("#id_vehicle-vin") == "1FTFW1E81MFA12345"
    screenshot(page, "customer-form-error-390")
    assert not Customer.objects.exists()
