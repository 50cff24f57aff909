"""The Soundex name index ends with the customer's id, so the capped lookups' order (the
first name's code, then id; `ORDER BY id LIMIT 20` per code) is the index's own: a common
name reads its first 20 entries instead of every customer of that name, sorted. Without it
the lookups' work grew with the store — an import of 1,000,000 rows into one store asked
"Smith" / "J" ever more rows to sort (issue 10, point 4; EXPLAIN figures in
docs/closing-notes/issue-10.md). SQLite needs nothing (0003)."""

from django.db import migrations

WITH_ID = (
    "CREATE INDEX IF NOT EXISTS dedupe_cust_name_sound ON customers_customer "
    "(dealership_id, soundex(last_name), soundex(first_name), id)"
)
WITHOUT_ID = (
    "CREATE INDEX IF NOT EXISTS dedupe_cust_name_sound ON customers_customer "
    "(dealership_id, soundex(last_name), soundex(first_name))"
)


def _replace(schema_editor, create):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS dedupe_cust_name_sound")
        schema_editor.execute(create)


def forwards(apps, schema_editor):
    _replace(schema_editor, WITH_ID)


def backwards(apps, schema_editor):
    _replace(schema_editor, WITHOUT_ID)


class Migration(migrations.Migration):
    dependencies = [("dedupe", "0003_name_sound_index")]

    operations = [migrations.RunPython(forwards, backwards)]
