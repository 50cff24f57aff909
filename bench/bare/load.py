"""Create and fill the bare table from Goodwill's customers in the same database:

    DATABASE_URL=… python -m bare.load [--reload]      (from bench/)

Each customer becomes one row with its first phone, email and VIN on it. Runs once per
database; `--reload` drops the table and copies again."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bare.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bare.models import BareCustomer  # noqa: E402

TABLE = BareCustomer._meta.db_table
# Goodwill's name-fragment index, the same definition (customers migration 0003).
TRIGRAM = (
    "CREATE INDEX IF NOT EXISTS bare_name_trgm ON bench_bare_customer "
    "USING gin (dealership_id, search_name gin_trgm_ops)"
)
COPY = """
INSERT INTO bench_bare_customer (
    dealership_id, public_id, kind, first_name, last_name, company_name, relationship,
    street, city, region, postal_code, notes, primary_phone, primary_email, vin,
    search_name, salesperson_id, service_advisor_id, created_at, updated_at)
SELECT c.dealership_id, c.public_id, c.kind, c.first_name, c.last_name, c.company_name,
    c.relationship, c.street, c.city, c.region, c.postal_code, c.notes, c.primary_phone,
    lower(c.primary_email),
    coalesce((SELECT v.vin FROM customers_vehicle v
              WHERE v.customer_id = c.id AND v.vin <> '' ORDER BY v.id LIMIT 1), ''),
    c.search_name, c.salesperson_id, c.service_advisor_id, c.created_at, c.updated_at
FROM customers_customer c
"""


def main(reload: bool) -> None:
    exists = TABLE in connection.introspection.table_names()
    if exists and not reload:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")
            print(f"bare: {cursor.fetchone()[0]:,} rows already in {TABLE}")
        return
    with connection.schema_editor() as editor:
        if exists:
            editor.delete_model(BareCustomer)
        editor.create_model(BareCustomer)
    with connection.cursor() as cursor:
        cursor.execute(COPY)
        copied = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute(TRIGRAM)
            cursor.execute(f"ANALYZE {TABLE}")
    print(f"bare: copied {copied:,} customers into {TABLE}")


if __name__ == "__main__":
    main(reload="--reload" in sys.argv[1:])
