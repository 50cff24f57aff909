"""Many rows of one model in one go, for the bulk paths (imports).

On PostgreSQL `copy_insert` takes the primary keys from the table's sequence in one query and
sends the rows with COPY: no SQL text per row, no UNNEST arrays built in Python, the values
typed by each field exactly as `save()` types them (`pre_save`, `get_db_prep_save`). Measured
on the import of `bench/bench_import.py` (see docs/closing-notes/issue-10.md). Elsewhere
(SQLite: tests, demos) it is `bulk_create`."""

from __future__ import annotations

from django.db import connection

BATCH = 1000


def copy_insert(model, objs: list) -> None:
    """Insert unsaved instances of `model`; afterwards each has its primary key."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    opts = model._meta
    pk = opts.pk
    fields = list(opts.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, pk.column, len(objs)],
        )
        for obj, (pk_value,) in zip(objs, cursor.fetchall(), strict=True):
            obj._prepare_related_fields_for_save(operation_name="copy_insert")
            setattr(obj, pk.attname, pk_value)
        with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
