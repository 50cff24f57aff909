"""The entry-time check's name lookup at a million customers: an exact B-tree lookup on the
Soundex codes of last and first name (fuzzystrmatch) instead of a trigram GIN scan, which
costs tens of milliseconds for common names. Typos that keep the sound, nicknames (every
name of the family is asked) and swapped first/last names are index lookups. SQLite needs
nothing (tests and demos are small)."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
    "CREATE INDEX IF NOT EXISTS dedupe_cust_name_sound ON customers_customer "
    "(dealership_id, soundex(last_name), soundex(first_name))",
    "CREATE INDEX IF NOT EXISTS dedupe_cust_company ON customers_customer "
    "(dealership_id, upper(company_name::text)) WHERE company_name <> ''",
]
DROP = ["DROP INDEX IF EXISTS dedupe_cust_name_sound", "DROP INDEX IF EXISTS dedupe_cust_company"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("dedupe", "0002_street_index")]

    operations = [migrations.RunPython(forwards, backwards)]
