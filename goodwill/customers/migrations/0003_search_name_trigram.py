"""PostgreSQL only: a trigram GIN index, led by the dealership, for name-fragment search
(`search_name LIKE '%frag%'` within one store). SQLite scans, which is fine at demo size."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS customers_cust_name_trgm ON customers_customer "
    "USING gin (dealership_id, search_name gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS customers_cust_name_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
