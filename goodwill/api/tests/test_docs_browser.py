"""The API's docs page (Swagger UI from our own static files) renders the OpenAPI
document under the strict Content-Security-Policy, at a phone's width and a desk's."""

import pytest

from goodwill.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_api_docs_page_renders_every_resource(page_at, dana, width):
    page = page_at(width)
    login(page, "dana")
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-tag", timeout=20_000)
    text = page.inner_text("body")
    assert "Unable to render this definition" not in text
    assert "Goodwill API" in text
    for tag in ("customers", "imports", "messages"):
        assert page.locator(f".opblock-tag[data-tag={tag}]").count() == 1, tag
    section = page.locator(".opblock-tag-section", has=page.locator("[data-tag=customers]"))
    if "/api/v1/customers" not in section.inner_text():
        page.locator(".opblock-tag[data-tag=customers]").click()  # open it
    section.locator(".opblock-summary-path").first.wait_for()
    assert "/api/v1/customers" in section.inner_text()
    screenshot(page, f"api-docs-{width}")
