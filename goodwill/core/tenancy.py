"""Tenancy: the one place rows are scoped to a store, and the access helpers every view uses.

Another store's object and a missing object give the same 404, so ids leak nothing; a
signed-in user without the right role, or without a store at all, gets a 403 page that says
what to do. `core` sits at the bottom of the layers: nothing here imports a domain app (the
type hints below are only read by type checkers)."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

if TYPE_CHECKING:  # pragma: no cover - names for type checkers only
    from django_htmx.middleware import HtmxDetails

    from goodwill.dealerships.models import Dealership, User

NO_STORE_MESSAGE = (
    "Your login is not attached to a dealership, so there is nothing of a store to show. "
    "Ask your dealer admin to add you as staff, or run `goodwill setup` to create a store "
    "and its first admin."
)


class TenantQuerySet(models.QuerySet):
    """Every tenant-owned queryset starts here: the one place rows are scoped to a store."""

    def for_dealership(self, dealership):
        return self.filter(dealership=dealership)


class StoreRequest(HttpRequest):
    """A signed-in page request as views see it (like django-htmx's `HtmxHttpRequest`).

    `DealershipMiddleware` resolves `dealership` eagerly, so `request.dealership is None`
    is a real test (a lazy object never compares equal to None)."""

    user: User
    dealership: Dealership | None
    htmx: HtmxDetails


def get_visible_or_404(queryset, **lookup):
    """`queryset` must already be narrowed to the user (e.g. `Customer.objects.visible_to`)."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404("No such record in your store.") from None


def staff_required(view):
    """A signed-in staff member of a store. The middleware already answers a login without
    a store with the 403 page; this keeps views safe when called some other way."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "dealership", None) is None:
            raise PermissionDenied(NO_STORE_MESSAGE)
        return view(request, *args, **kwargs)

    return wrapper


def role_required(test, message: str):
    """A decorator for views only some roles may open: `test(user) -> bool`."""

    def decorator(view):
        @wraps(view)
        @staff_required
        def wrapper(request, *args, **kwargs):
            if not test(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


dealer_admin_required = role_required(
    lambda user: user.is_dealer_admin, "Only a dealer admin can do this."
)
manager_required = role_required(lambda user: user.is_manager, "Only a manager can do this.")


def store_free(view):
    """Marks a page a signed-in user without a store may still open (sign-out, setup)."""
    view.store_free = True
    return view
