"""`customers_store_grams(store, name)` in PL/pgSQL: the same answer, kept plan.

Why: the SQL function of 0005 cannot be inlined (a SELECT with FROM), so PostgreSQL runs
it through its SQL-function executor, which parses and plans its body again for every
statement that calls it. The GIN indexes over it (customers' names, phone numbers, VINs)
call it for each row written: an API create, one row a statement, paid the planning twice
(the customer's name, its phone). PL/pgSQL keeps the plan for the connection. Measured with
pgbench (`-M prepared`, one client): a one-row INSERT into a table with the index, 303 µs
→ 200–240 µs (no index: 171–231); a bulk INSERT of 50,000 rows is unchanged (~14 µs a row:
the plan already lived for the whole statement). The results are the same text arrays, so
the indexes stay valid. `CREATE OR REPLACE` drops the LEAKPROOF mark; `core.storewall`'s
post-migrate install puts it back (as a superuser; README, "Deploying", otherwise).
PostgreSQL only. Issue 10's closing note, session of 2026-12-01."""

from django.db import migrations

FUNCTION = "customers_store_grams"


def body(trgm_schema: str, language: str) -> str:
    select = (
        "SELECT coalesce(array_agg(store::text || ':' || g), '{}') "  # nosec B608 # constants and the schema pg_trgm lives in
        f"FROM unnest(\"{trgm_schema}\".show_trgm(name)) AS g WHERE strpos(g, ' ') = 0"
    )
    code = f"BEGIN RETURN ({select}); END" if language == "plpgsql" else select
    return (
        f"CREATE OR REPLACE FUNCTION {FUNCTION}(store bigint, name text) RETURNS text[] "
        f"LANGUAGE {language} IMMUTABLE STRICT PARALLEL SAFE AS $$ {code} $$"
    )


def _run(schema_editor, language: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:  # where 0005 found pg_trgm
        cursor.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
        )
        schema = cursor.fetchone()[0].strip('"')
    schema_editor.execute(body(schema, language))


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_email_owners_function")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: _run(editor, "plpgsql"), lambda apps, editor: _run(editor, "sql")
        )
    ]
