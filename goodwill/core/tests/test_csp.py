"""The Content-Security-Policy (issue 11): on every answer, and no page of ours breaks it."""

import re
from pathlib import Path

import pytest
from csp.constants import SELF
from csp.decorators import csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.urls import reverse

from goodwill.conftest import login
from goodwill.core.middleware import CSPMiddleware
from goodwill.core.navigation import nav_items

PACKAGE = Path(__file__).resolve().parents[2]  # goodwill/


def test_pages_the_api_and_its_docs_carry_the_policy(client_for, dana):
    client = client_for(dana)
    for url in ("/customers/", "/floor/", "/api/v1/docs", "/login/", "/api/v1/openapi.json"):
        policy = client.get(url).headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert (
            "script-src 'self'" in policy
            and "unsafe" not in policy.split("script-src")[1].split(";")[0]
        )
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_no_template_or_script_of_ours_has_inline_script_handlers_or_markup_assignment():
    """What the policy would refuse, and what would put text into a page as markup."""
    problems, checked = [], 0
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    for path in PACKAGE.rglob("*"):
        if path.suffix not in (".html", ".js") or "/static/django_htmx/" in str(path):
            continue
        text = path.read_text()
        checked += 1
        if path.suffix == ".html":
            if handler.search(text):
                problems.append(f"{path}: an on…= handler")
            if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text):
                problems.append(f"{path}: an inline <script>")
            if "<style" in text:
                problems.append(f"{path}: a <style> element")
            if "hx-on" in text or "js:" in text:
                problems.append(f"{path}: script in an hx- attribute")
        if re.search(r"innerHTML|outerHTML\s*=|insertAdjacentHTML|document\.write", text):
            problems.append(f"{path}: markup from a string")
    assert checked > 50 and problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_walking_every_menu_page_breaks_no_policy(page_at, dana, browser_reports):
    """`page_at` fails the test on any refusal the pages report; the walk covers each menu
    entry, the API docs (Swagger UI) and a page that uses htmx as you type."""
    page = page_at(1280)
    login(page, "dana")
    urls = [reverse(item.url_name) for item in nav_items()]
    urls += ["/customers/new/", "/api/v1/docs", "/network/", "/account/"]
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    page.goto("/customers/")
    page.fill("input[name=q]", "Kow")
    page.wait_for_load_state("networkidle")
    assert browser_reports.csp == []


def test_the_policy_built_once_is_the_librarys_and_follows_the_settings(rf, settings):
    """`core.middleware.CSPMiddleware` keeps the header string; it must stay django-csp's
    own, follow a change of the settings, and leave a per-view policy to the library."""
    middleware = CSPMiddleware(lambda request: HttpResponse("ok"))

    def header(view=None):
        request = rf.get("/customers/")
        middleware.process_request(request)
        response = view(request) if view else HttpResponse("ok")
        return middleware.process_response(request, response).headers

    assert header()["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in header()

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": [SELF]}}
    assert header()["Content-Security-Policy"] == "default-src 'self'"
    report_only = header()["Content-Security-Policy-Report-Only"]
    assert report_only == build_policy(report_only=True) and "img-src 'self'" in report_only

    @csp_update({"img-src": ["https://example.com"]})
    def view(request):
        return HttpResponse("ok")

    assert (
        header(view)["Content-Security-Policy"] == "default-src 'self'; img-src https://example.com"
    )
