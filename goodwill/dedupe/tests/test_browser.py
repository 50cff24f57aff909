import pytest

from goodwill.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_new_customer_form_warns_as_the_user_types(page_at, alice, customer):
    page = page_at(390)
    login(page, "alice")
    page.goto("/customers/new/")
    page.fill("#id_first_name", "Bob")
    page.fill("#id_last_name", "Kowalski")
    panel = page.locator("[data-testid=matches]")
    panel.wait_for()
    assert "Robert Kowalski" in panel.inner_text() and "nickname" in panel.inner_text()
    screenshot(page, "customer-form-match-390")
    page.fill("#id_phone_mobile", "512.555.0123")
    page.wait_for_selector("[data-testid=matches] >> text=same phone")
