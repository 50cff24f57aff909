"""A row and the rows that hang off it, written by one INSERT statement (PostgreSQL).

Why: an API create of a customer wrote four rows (the customer, its phone, its email, its
"created" history row) with four INSERTs inside BEGIN … COMMIT, after the duplicate rule's
lookup: seven round trips to the database and the ORM compiling four INSERTs on every
request, against the bare app's one. PostgreSQL writes several tables in one statement
(`WITH p AS (INSERT … RETURNING id), c AS (INSERT … SELECT p.id …) …`), and a single
statement is a transaction of its own: all rows or none, with no BEGIN and COMMIT to send.

`insert_family` types every value as `save()` and `core.bulk` do (each field's `pre_save`
and `get_db_prep_save`; `auto_now` fields get now, a column a row leaves out its default),
and casts each to its column's type (a text literal must become a uuid, a bigint, a jsonb),
never to a length (a cast to varchar(n) would cut a value short instead of refusing it).

`unless`: a SELECT (SQL and params) that, when it finds a row, makes the statement write
nothing and return None: the duplicate rule's lookup of the same phone, email or VIN runs
in the same statement as the writes it guards. It reads the snapshot the statement starts
with, as the separate lookup did (at READ COMMITTED, neither stops a concurrent twin).

SQLite has no writes inside WITH: callers take their usual path there (`available`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections

from goodwill.core.bulk import typed_columns


@dataclass
class Children:
    """Rows of `model` that point at the parent through `link` (an attname such as
    `customer_id`), or stand beside it when `link` is None (written only when the parent
    is). `key`: an attname unique among these rows (a phone's label), returned with each
    new id so the caller can match them."""

    model: type
    rows: list[dict]
    link: str | None = None
    key: str | None = None
    ids: dict = field(default_factory=dict)  # filled in: {key value: new id}


def available(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


@functools.cache
def _plan(model, alias: str, skip: str | None) -> tuple[tuple, str, str]:
    """(columns, quoted names, one row's typed placeholders) of `model`'s insert, less its
    primary key and `skip` (a link filled from the parent), once per model: building the
    casts was 7 % of an API create's CPU when done per request."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    opts = model._meta
    columns = tuple(
        c for c in typed_columns(model, alias) if c.field is not opts.pk and c.attname != skip
    )
    casts = (c.field.cast_db_type(connection) or c.field.db_type(connection) for c in columns)
    names = ", ".join(quote(c.field.column) for c in columns)
    return columns, names, "(" + ", ".join(f"CAST(%s AS {cast})" for cast in casts) + ")"


def _params(columns, rows: list[dict], skip: str | None, label: str) -> list:
    known = {c.attname for c in columns} | {skip}
    params, missing = [], object()
    for row in rows:
        if not known.issuperset(row):
            raise TypeError(f"{label} has no columns {sorted(set(row) - known)}")
        for c in columns:
            value = row.get(c.attname, missing)
            params.append(c.default() if value is missing else c.typed(value))
    return params


@functools.lru_cache(maxsize=256)
def _sql(alias: str, parent, guard_sql: str | None, shape: tuple) -> str:
    """The statement for one shape: the parent model, the guard's SQL, and per children
    (model, number of rows, link, key). Written once per process and shape."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    opts = parent._meta
    parent_pk = quote(opts.pk.column)
    parts, guard = [], ""
    if guard_sql is not None:
        parts.append(f"guard AS ({guard_sql})")
        guard = " WHERE NOT EXISTS (SELECT 1 FROM guard)"
    _, names, row = _plan(parent, alias, None)
    parts.append(
        f"p AS (INSERT INTO {quote(opts.db_table)} ({names}) "  # nosec B608 # names from the models, quoted; values are params
        f"SELECT {row[1:-1]}{guard} RETURNING {parent_pk})"
    )
    selects = [f"p.{parent_pk}"]
    for i, (model, count, link, key) in enumerate(shape):
        copts = model._meta
        columns, names, row = _plan(model, alias, link)
        aliases = ", ".join(f"v{j}" for j in range(len(columns)))
        values = f"(VALUES {', '.join([row] * count)}) v({aliases})"
        if link:
            link_column = quote(copts.get_field(link.removesuffix("_id")).column)
            source = f"SELECT p.{parent_pk}, {aliases} FROM p, {values}"  # nosec B608 # quoted names, placeholders
            target = f"{link_column}, {names}"
        else:
            source, target = f"SELECT {aliases} FROM {values}{guard}", names  # nosec B608 # quoted names, placeholders
        pk = quote(copts.pk.column)
        returning = pk + (f", {quote(copts.get_field(key).column)}" if key else "")
        parts.append(
            f"c{i} AS (INSERT INTO {quote(copts.db_table)} ({target}) "  # nosec B608 # names from the models, quoted; values are params
            f"{source} RETURNING {returning})"
        )
        if key:
            key_column = quote(copts.get_field(key).column)
            selects.append(f"(SELECT array_agg({pk} ORDER BY {pk}) FROM c{i})")  # nosec B608 # names from the models
            selects.append(f"(SELECT array_agg({key_column} ORDER BY {pk}) FROM c{i})")  # nosec B608 # names from the models
    return "WITH " + ", ".join(parts) + " SELECT " + ", ".join(selects) + " FROM p"  # nosec B608 # built above from quoted names


def insert_family(
    parent, children: list[Children], *, unless=None, more=None, using: str = DEFAULT_DB_ALIAS
) -> bool:
    """Insert the unsaved instance `parent` and `children` in one statement. Afterwards
    `parent` has its primary key and each `Children.ids` its rows' ids; returns False, having
    written nothing, when `unless` found a row. `more(parent)`: more `Children`, asked for
    once the parent holds the values it will be written with (its `auto_now` times): an
    answer built from the parent and kept in the same statement (an Idempotency-Key's)."""
    connection = connections[using]
    model = type(parent)
    parent._prepare_related_fields_for_save(operation_name="insert_family")
    guard_sql, params = unless if unless is not None else (None, [])
    params = [*params, *(c.value(parent) for c in _plan(model, using, None)[0])]
    if more is not None:
        children = [*children, *more(parent)]
    children = [c for c in children if c.rows]
    for child in children:
        columns = _plan(child.model, using, child.link)[0]
        params += _params(columns, child.rows, child.link, child.model._meta.label)
    shape = tuple((c.model, len(c.rows), c.link, c.key) for c in children)
    with connection.cursor() as cursor:
        cursor.execute(_sql(using, model, guard_sql, shape), params)
        row = cursor.fetchone()
    if row is None:
        return False
    setattr(parent, model._meta.pk.attname, row[0])
    parent._state.adding, parent._state.db = False, using
    found = iter(row[1:])
    for child in children:
        if child.key:
            ids, keys = next(found), next(found)
            child.ids = dict(zip(keys, ids, strict=True))
    return True
