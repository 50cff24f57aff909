"""Private links for customers: random tokens (`secrets`), of which only a sha256 is stored,
and the rate limit of the pages they open.

A token opens exactly one thing (one survey and its thank-you page, or one customer's
referral form); the pages find it by hash and never take an id from the URL."""

import base64
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from goodwill.accounts.throttle import client_ip
from goodwill.feedback.models import LinkHit

# Requests to private links one address may make in the window (a survey takes three).
WINDOW = timedelta(minutes=10)


def new_token() -> tuple[str, str]:
    """(token for the link, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_urlsafe(16)


def derived_token(salt: str) -> str:
    """A referral link's token: HMAC-SHA256 of its random salt under SECRET_KEY. The page
    can show the same link again; the database (salt + hash) does not give it away.
    Changing SECRET_KEY retires every referral link (the next promoter answer makes a new
    one)."""
    digest = salted_hmac("goodwill.feedback.referral-link", salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def throttled(request) -> bool:
    """Count this request against its address; True when the address is over the limit
    (`GOODWILL_PUBLIC_LINK_LIMIT` requests in 10 minutes), which the page answers with 429."""
    now = timezone.now()
    address = client_ip(request)[:45]
    since = now - WINDOW
    recent = LinkHit.objects.filter(address=address, at__gte=since).count()
    if recent >= settings.GOODWILL_PUBLIC_LINK_LIMIT:
        return True
    if recent == 0:
        # The address's first request of a window: a cheap moment to forget old windows.
        LinkHit.objects.filter(address=address, at__lt=since).delete()
    LinkHit.objects.create(address=address, at=now)
    return False
