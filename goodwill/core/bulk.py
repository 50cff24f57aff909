"""Many rows of one model in one go, for the bulk paths (imports).

On PostgreSQL `copy_insert` takes the primary keys from the table's sequence in one query and
sends the rows with COPY: no SQL text per row, no UNNEST arrays built in Python, the values
typed by each field exactly as `save()` types them (`pre_save`, `get_db_prep_save`). Measured
on the import of `bench/bench_import.py` (see docs/closing-notes/issue-10.md). Elsewhere
(SQLite: tests, demos) it is `bulk_create`.

Typing each value was most of COPY's Python time, so `_Column` decides once per field how:
a value whose `get_db_prep_save` is known to return it unchanged (a str in a text column, an
int in an integer or foreign-key column, a bool, a UUID, an aware datetime) is sent as it
is; anything else goes through the field's own `get_db_prep_save`, through the real
connection object rather than the `django.db.connection` proxy (whose attribute lookups
were a quarter of the typing time). `copy_rows` writes rows nothing reads back (contact
points, history, import records) from plain dicts, without a model instance per row.
Measured together (`goodwill import` of 20,000 rows, 10,000 customers in the store,
PostgreSQL, CPU time of the import process): 924 → 748 µs a row, the counts unchanged.
The per-field decisions are cached per model and connection alias: they read only the
backend's features, never a connection's state.

Under row-level security (the application's role, core/storewall.py) PostgreSQL refuses
`COPY … FROM` into the table: the rows are COPied into a temporary table of the same columns
and moved with one `INSERT … SELECT`, which the policy checks row by row. The owner (and a
superuser) keeps the straight COPY."""

from __future__ import annotations

import contextlib
import datetime
import functools
import uuid

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from goodwill.core import storewall

BATCH = 1000

# Field classes whose get_db_prep_save(value) on PostgreSQL is `value` itself for a value of
# these exact types (or None); psycopg adapts them natively. Exact classes only: a subclass
# may type its values its own way.
_TEXT, _INT = (str,), (int,)
_PLAIN = {
    models.CharField: _TEXT,
    models.TextField: _TEXT,
    models.EmailField: _TEXT,
    models.SlugField: _TEXT,
    models.BooleanField: (bool,),
    models.IntegerField: _INT,
    models.SmallIntegerField: _INT,
    models.BigIntegerField: _INT,
    models.PositiveIntegerField: _INT,
    models.PositiveSmallIntegerField: _INT,
    models.PositiveBigIntegerField: _INT,
    models.AutoField: _INT,
    models.BigAutoField: _INT,
    models.SmallAutoField: _INT,
    models.UUIDField: (uuid.UUID,),
    models.DateTimeField: (datetime.datetime,),  # aware ones only, see _Column.typed
}


class _Column:
    __slots__ = ("attname", "auto", "field", "plain", "prep", "when")

    def __init__(self, field, connection):
        self.field = field
        self.attname = field.attname
        # Fields with their own pre_save (auto_now, auto_now_add) set their value as save() does.
        self.auto = type(field).pre_save is not models.Field.pre_save
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        self.plain = _PLAIN.get(type(target), ())
        if type(field) not in (models.ForeignKey, type(target)):
            self.plain = ()  # a custom foreign key: its own typing
        self.when = type(target) is models.DateTimeField
        self.prep = functools.partial(field.get_db_prep_save, connection=connection)

    def default(self):
        """The value save() would write for a field the row leaves out."""
        if self.auto:
            field = self.field
            if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):
                return self.typed(timezone.now())
            raise TypeError(f"copy_rows cannot fill {field.name}: give its value")
        return self.typed(self.field.get_default())

    def value(self, obj):
        value = self.field.pre_save(obj, True) if self.auto else getattr(obj, self.attname)
        return self.typed(value)

    def typed(self, value):
        if value is None:
            return None if self.plain else self.prep(value)
        if type(value) in self.plain and not (self.when and value.tzinfo is None):
            return value
        return self.prep(value)


@functools.cache
def typed_columns(model, alias: str) -> tuple[_Column, ...]:
    """Every concrete column of `model`, each knowing how to type its values for `alias`'s
    driver; shared by COPY here and `core.one_statement`'s INSERT so both write what save()
    would."""
    connection = connections[alias]
    return tuple(_Column(f, connection) for f in model._meta.concrete_fields)


def copy_insert(model, objs: list) -> None:
    """Insert unsaved instances of `model`; afterwards each has its primary key."""
    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    opts = model._meta
    pk = opts.pk
    columns = typed_columns(model, DEFAULT_DB_ALIAS)
    quote = connection.ops.quote_name
    names = ", ".join(quote(c.field.column) for c in columns)
    with connection.cursor() as cursor:
        # The sequence looked up once (a materialised CTE), not per value: with
        # `nextval(pg_get_serial_sequence(…))` per row, 10.7 µs a value against 2.5 (100,000
        # values, psql); ~10 µs of database CPU a row of an import (20,000 rows).
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
            " SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [opts.db_table, pk.column, len(objs)],
        )
        for obj, (pk_value,) in zip(objs, cursor.fetchall(), strict=True):
            obj._prepare_related_fields_for_save(operation_name="copy_insert")
            setattr(obj, pk.attname, pk_value)
        with _copy(cursor, opts.db_table, names) as copy:
            for obj in objs:
                copy.write_row([c.value(obj) for c in columns])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def copy_rows(model, rows: list[dict]) -> None:
    """Insert rows given as {attname: value} (`customer_id`, not `customer`) without building
    a model instance per row; a field a row leaves out gets what save() would give it (its
    default, or now for auto_now/auto_now_add). For the rows nothing reads back (contact
    points, history, import records): no primary keys are returned."""
    if not rows:
        return
    opts = model._meta
    columns = [c for c in typed_columns(model, DEFAULT_DB_ALIAS) if c.field is not opts.pk]
    unknown = set(rows[0]) - {c.attname for c in columns}
    if unknown:
        raise TypeError(f"{opts.label} has no columns {sorted(unknown)}")
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c.field.column) for c in columns)
    missing = object()
    with connection.cursor() as cursor, _copy(cursor, opts.db_table, names) as copy:
        for row in rows:
            values = []
            for c in columns:
                value = row.get(c.attname, missing)
                values.append(c.default() if value is missing else c.typed(value))
            copy.write_row(values)


@contextlib.contextmanager
def _copy(cursor, table: str, names: str):
    """COPY into `table`, or through a temporary table where row security applies."""
    quote = cursor.db.ops.quote_name
    if not storewall.row_security_active(table):
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            yield copy
        return
    stage = quote(f"goodwill_stage_{table}")
    with transaction.atomic():
        # The copied columns' types only (no NOT NULL: a row may leave its id to the table).
        cursor.execute(
            f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "  # nosec B608 # names from the model, quoted
            f"SELECT {names} FROM {quote(table)} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            yield copy
        cursor.execute(f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {stage}")  # nosec B608 # table and column names from the model, quoted; no values
        cursor.execute(f"DROP TABLE {stage}")
