from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

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
