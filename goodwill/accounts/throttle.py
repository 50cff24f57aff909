"""Sign-in throttling on top of django-axes (`AXES_CLIENT_IP_CALLABLE` is `client_ip`).

Axes counts failed sign-ins per account (a wrong password, and a wrong MFA code, which the
code step reports as a failed login) and locks the account for the cool-off time after
`AXES_FAILURE_LIMIT` failures. A showroom's staff share one public address, so a per-address
lock at five would shut the whole store out after one careless salesperson: the address gets
its own, wider limit (`GOODWILL_ADDRESS_FAILURE_LIMIT`) counted here from axes' own rows."""

import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone

from goodwill.core.remote import client_ip


class ThrottledBackend(AxesStandaloneBackend):
    """Axes' gate, first in AUTHENTICATION_BACKENDS. Every sign-in through the web passes
    its request (Django's AuthenticationForm does); code that checks a password with no
    request at all (a shell, the test client's `login`) has no address to count and is let
    through to the model backend instead of raising."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def is_loopback(request) -> bool:
    """The request comes from the machine itself, not through a proxy."""
    if any(
        request.META.get(h) for h in ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
    ):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _cooloff_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def address_locked(request) -> bool:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(
        ip_address=client_ip(request), attempt_time__gte=since
    ).aggregate(n=Sum("failures_since_start"))["n"]
    return (failures or 0) >= settings.GOODWILL_ADDRESS_FAILURE_LIMIT


def lockout_page(request, *, address: bool = False):
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": _cooloff_minutes(), "address": address, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def locked_out_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the styled page instead of axes' plain text."""
    return lockout_page(request)
