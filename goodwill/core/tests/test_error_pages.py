"""Every error page is in the layout and says what to do (issue 15, point 7)."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_404_page_in_the_layout(client_for, alice):
    page = client_for(alice).get("/customers/00000000-0000-0000-0000-000000000000/")
    assert page.status_code == 404
    assert 'class="topbar"' in page.text and "This page does not exist" in page.text
    assert reverse("myday:home") in page.text


def test_a_link_to_a_post_only_address_is_the_405_page(client_for, mike):
    page = client_for(mike).get(reverse("messaging:number"))
    assert page.status_code == 405 and page["Allow"] == "POST"
    assert 'class="topbar"' in page.text and "only takes a form's button (POST)" in page.text


def test_the_api_keeps_its_own_405(client_for, alice):
    assert client_for(alice).put("/api/v1/my-day").status_code == 405


def test_the_500_page_renders_without_a_request_context():
    page = server_error(RequestFactory().get("/"))
    text = page.content.decode()
    assert page.status_code == 500 and 'class="topbar"' in text
    assert "Something went wrong on our side" in text and "try again" in text


def test_there_is_a_favicon(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer.url.endswith("goodwill/favicon.svg")
    assert 'rel="icon"' in client.get(reverse("login")).text
