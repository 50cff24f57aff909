"""`goodwill_token_user(hash, at)` in PL/pgSQL, same signature, same answer, same `SET`.

Why: a SQL function that cannot be inlined (its `SET` clause forbids it) parses and plans
its query again on every call: PostgreSQL keeps a SQL function's plan only for the
statement that called it, and every API request calls it once. PL/pgSQL keeps the plan of
its query for the connection's life. Measured with pgbench (`-M prepared`, one client, the
function alone): 41 µs a call → 20 µs (`SELECT 1`: 12 µs); the token statement of a
request, 64 µs → 41–56 µs. Issue 10's closing note, session of 2026-12-01."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION goodwill_token_user(hash text, at timestamptz) RETURNS bigint
LANGUAGE plpgsql STABLE SET goodwill.all_stores = 'on' AS $$
BEGIN
    RETURN (
        SELECT user_id FROM api_apitoken
        WHERE token_hash = hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > at)
    );
END
$$
"""
# What 0004 made, for the way back.
BEFORE = """
CREATE OR REPLACE FUNCTION goodwill_token_user(hash text, at timestamptz) RETURNS bigint
LANGUAGE sql STABLE SET goodwill.all_stores = 'on' AS $$
    SELECT user_id FROM api_apitoken
    WHERE token_hash = hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > at)
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BEFORE)


class Migration(migrations.Migration):
    dependencies = [("api", "0004_token_user_function")]

    operations = [migrations.RunPython(create, back)]
