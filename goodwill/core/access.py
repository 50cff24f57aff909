"""Access helpers: the only way views fetch tenant-owned objects.

Another store's object and a missing object give the same 404, so ids leak nothing; a
signed-in user without the right role gets a 403."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404


def get_visible_or_404(queryset, **lookup):
    """`queryset` must already be narrowed to the user (e.g. `Customer.objects.visible_to`)."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404("No such record in your store.") from None


def staff_required(view):
    """A signed-in staff member of a store (superusers without a store have no pages here)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.dealership is None:
            raise PermissionDenied("Your login is not attached to a dealership.")
        return view(request, *args, **kwargs)

    return wrapper


def dealer_admin_required(view):
    @wraps(view)
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_dealer_admin:
            raise PermissionDenied("Only a dealer admin can do this.")
        return view(request, *args, **kwargs)

    return wrapper
