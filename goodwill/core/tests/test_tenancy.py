"""Walks every URL pattern and API route as a user of store A, pointed at store B's objects.

A new route with an object id in its path is covered without anyone remembering: the test
fails until its id kind is registered with a way to make one in store B. Each app registers
its id kinds in `goodwill/<app>/tests/factories.py`:

    def store_b_objects(world) -> dict[str, UUID]   # world.store_b, world.bob, world.customer
"""

import re
import sys
import types

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import autodiscover_modules

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_staff
from goodwill.customers.actions import add_vehicle

pytestmark = pytest.mark.django_db


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


@pytest.fixture
def store_b_objects(store_b, store_c, bob, carol, outsider_customer):
    vehicle = add_vehicle(outsider_customer, acting_user=bob, vin="", make="Toyota", model="Camry")
    ids = {
        "customer_id": outsider_customer.public_id,
        "vehicle_id": vehicle.public_id,
        "user_id": make_staff(store_b, "bea", "sales").public_id,
    }
    world = types.SimpleNamespace(
        store_b=store_b, bob=bob, customer=outsider_customer, store_c=store_c, carol=carol
    )

    autodiscover_modules("tests.factories")
    for config in apps.get_app_configs():
        factories = sys.modules.get(f"{config.name}.tests.factories")
        if factories is not None:
            ids |= factories.store_b_objects(world)
    return ids


def _fill(route: str, ids: dict) -> str:

    def sub(match):
        name = match.group(2)
        assert name in ids, f"route {route!r} takes <{name}>: register how to make one in store B"
        return str(ids[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


def _is_public(pattern) -> bool:
    """Pages open without a login (a password-reset or invitation link) belong to no store:
    their one-time token is the key, and each has tests of its own."""
    return getattr(pattern.callback, "login_required", True) is False


def _routes_with_ids():
    for route, pattern in _walk(get_resolver().url_patterns):
        if "<" in route and not _is_public(pattern):
            yield route, pattern


def test_every_page_with_an_id_is_a_404_for_another_stores_object(client, dana, store_b_objects):
    client.force_login(dana)  # a dealer admin: role checks pass, only tenancy can refuse
    checked = 0
    for route, _ in _routes_with_ids():
        if route.startswith("api/"):
            continue
        url = _fill(route, store_b_objects)
        statuses = {client.get(url).status_code, client.post(url, {}).status_code}
        assert statuses <= {404, 405}, f"{url} answered {statuses}"
        assert 404 in statuses, f"{url} never looked the object up"
        checked += 1
    assert checked >= 6


def test_every_api_route_with_an_id_is_a_404_for_another_stores_object(dana, store_b_objects):
    api = ApiClient(dana)
    checked = 0
    for route, _ in _routes_with_ids():
        if not route.startswith("api/v1/") or "openapi" in route or "docs" in route:
            continue
        path = _fill(route, store_b_objects).removeprefix("/api/v1")
        for method in ("GET", "POST", "PATCH"):
            response = api.request(method, path, {}, check_schema=False)
            assert response.status_code in {404, 405, 422}, (
                f"{method} {path}: {response.status_code}"
            )
            if method == "GET" and response.status_code != 405:
                assert response.status_code == 404, f"GET {path}"
        checked += 1
    assert checked >= 5


def test_list_pages_never_show_another_stores_rows(client, dana, store_b_objects):
    client.force_login(dana)
    for route, _pattern in _walk(get_resolver().url_patterns):
        if "<" in route or route.startswith(("api/", "login", "logout")):
            continue
        response = client.get("/" + route, follow=True)
        text = (
            b"".join(response.streaming_content).decode()  # a download (the audit CSV)
            if response.streaming
            else response.text
        )
        assert "Olivia" not in text, f"/{route} shows store B's customer"
        assert "Hill Country Toyota" not in text, f"/{route} names store B"
