"""`PagesOnlyMiddleware`: pages keep every guard of a browser session; the API skips them."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
from django.urls import reverse

from goodwill.api.models import ApiToken
from goodwill.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_a_page_post_without_the_csrf_token_is_refused(dana):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(dana)
    page = browser.get(reverse("customers:create"))
    assert page.status_code == 200 and "csrftoken" in page.cookies
    refused = browser.post(reverse("customers:create"), {"first_name": "Ana"})
    assert refused.status_code == 403
    assert not Customer.objects.filter(first_name="Ana").exists()


def test_pages_still_have_the_session_messages_and_login_wall(client, dana):
    assert client.get(reverse("customers:list")).status_code == 302  # to the login page
    client.force_login(dana)
    page = client.get(reverse("customers:list"))
    assert page.status_code == 200 and page.wsgi_request.user == dana
    assert page.wsgi_request.session.session_key
    assert "Cookie" in page.headers["Vary"]


def test_the_api_skips_them_and_keeps_the_headers_every_answer_carries(client, alice):
    headers = {"Authorization": f"Bearer {ApiToken.issue(alice)[1]}"}
    answer = Client(enforce_csrf_checks=True).post(
        "/api/v1/customers",
        {"first_name": "Ana", "last_name": "Lopez"},
        content_type="application/json",
        headers=headers,
    )
    assert answer.status_code == 201  # no CSRF token needed: the token authenticates
    assert answer.wsgi_request.user == alice
    assert not hasattr(answer.wsgi_request, "session") and "Set-Cookie" not in answer.headers
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert header in answer.headers
    anonymous = client.get("/api/v1/customers")
    assert anonymous.status_code == 401
    assert not anonymous.wsgi_request.user.is_authenticated


def test_the_check_refuses_a_setup_that_drops_csrf_or_lockouts(settings):
    call_command("check")  # as configured: clean
    kept = list(settings.PAGES_ONLY_MIDDLEWARE)
    settings.PAGES_ONLY_MIDDLEWARE = [
        m for m in kept if m != "django.middleware.csrf.CsrfViewMiddleware"
    ]
    with pytest.raises(SystemCheckError, match="goodwill.E004"):
        call_command("check")
    settings.PAGES_ONLY_MIDDLEWARE = [m for m in kept if m != "axes.middleware.AxesMiddleware"]
    with pytest.raises(SystemCheckError, match="goodwill.E005"):
        call_command("check")
    # Django's own check is silenced: dropping PagesOnlyMiddleware must not drop CSRF quietly.
    settings.PAGES_ONLY_MIDDLEWARE = kept
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("PagesOnlyMiddleware")]
    with pytest.raises(SystemCheckError, match="goodwill.E004"):
        call_command("check")
