"""The entry-time check looks customers up by street address (case-insensitive) within a
store. On PostgreSQL this expression index makes that an index scan in a store of a million;
SQLite needs nothing (tests and demos are small)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS dedupe_cust_street ON customers_customer "
    "(dealership_id, upper(street::text))"
)
DROP = "DROP INDEX IF EXISTS dedupe_cust_street"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("dedupe", "0001_initial"),
        ("customers", "0003_search_name_trigram"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
