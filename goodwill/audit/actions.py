"""The one write of the audit log: `record(request_or_user, verb, obj=None, **detail)`.

Call it where the act happens: a read (a customer page, a search, an export) in the view or
API endpoint with the request; a change in its action, with the acting user, inside the
action's transaction (so the entry commits, or vanishes, with the change). One act, one
entry, one INSERT: nothing is read first."""

from __future__ import annotations

from typing import NamedTuple

from django.http import HttpRequest

from goodwill.audit.middleware import current_origin, origin_of
from goodwill.audit.models import AuditEntry

Verb = AuditEntry.Verb
LABEL_LENGTH = AuditEntry._meta.get_field("object_label").max_length


class Ref(NamedTuple):
    """A record named without its model instance (an API read answers from `.values()`
    rows): its model name, public id and label, as `record` takes them from an instance."""

    kind: str
    object_id: str
    label: str


def record(
    actor, verb: str, obj=None, *, dealership=None, user=None, **detail
) -> AuditEntry | None:
    """Write one entry. `actor` is the request (page or API: its user and address) or the
    acting user (the address is the current request's, if any). `obj` is the record acted
    on (or a `Ref` to it); `detail` a few JSON values (the query, the file, the fields
    changed …). `user` names the person when the request does not carry them yet (signing
    in). A login without a store has no log to write to: nothing is written and None returned."""
    if isinstance(actor, HttpRequest):
        user, origin = user or getattr(actor, "user", None), origin_of(actor)
        dealership = dealership or getattr(actor, "dealership", None)
    else:
        user, origin = actor, current_origin()
    if user is not None and not user.is_authenticated:
        user = None
    dealership_id = getattr(dealership, "pk", dealership) or getattr(user, "dealership_id", None)
    if dealership_id is None:
        return None
    kind = object_id = label = ""
    if isinstance(obj, Ref):
        kind, object_id, label = obj.kind, obj.object_id, obj.label[:LABEL_LENGTH]
    elif obj is not None:
        kind = obj._meta.model_name
        object_id = str(getattr(obj, "public_id", None) or obj.pk)
        label = str(obj)[:LABEL_LENGTH]
    return AuditEntry.objects.create(
        dealership_id=dealership_id,
        user=user,
        verb=verb,
        object_kind=kind,
        object_id=object_id,
        object_label=label,
        detail=detail,
        ip=origin.ip if origin else None,
        via=origin.via if origin else AuditEntry.Via.SYSTEM,
    )
