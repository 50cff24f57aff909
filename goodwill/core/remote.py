"""Where a request came from, read one way for the sign-in throttle and the audit log."""

from django.conf import settings


def client_ip(request) -> str:
    """The caller's address. Behind the production proxy (GOODWILL_SECURE) it is the last
    X-Forwarded-For hop, the one the proxy itself appended (earlier hops are the client's
    word and can be forged)."""
    if settings.SECURE:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")
