"""Remembers where the current request came from, so an action deep in a request (a merge,
a settings change) writes its audit entry with the caller's address without being handed
the request."""

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from goodwill.core.remote import client_ip


@dataclass(frozen=True)
class Origin:
    ip: str | None
    via: str  # an `AuditEntry.Via` value


class _Asked:
    """The request being served; its origin is worked out the first time an entry asks
    (parsing the address was ~4 % of the CPU of an API create, which writes no entry)."""

    __slots__ = ("origin", "request")

    def __init__(self, request):
        self.request, self.origin = request, None

    def get(self) -> Origin:
        if self.origin is None:
            self.origin = origin_of(self.request)
        return self.origin


_origin: ContextVar[_Asked | None] = ContextVar("goodwill_audit_origin", default=None)


def origin_of(request) -> Origin:
    via = "api" if request.path.startswith("/api/") else "page"
    return Origin(ip=_address(client_ip(request)), via=via)


def _address(text: str) -> str | None:
    """A forged or garbled header is kept out (PostgreSQL's `inet` would refuse it)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def current_origin() -> Origin | None:
    """The request being served in this thread, or None (a command, a background job)."""
    asked = _origin.get()
    return asked.get() if asked is not None else None


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _origin.set(_Asked(request))
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)
