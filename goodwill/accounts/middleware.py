"""Per request: the store's time zone, its session limits and its MFA rule.

- Every time shown uses the store's own zone: it is activated here for pages (and by the
  token check for the API) and switched off after the response.
- A session ends after the store's idle minutes without a request, and after its absolute
  hours whatever happens (`receivers.py` starts the clock at sign-in).
- A role the store requires MFA for reaches only the enrolment/verification page, the
  password pages and sign-out until the session is verified with a second factor."""

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from goodwill.accounts.receivers import SEEN, STARTED

# Pages an unverified session of a role that must use MFA may still open.
MFA_FREE_PREFIXES = ("/account/mfa/", "/logout/", "/login/", "/static/", "/password-reset/")
SEEN_WRITE_EVERY = 60  # seconds: the idle clock is written at most once a minute


def _redirect(request, url: str):
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class AccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        store = getattr(request, "dealership", None)
        if store is not None:
            timezone.activate(store.zone)
        try:
            if store is not None and not request.path.startswith("/api/"):
                response = self._check_session(request, store)
                if response is not None:
                    return response
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def _check_session(self, request, store):
        user = request.user
        if not user.is_authenticated:
            return None
        now = int(time.time())
        session = request.session
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None:
            session[STARTED] = session[SEEN] = started = seen = now
        ended = ""
        if now - seen > store.session_idle_minutes * 60:
            ended = f"after {store.session_idle_minutes} minutes without activity"
        elif now - started > store.session_max_hours * 3600:
            ended = f"{store.session_max_hours} hours after you signed in"
        if ended:
            logout(request)
            messages.info(request, f"You were signed out {ended}, as your store asks.")
            return _redirect(request, f"{reverse('login')}?{urlencode({'next': request.path})}")
        if now - seen >= SEEN_WRITE_EVERY:
            session[SEEN] = now
        if (
            store.requires_mfa(user.role)
            and not user.is_verified()
            and not request.path.startswith(MFA_FREE_PREFIXES)
        ):
            return _redirect(request, reverse("accounts:mfa"))
        return None
