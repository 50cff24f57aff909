"""Absolute links for emails and leads, which are sent with no request to take an address
from: every one starts at `GOODWILL_SITE_URL` (e.g. https://crm.example-motors.com).

Without it (a laptop demo started by hand) the links point at the address `goodwill serve`
binds by default, and `check --deploy` warns."""

import os

from django.conf import settings


def site_url(path: str = "/") -> str:
    base = settings.GOODWILL_SITE_URL or (
        f"http://{os.environ.get('GOODWILL_HOST', '127.0.0.1')}:"
        f"{os.environ.get('GOODWILL_PORT', '8000')}"
    )
    return base.rstrip("/") + "/" + path.lstrip("/")


# The one-time token `goodwill serve` prints while no store exists; the first-run page at `/`
# opens for whoever brings it (or for the machine itself).
SETUP_TOKEN_ENV = "GOODWILL_SETUP_TOKEN"  # nosec B105 # the name of an environment variable, not a secret
