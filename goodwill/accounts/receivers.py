"""A session remembers when it began and when it was last used: the store's idle and
absolute limits (`middleware.py`) read them."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

STARTED, SEEN = "gw_started", "gw_seen"


@receiver(user_logged_in, dispatch_uid="goodwill.accounts.session_clock")
def start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = now
        request.session[SEEN] = now
