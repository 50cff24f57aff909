"""A login without a store (what `goodwill createsuperuser` makes) meets a 403 page in the
normal layout that says what to do, on every page route, never a 500."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from goodwill.core.tenancy import staff_required
from goodwill.dealerships.models import User

pytestmark = pytest.mark.django_db


def _page_routes(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _page_routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            # Public pages (password reset, invitation links) answer everybody the same.
            public = getattr(p.callback, "login_required", True) is False and route
            if not route.startswith(("api/", "login", "logout", "static")) and not public:
                yield route


def test_every_page_is_a_403_in_the_layout_for_a_login_without_a_store(client, store_a):
    # An installation with a store (with none, `/` is the first-run page: accounts/tests).
    root = User.objects.create_superuser("root", "root@example.com", "a-long-admin-pass")
    client.force_login(root)
    checked = 0
    for route in _page_routes():
        url = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(uuid.uuid4()), route)
        response = client.get(url, follow=True)
        assert response.status_code == 403, f"{url} answered {response.status_code}"
        text = response.text
        assert "not attached to a dealership" in text, url
        assert "goodwill setup" in text and "Sign out" in text, url  # what to do, and a way out
        assert 'class="topbar"' in text, url  # the normal layout
        checked += 1
    assert checked >= 30


def test_the_staff_decorator_refuses_a_request_without_a_store_even_without_the_middleware(rf):
    @staff_required
    def view(request):
        return "reached"

    request = rf.get("/anything/")
    request.dealership = None
    with pytest.raises(Exception, match="not attached to a dealership"):
        view(request)
