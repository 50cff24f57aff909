from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.utils.functional import SimpleLazyObject


class DealershipMiddleware:
    """Sets `request.dealership`: the store of the signed-in staff member (or None).

    Loaded lazily so requests that never look at it (static files, the API with its own
    token auth) pay no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.dealership = SimpleLazyObject(lambda: _dealership_of(request.user))
        return self.get_response(request)


def _dealership_of(user):
    if user.is_authenticated and user.dealership_id:
        return user.dealership
    return None


class PagesLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a login; the API authenticates with its own tokens."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
