"""The audit log in the JSON API: dealer admins read their store's entries, newest first."""

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Query, Router, Schema, Status

from goodwill.api.schemas import (
    MAX_OFFSET,
    Day,
    Error,
    Page,
    StaffRef,
    choices,
    page_of,
    staff_ref,
)
from goodwill.audit.models import AuditEntry

router = Router(tags=["audit"])

VerbName = choices(AuditEntry.Verb)
ViaName = choices(AuditEntry.Via)


class AuditObject(Schema):
    kind: str
    id: str
    label: str


class AuditEntryOut(Schema):
    at: datetime
    user: StaffRef | None
    verb: VerbName
    object: AuditObject | None
    detail: dict[str, Any]
    ip: str | None
    via: ViaName


AuditPage = Page[AuditEntryOut]


def entry_out(e: AuditEntry) -> dict:
    return {
        "at": e.at,
        "user": staff_ref(e.user),
        "verb": e.verb,
        "object": (
            {"kind": e.object_kind, "id": e.object_id, "label": e.object_label}
            if e.object_kind
            else None
        ),
        "detail": e.detail,
        "ip": e.ip,
        "via": e.via,
    }


@router.get(
    "/audit",
    response={200: AuditPage, 403: Error},
    summary="The store's audit log, newest first (dealer admins)",
)
def list_audit(
    request,
    user: UUID | None = None,
    verb: VerbName | None = None,
    since: Day | None = None,
    until: Day | None = None,
    customer: UUID | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    """Filters: `user` (a staff member's id), `verb`, `since` and `until` (days in the
    store's time zone, both included), `customer` (acts on this customer). Ordered by time,
    then entry, so pages never overlap."""
    if not request.user.is_dealer_admin:
        return Status(403, {"detail": "Only a dealer admin can read the audit log."})
    entries = AuditEntry.objects.visible_to(request.user).select_related("user")
    entries = entries.matching(user=user, verb=verb, since=since, until=until, customer=customer)
    return page_of(entries, limit=limit, offset=offset, out=entry_out)
