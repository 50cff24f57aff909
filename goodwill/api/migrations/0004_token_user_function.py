"""`goodwill_token_user(hash, at)`: the API token lookup's one way through the second wall
(core/storewall.py), so that a request does not open the wall around its lookup and close it
again (two round trips). The function's own `SET goodwill.all_stores = 'on'` holds only while
it runs: it reads the token table across stores and returns the token's user id, nothing
else. PostgreSQL only (SQLite has no row-level security)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION goodwill_token_user(hash text, at timestamptz) RETURNS bigint
LANGUAGE sql STABLE SET goodwill.all_stores = 'on' AS $$
    SELECT user_id FROM api_apitoken
    WHERE token_hash = hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > at)
$$
"""
DROP = "DROP FUNCTION IF EXISTS goodwill_token_user(text, timestamptz)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("api", "0003_token_expiry_and_revoker")]

    operations = [migrations.RunPython(create, drop)]
