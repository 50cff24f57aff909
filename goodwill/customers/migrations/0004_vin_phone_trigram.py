"""PostgreSQL only: trigram GIN indexes, led by the dealership, for the search box's partial
lookups: the last digits of a VIN (`vin LIKE '%RU340144'`) and of a phone number. SQLite scans,
which is fine at demo size."""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS customers_vehicle_vin_trgm ON customers_vehicle "
    "USING gin (dealership_id, vin gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customers_phone_number_trgm ON customers_customerphone "
    "USING gin (dealership_id, number gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS customers_vehicle_vin_trgm",
    "DROP INDEX IF EXISTS customers_phone_number_trgm",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_search_name_trigram")]
    operations = [migrations.RunPython(forwards, backwards)]
