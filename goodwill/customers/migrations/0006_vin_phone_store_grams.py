"""PostgreSQL only: the last digits of a VIN or of a phone number read one store's index
entries, as names do since 0005. The trigram GINs of 0004, `(dealership_id, vin
gin_trgm_ops)` and `(dealership_id, number gin_trgm_ops)`, keep separate entries per column,
so "RU340144" read every store's VINs holding its trigrams; these index the trigrams with
their store (`customers_store_grams`, defined in 0005). SQLite scans the store."""

from django.db import migrations

INDEXES = {
    "customers_vehicle_vin_grams": ("customers_vehicle", "vin"),
    "customers_phone_number_grams": ("customers_customerphone", "number"),
}
OLD = {
    "customers_vehicle_vin_trgm": ("customers_vehicle", "vin"),
    "customers_phone_number_trgm": ("customers_customerphone", "number"),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (customers_store_grams(dealership_id, {column}))"
        )
    for name in OLD:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in OLD.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (dealership_id, {column} gin_trgm_ops)"
        )
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_store_name_grams")]
    operations = [migrations.RunPython(forwards, backwards)]
