"""The one write of the audit log: `record(request_or_user, verb, obj=None, **detail)`.

Call it where the act happens: a read (a customer page, a search, an export) in the view or
API endpoint with the request; a change in its action, with the acting user, inside the
action's transaction (so the entry commits, or vanishes, with the change). One act, one
entry, one INSERT: nothing is read first (a read's entry commits without waiting for the
disk: `_write`)."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from django.db import connections, router
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
    entry = AuditEntry(
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
    _write(entry)
    return entry


# The acts of reading: a customer opened, a search run. Every API read writes one.
READ_VERBS = frozenset({Verb.VIEWED, Verb.SEARCHED})


def _write(entry: AuditEntry) -> None:
    """INSERT the new entry. A read's entry on PostgreSQL outside any transaction (an API
    GET or search, a page) is committed *asynchronously*: the statement sets
    `synchronous_commit` off for its own implicit transaction (`set_config(…, true)`, as
    `SET LOCAL`; the connection's setting is untouched), so the request does not wait for
    the WAL flush. PostgreSQL's documentation gives this very case (access logging next to
    transactions that must be durable): the database stays consistent, and a crash of the
    *database server* may lose the entries committed in the last ~0.6 s (3 ×
    `wal_writer_delay`). Changes (and their entries, inside the actions' transactions) keep
    synchronous commit, and so does any entry written inside a transaction, whose commit
    is not this statement's to set.

    Measured on this machine's disk: an autocommit INSERT 4.7–5.4 ms, asynchronous 0.2 ms;
    over HTTP a GET of one customer waited for that flush on every request (issue 10's
    closing note, "http" section of the second session of 2026-11-30). The INSERT is
    written once per process from the model's fields (each value through `pre_save` and
    `get_db_prep_save`, as the ORM's insert does); no `pre_save`/`post_save` signal is sent
    for it (nothing listens to the audit log's)."""
    connection = connections[router.db_for_write(AuditEntry)]
    if (
        entry.verb not in READ_VERBS
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        entry.save(force_insert=True)
        return
    sql, fields = _async_insert(connection.alias)
    values = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        entry.pk = cursor.fetchone()[0]
    entry._state.adding, entry._state.db = False, connection.alias


@cache
def _async_insert(alias: str) -> tuple[str, list]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    sql = (
        f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({columns}) "  # nosec B608 # names and types from the model; the values are parameters
        f"SELECT {values} FROM (SELECT set_config('synchronous_commit', 'off', true)) AS a "
        f"RETURNING {quote(AuditEntry._meta.pk.column)}"
    )
    return sql, fields
