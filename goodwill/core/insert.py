"""Insert a new row and the new rows that point at it in one statement.

A customer created through the API is four tables (the customer, phones, emails, the history
event). Saved one by one that is four round trips and four ORM compiles, which was most of
the API's cost over a bare insert. On PostgreSQL one `WITH … INSERT` statement writes them all;
elsewhere (SQLite, where each statement is a function call anyway) the rows are saved in turn.

The SQL is built from the models' own fields on every call (`pre_save` for auto_now and
defaults, `get_db_prep_save` for types), so a field added to a model is written without
touching this module. Signals are not sent, as with bulk_create."""

from django.db import connections, router
from django.db.models import Model


def insert_with_children(parent: Model, children: list[Model]) -> None:
    """Save `parent` (new) and `children` (new; their foreign key to `parent` may still be
    unsaved) together. Sets the primary keys and marks every instance as saved."""
    using = router.db_for_write(type(parent), instance=parent)
    connection = connections[using]
    links = [_link_to(child, parent) for child in children]
    if connection.vendor != "postgresql" or not children:
        parent.save(force_insert=True, using=using)
        for child in children:
            child.save(force_insert=True, using=using)  # takes the parent's new pk
        return
    quote = connection.ops.quote_name
    statements, params = [], []
    for n, (obj, link) in enumerate([(parent, None), *zip(children, links, strict=True)]):
        fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
        values = []
        for field in fields:
            if field is link:
                values.append(f"(SELECT {quote(parent._meta.pk.column)} FROM r0)")
                continue
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
        statements.append(
            f"r{n} AS (INSERT INTO {quote(obj._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) VALUES ({', '.join(values)}) "
            f"RETURNING {quote(obj._meta.pk.column)})"
        )
    ids = ", ".join(f"(SELECT * FROM r{n})" for n in range(len(statements)))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(statements)} SELECT {ids}", params)
        row = cursor.fetchone()
    for obj, pk in zip([parent, *children], row, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using
    for child, link in zip(children, links, strict=True):
        setattr(child, link.attname, parent.pk)


def _link_to(child: Model, parent: Model):
    """The child's foreign key that holds `parent` (set on the instance, maybe unsaved)."""
    for field in child._meta.concrete_fields:
        if field.is_relation and field.is_cached(child) and getattr(child, field.name) is parent:
            return field
    raise ValueError(f"{child!r} does not point at {parent!r}")
