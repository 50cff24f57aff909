"""`customers_email_owners(store, address)`: the customers of a store who hold this exact
email address or, when none does, an address that starts so: the search box's email
branch (`customers.search`) on PostgreSQL, as one array the search reads by primary key.

Why a function: the same answer written as SQL in the search (`exact UNION ALL (prefix …
WHERE NOT EXISTS exact)`) was planned again on every request. The prefix half's cost
depends on the store's size, which a plan kept for any store cannot know, so PostgreSQL
judged the kept plan dearer than one made for the values and never kept it (0 generic, 35
custom plans of 40 searches; ~0.35 ms of planning a search, the backend's CPU for an email
search twice a phone search's). A function call costs the same to the planner whatever its
arguments, so the search's statement is planned once; inside, the exact lookup is the
(dealership, address_lower) index's, and the prefix scan runs only when it finds nobody,
as before. PL/pgSQL so that it is never inlined back into the caller. PostgreSQL only."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION customers_email_owners(for_store bigint, typed text)
RETURNS bigint[] LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE owners bigint[];
BEGIN
    SELECT array_agg(customer_id) INTO owners FROM customers_customeremail
    WHERE dealership_id = for_store AND address_lower = typed;
    IF owners IS NULL THEN
        SELECT array_agg(customer_id) INTO owners FROM customers_customeremail
        WHERE dealership_id = for_store AND starts_with(address_lower, typed);
    END IF;
    RETURN owners;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS customers_email_owners(bigint, text)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_drop_indexes_the_store_indexes_cover")]

    operations = [migrations.RunPython(create, drop)]
