import functools

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MiddlewareNotUsed, PermissionDenied
from django.core.handlers.exception import convert_exception_to_response
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.response import TemplateResponse
from django.utils.module_loading import import_string

from goodwill.core import storewall
from goodwill.core.tenancy import NO_STORE_MESSAGE


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class DealershipMiddleware:
    """Sets `request.dealership`: the store of the signed-in staff member, or None.

    Resolved eagerly for signed-in page requests (one query, joined to the user where the
    session loads it), so `request.dealership is None` is a real test. The API sets it from
    the token instead, and anonymous requests pay nothing. A signed-in login without a store
    (what `createsuperuser` makes) gets the 403 page on every page that is not marked
    `store_free`, never a 500 further down.

    On PostgreSQL the connection acts for that store for the whole request (the second wall,
    core/storewall.py): an anonymous or API request acts for none until sign-in, the token
    or a public link's token names one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.dealership = None
        if not _is_api(request):
            user = request.user
            if user.is_authenticated and user.dealership_id:
                request.dealership = user.dealership
        with storewall.acting_for(request.dealership):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _is_api(request) or request.dealership is not None:
            return None
        if not request.user.is_authenticated or getattr(view_func, "store_free", False):
            return None
        if getattr(view_func, "login_required", True) is False:
            return None  # public pages (login, password reset, survey links …)
        raise PermissionDenied(NO_STORE_MESSAGE)


class PagesLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login; the API authenticates with its own tokens."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _is_api(request):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class MethodNotAllowedPageMiddleware:
    """A page opened with the wrong method (a link to a POST-only address) gets the 405 page
    in the layout, saying what to do, instead of Django's empty answer. The API keeps its own
    JSON answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or _is_api(request) or response.content:
            return response
        allowed = response.get("Allow", "")
        page = TemplateResponse(
            request, "405.html", {"allowed": allowed.replace(", ", " or ")}, status=405
        )
        page["Allow"] = allowed
        return page.render()


# What a view or a nonce can change about a response's policy (django-csp 4's attributes).
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the header built once while the settings stay the same.

    django-csp builds the policy string from the settings on every response, twice (the
    policy and the report-only one): 9 % of the CPU of an API GET of one customer (cProfile,
    `bench/profile_request.py --endpoint get --profile 300`, 0.195 of 2.05 s). No view of
    ours sets a per-view policy or asks for a nonce, so the string is the same every time;
    a response that does either goes the library's own way, and so does DEBUG's error page.
    The library's rules for setting the header are kept: not over one already set, not on
    an exempt response, not under an excluded prefix."""

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, exempt, excluded, value in _fixed_policy():
            if (
                value
                and header not in response
                and not getattr(response, exempt, False)
                and not request.path_info.startswith(excluded)
            ):
                response[header] = value
        # As the library does: a nonce asked for after the header was written is an error.
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _fixed_policy() -> tuple:
    """(header, exempt attribute, excluded prefixes, value) of the policy and of its
    report-only twin, from the settings; cleared when a test changes them."""
    out = []
    for header, setting, exempt, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", "_csp_exempt", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", "_csp_exempt_ro", True),
    ):
        policy = getattr(settings, setting, None) or {}
        excluded = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
        out.append((header, exempt, excluded, build_policy(report_only=report_only)))
    return tuple(out)


@receiver(setting_changed)
def _settings_changed(sender, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _fixed_policy.cache_clear()


class PagesOnlyMiddleware:
    """The middleware only pages need, run as one: an API request skips them.

    Sessions, CSRF, the session's user, MFA, messages, htmx, the 405 page, the login wall of
    pages and login lockouts (axes) serve a person in a browser. The API authenticates each
    request by its bearer token (`api.auth`), its views are CSRF-exempt (no cookie
    authenticates them) and answer JSON; for it these nine layers did nothing but cost about
    a tenth of the CPU of a GET of one customer. Pages run exactly the same middleware in the
    same order as before (`settings.PAGES_ONLY_MIDDLEWARE`, wrapped as Django's handler
    wraps each, their `process_view` hooks called in order); an API request gets an
    anonymous `request.user` until its token names one.

    Django's own chain is built from `settings.MIDDLEWARE`, where this one stands in for
    the nine; `CommonMiddleware` stays in the pages' list (its trailing-slash redirect of a
    404 must come before the session saves its cookie)."""

    def __init__(self, get_response):
        self.api = get_response
        chain = get_response
        self._view_hooks = []
        for path in reversed(settings.PAGES_ONLY_MIDDLEWARE):
            try:
                instance = import_string(path)(chain)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_hooks.insert(0, instance.process_view)
            chain = convert_exception_to_response(instance)
        self.pages = chain

    def __call__(self, request):
        if _is_api(request):
            request.user = AnonymousUser()
            return self.api(request)
        return self.pages(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _is_api(request):
            return None
        for hook in self._view_hooks:
            response = hook(request, view_func, view_args, view_kwargs)
            if response is not None:
                return response
        return None
