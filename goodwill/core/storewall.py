"""The second wall between stores: row-level security on PostgreSQL (issue 11, point 7).

The first wall is the querysets (`TenantQuerySet.for_dealership`, `visible_to`). This one is
PostgreSQL's: every table of a model with a `dealership` key to the store has row-level
security ENABLEd and FORCEd, with one policy,

    goodwill_all_stores() OR dealership_id = goodwill_store()

in USING and WITH CHECK, where the two functions read the connection's settings
`goodwill.store` and `goodwill.all_stores`. So a connection acting for store A reads and
writes store A's rows and nothing else, even through a deliberately unscoped
`Customer.objects.all()`; a connection acting for no store sees nothing (the wall fails
closed). The application connects as a role that does not own the tables and is neither
superuser nor BYPASSRLS (README, "Deploying"); migrations run as the owner.

Widenings, read from the models (so a new app needs no list here):
- `ROW_WALL_STORES = ("to_dealership",)`: more store columns that admit the row (a referral
  is the sender's and the receiver's; a partnership both stores').
- `ROW_WALL_THROUGH = "referral"`: also the rows of a parent the connection can see (a
  referral's events, thank-yous and rewards: `EXISTS` on the parent, filtered by its policy).
- `ROW_WALL_READ = "listed"`: a column that makes the row readable (not writable) by every
  store: the published directory of pros.
- `ROW_WALL_EXEMPT = True`: no wall (staff logins: sign-in reads the user before any store
  is known; the store itself has no `dealership` key).

Which store a connection acts for is set per connection (`set_config(…, false)`), not with
`SET LOCAL`: Django autocommits, and `ATOMIC_REQUESTS` would change every view's transaction
shape (and make SQLite's IMMEDIATE transactions lock whole requests). Scopes stack: each puts
back what was there before in a `finally` (the outermost with `RESET`, back to the
connection's start-up value), one round trip in and one out, sent over the driver's
connection so no pinned query count moves; a connection Django opens (or reopens) inside a
scope gets the scope at once (`connection_created`). Set by `DealershipMiddleware` (every
page request; none for anonymous ones), `TokenAuth` (after the token lookup), sign-in, each
job, the public links once their token names the store, and streamed answers.

`across_stores(why)` is the one way through, for paths that cross stores by design (the
worker's claim, the periodic scans, a link's token lookup …); every file that uses it is
listed in docs/ARCHITECTURE.md ("The second wall") and a test fails on one that is not.

SQLite has no row-level security: there the queryset wall is the only one, and every
function here is a no-op."""

from __future__ import annotations

import contextlib
import logging

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

log = logging.getLogger(__name__)

try:  # PostgreSQL's driver; absent from a SQLite-only installation
    from psycopg.pq import TransactionStatus

    _IN_ERROR = TransactionStatus.INERROR
except ImportError:  # pragma: no cover
    _IN_ERROR = None

STORE, ALL_STORES = "goodwill.store", "goodwill.all_stores"
POLICY, DIRECTORY = "goodwill_store_wall", "goodwill_directory"

FUNCTIONS = [
    # STABLE and PARALLEL SAFE: evaluated once per scan (an index condition), and no query
    # loses its parallel plan to the wall. A custom setting nobody set reads as NULL/empty.
    "CREATE OR REPLACE FUNCTION goodwill_store() RETURNS bigint LANGUAGE sql STABLE "
    "PARALLEL SAFE AS $$ SELECT nullif(current_setting('goodwill.store', true), '')::bigint $$",
    "CREATE OR REPLACE FUNCTION goodwill_all_stores() RETURNS boolean LANGUAGE sql STABLE "
    "PARALLEL SAFE AS $$ "
    "SELECT coalesce(current_setting('goodwill.all_stores', true), '') = 'on' $$",
]

# Under row-level security PostgreSQL lets a query's own condition use an index before the
# policy's only when every function in it is LEAKPROOF (it cannot leak a hidden row's values
# through an error). The name lookups' functions are not marked so, and without this the
# duplicate check's Soundex lookup and the name search read the whole store row by row.
# Only a superuser may mark them: the installer does when it runs as one; README
# ("Deploying") gives the lines for an owner that is not one. Each is a pure function of
# its arguments that raises on nothing a row holds.
LEAKPROOF = [
    "soundex(text)",  # fuzzystrmatch: dedupe_cust_name_sound, the entry-time check
    "upper(text)",  # dedupe_cust_company
    "customers_store_grams(bigint, text)",  # the name/phone/VIN fragment search
    "arraycontains(anyarray, anyarray)",  # its `@>`
]


# --- which tables, which policies ------------------------------------------------------------


def walled_models() -> list:
    """Every concrete model with a `dealership` key to the store, less the exempt ones."""
    Dealership = apps.get_model("dealerships", "Dealership")
    found = []
    for model in apps.get_models():
        opts = model._meta
        if not opts.managed or opts.proxy or getattr(model, "ROW_WALL_EXEMPT", False):
            continue
        field = next((f for f in opts.concrete_fields if f.name == "dealership"), None)
        if field is not None and field.is_relation and field.related_model is Dealership:
            found.append(model)
    return found


def condition(model) -> str:
    """The policy's condition for one model's rows (USING and WITH CHECK)."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    opts = model._meta
    columns = ["dealership"] + list(getattr(model, "ROW_WALL_STORES", ()))
    parts = ["goodwill_all_stores()"] + [
        f"{quote(opts.get_field(name).column)} = goodwill_store()" for name in columns
    ]
    through = getattr(model, "ROW_WALL_THROUGH", None)
    if through:
        field = opts.get_field(through)
        parent = field.related_model._meta
        parts.append(
            f"EXISTS (SELECT 1 FROM {quote(parent.db_table)} p "  # nosec B608 # names from the models, quoted; no values
            f"WHERE p.{quote(parent.pk.column)} = {quote(field.column)})"
        )
    return " OR ".join(parts)


def install_sql(model) -> list[str]:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    table = quote(model._meta.db_table)
    cond = condition(model)
    sql = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {table}",
        f"CREATE POLICY {POLICY} ON {table} USING ({cond}) WITH CHECK ({cond})",
        f"DROP POLICY IF EXISTS {DIRECTORY} ON {table}",
    ]
    readable = getattr(model, "ROW_WALL_READ", None)
    if readable:
        column = quote(model._meta.get_field(readable).column)
        sql.append(f"CREATE POLICY {DIRECTORY} ON {table} FOR SELECT USING ({column})")
    return sql


def install(using: str = DEFAULT_DB_ALIAS) -> int:
    """Create or refresh every policy (idempotent). Returns the number of walled tables."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    models = walled_models()
    with connection.cursor() as cursor:
        for statement in FUNCTIONS:
            cursor.execute(statement)
        for model in models:
            for statement in install_sql(model):
                cursor.execute(statement)
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            for function in LEAKPROOF:
                cursor.execute(
                    "SELECT to_regprocedure(%s) IS NOT NULL", [function]
                )  # an extension may be missing (a database made before it)
                if cursor.fetchone()[0]:
                    cursor.execute(f"ALTER FUNCTION {function} LEAKPROOF")
    return len(models)


def install_after_migrate(sender, using=DEFAULT_DB_ALIAS, plan=None, **kwargs):
    """`post_migrate` receiver: after a `migrate` that applied something (a new app's tables
    get their policy with no list to update). Not after `flush`, which sends the signal
    without a plan, and may run as the application's role, which cannot ALTER a table."""
    if plan:
        install(using)


# --- which store a connection acts for --------------------------------------------------------


def _stack(connection) -> list:
    stack = getattr(connection, "_storewall_scopes", None)
    if stack is None:
        stack = connection._storewall_scopes = []
    return stack


def _send(connection, scope) -> None:
    """Put `scope` ((store id or None, across all stores) or None for the connection's
    start-up values) on the open connection, over the driver (no Django query).

    A scope already on the connection is not sent again when that is certain: the last send
    happened outside any transaction (autocommit: it is committed, no rollback can take it
    back) on this very driver connection, and nothing was sent inside a transaction since
    (such a send forgets what is known). An API request sent five round trips for the wall
    (the middleware's empty scope, the token lookup's way in and out, the token's store,
    RESET at the end); the empty scope after the previous request's RESET is one of the
    ones skipped (`api.auth` no longer crosses the wall for its lookup: two more). What RESET
    leaves is the connection's start-up values, read once when it opens (`_on_connect`):
    none in production, every store in the test suite (conftest)."""
    raw = connection.connection
    if connection.vendor != "postgresql" or raw is None or raw.closed:
        return
    if raw.info.transaction_status == _IN_ERROR:
        connection._storewall_on = None
        return  # the rollback that follows puts the setting back with the rest
    startup = getattr(connection, "_storewall_startup", None)
    state = scope or (startup[1] if startup and startup[0] is raw else None)  # None: unknown
    known = getattr(connection, "_storewall_on", None)
    if raw.autocommit and known is not None and known[0] is raw and known[1] == state:
        return
    if scope is None:
        raw.execute(f"RESET {STORE}; RESET {ALL_STORES}")
    else:
        store, everywhere = scope
        raw.execute(
            "SELECT set_config(%s, %s, false), set_config(%s, %s, false)",
            [STORE, "" if store is None else str(store), ALL_STORES, "on" if everywhere else "off"],
        )
    connection._storewall_on = (raw, state) if raw.autocommit and state is not None else None


def _startup_scope(connection) -> None:
    """Remember what RESET puts back on this driver connection (see `_send`)."""
    raw = connection.connection
    row = raw.execute(
        "SELECT current_setting(%s, true), current_setting(%s, true)", [STORE, ALL_STORES]
    ).fetchone()
    state = (int(row[0]) if row[0] else None, row[1] == "on")
    connection._storewall_startup = (raw, state)
    connection._storewall_on = (raw, state) if raw.autocommit else None


def _on_connect(sender, connection, **kwargs):
    if connection.vendor != "postgresql":
        return
    if _owner_depth:
        connection.connection.execute("SET ROLE NONE")  # see as_owner
    _startup_scope(connection)
    stack = getattr(connection, "_storewall_scopes", None)
    if stack:
        _send(connection, stack[-1])


connection_created.connect(_on_connect, dispatch_uid="goodwill.storewall")


@contextlib.contextmanager
def _scope(store_id, everywhere: bool, using: str = DEFAULT_DB_ALIAS):
    connection = connections[using]
    stack = _stack(connection)
    scope = (store_id, everywhere)
    stack.append(scope)
    depth = len(stack)
    try:
        _send(connection, scope)
        yield
    finally:
        del stack[depth - 1 :]
        _send(connection, stack[-1] if stack else None)


def narrowing(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Would `switch_to` narrow the connection now: PostgreSQL, inside a scope that does not
    cross stores (a request's)?"""
    connection = connections[using]
    stack = _stack(connection)
    return connection.vendor == "postgresql" and bool(stack) and not stack[-1][1]


# Select-list items that act for the store of the row's `{column}`, as `switch_to` sends them.
SWITCH_ITEMS = (
    f"set_config('{STORE}', {{column}}::text, false), set_config('{ALL_STORES}', 'off', false)"
)


def set_by_statement(store, using: str = DEFAULT_DB_ALIAS) -> None:
    """The caller's own statement just acted for `store` (its select list held
    `SWITCH_ITEMS`): the `switch_to(store)` that follows has nothing left to send. Saves a
    round trip on every API request (`api.auth`: the token lookup does it)."""
    connection = connections[using]
    raw = connection.connection
    known = (_store_id(store), False)
    connection._storewall_on = (raw, known) if raw is not None and raw.autocommit else None


def _store_id(store) -> int | None:
    if store is None or isinstance(store, int):
        return store
    return store.pk


def acting_for(store, using: str = DEFAULT_DB_ALIAS):
    """The connection reads and writes `store`'s rows only (None: no store's) inside the
    block; what was set before comes back after it."""
    return _scope(_store_id(store), False, using)


def across_stores(why: str, using: str = DEFAULT_DB_ALIAS):
    """Every store's rows inside the block. `why` says which path crosses stores by design;
    each file that calls this is listed in docs/ARCHITECTURE.md ("The second wall")."""
    if not why:
        raise ValueError("across_stores needs a reason")
    return _scope(None, True, using)


def switch_to(store, using: str = DEFAULT_DB_ALIAS) -> None:
    """Inside a scope (a request's), act for `store` from now until the scope ends: the
    API once the token is known, sign-in, a public link once its token names the store.
    Outside any scope it does nothing (a test's or a command's direct call must not narrow
    its connection for good), and inside an `across_stores` block too (a link looked up
    again by an action that writes both stores' rows, e.g. a pro's invitation accepted)."""
    connection = connections[using]
    stack = _stack(connection)
    if not stack or stack[-1][1]:
        return
    stack[-1] = (_store_id(store), False)
    _send(connection, stack[-1])


def opened_by_token(lookup, why: str):
    """A public link (survey, promoter link, invitation …): `lookup()` finds its row by the
    token's hash across stores (nobody is signed in, so no store is known yet), then the rest
    of the request acts for the row's store. None when the token names nothing."""
    with across_stores(why):
        row = lookup()
    if row is not None:
        switch_to(row.dealership_id)
    return row


def signed_in(sender, request=None, user=None, **kwargs):
    """`user_logged_in`: the sign-in request acts for the user's store from here on."""
    if request is not None and user is not None:
        switch_to(user.dealership_id)


def acting_store(using: str = DEFAULT_DB_ALIAS):
    """(store id, across all stores) of the innermost scope, or None outside any."""
    stack = _stack(connections[using])
    return stack[-1] if stack else None


def in_same_scope(iterable, using: str = DEFAULT_DB_ALIAS):
    """A streamed answer's rows are read after the request's scope has ended: read them
    under the scope the view had when it built the answer (taken now, not at the first
    row)."""
    scope = acting_store(using)
    if scope is None:
        return iterable
    return _rows_in(scope, iterable, using)


def _rows_in(scope, iterable, using):
    with _scope(*scope, using=using):
        yield from iterable


def row_security_active(table: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether row-level security applies to this connection for `table` (False for the
    owner with BYPASSRLS, a superuser, and SQLite). PostgreSQL refuses `COPY … FROM` into a
    table where it does, so the bulk paths stage such rows first (`core/bulk.py`)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_security_active(%s::regclass)", [table])
        return bool(cursor.fetchone()[0])


_owner_depth = 0  # as_owner blocks open in this process (inherited by forked workers)


@contextlib.contextmanager
def as_owner(using: str = DEFAULT_DB_ALIAS):
    """The owner's work in this process (`simulate`'s COPY and trigger switch) where the
    connection logged in as the owner but runs as the application's role through the
    start-up option `role` (the test suite): `SET ROLE NONE` goes back to the login, on this
    connection and on every one opened meanwhile (`simulate`'s forked workers). Where the
    login is the application's role itself this changes nothing: such commands connect with
    DATABASE_OWNER_URL instead (goodwill/cli.py)."""
    global _owner_depth
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    _owner_depth += 1
    try:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SET ROLE NONE")
        yield
    finally:
        _owner_depth -= 1
        # The outermost block puts the start-up role back (an inner one, a batch inside
        # `simulate`, leaves the owner's work around it as the owner).
        if not _owner_depth and connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")
