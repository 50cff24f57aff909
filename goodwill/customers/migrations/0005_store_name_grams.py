"""PostgreSQL only: name-fragment search reads the store's index entries, not the network's.

The trigram GIN of 0003, `(dealership_id, search_name gin_trgm_ops)`, keeps separate entries
per column: a fragment reads every store's rows that hold its trigrams and only then drops
the other stores' (`%willia%` read 32,542 index rows for a store of 3,974 customers, and ten
times that at ten times the network). Here each trigram is indexed together with its store:
`customers_store_grams(dealership_id, search_name)` is the array of "<store>:<trigram>" for
the trigrams inside the name's words, with a GIN over it. A fragment asks for its own
inner trigrams prefixed with the store (`@>`), then rechecks with LIKE; what it reads grows
with the store, not with the network (figures in docs/closing-notes/issue-10.md).
SQLite scans the store's rows, which is fine at demo size."""

from django.db import migrations

FUNCTION = "customers_store_grams"
INDEX = "customers_cust_name_grams"


def create_sql(trgm_schema: str) -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        # IMMUTABLE (show_trgm is): usable in an index, folded to a constant for a query.
        f"CREATE OR REPLACE FUNCTION {FUNCTION}(store bigint, name text) RETURNS text[] "  # nosec B608 # constants and the schema name pg_trgm lives in
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        "SELECT coalesce(array_agg(store::text || ':' || g), '{}') "
        f'FROM unnest("{trgm_schema}".show_trgm(name)) AS g WHERE strpos(g, \' \') = 0 $$',
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
        f"USING gin ({FUNCTION}(dealership_id, search_name))",
    ]


DROP = [f"DROP INDEX IF EXISTS {INDEX}"]
OLD_INDEX = "customers_cust_name_trgm"


def trgm_schema(cursor) -> str:
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    cursor.execute(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    )
    return cursor.fetchone()[0].strip('"')


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        schema = trgm_schema(cursor)
    for sql in create_sql(schema):
        schema_editor.execute(sql)
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON customers_customer "
        "USING gin (dealership_id, search_name gin_trgm_ops)"
    )
    for sql in DROP:
        schema_editor.execute(sql)
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(bigint, text)")


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_vin_phone_trigram")]
    operations = [migrations.RunPython(forwards, backwards)]
