from functools import cache

from django.db import connections
from django.utils import timezone
from ninja.security import HttpBearer

from goodwill.api.models import ApiToken, hash_token
from goodwill.core import storewall
from goodwill.dealerships.models import Dealership, User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gw_…`. The token's user becomes request.user, so the API uses
    the same scoped querysets (`visible_to(request.user)`) as the pages."""

    def authenticate(self, request, token):
        user = token_user(token, act_for_store=True)
        if user is None:
            return None
        request.user = user
        request.dealership = user.dealership
        # The rest of the request acts for its store (nothing to send: the lookup did it).
        storewall.switch_to(user.dealership)
        # Times in answers in the store's zone (the middleware switches it off afterwards).
        timezone.activate(user.dealership.zone)
        return user


def token_user(token: str, using: str = "default", act_for_store: bool = False) -> User | None:
    """The active user (with their store) holding this unrevoked, unexpired token, or None:
    one query, asked on every request and never cached, so a revocation, an expiry or a
    deactivation stops the very next request on every server.

    The SQL is written once per process from the models' columns instead of being compiled
    by the ORM on each request; the row still comes back as model instances (`from_db`,
    each value through its field's converters, as the ORM's compiler does). The ORM form
    (`User.objects.select_related("dealership").filter(api_tokens__…)[:1]`) was 31 % of the
    CPU of a GET of one customer; this one is 6 %, the query's execution included (cProfile
    with a CPU clock, 200 GETs: 2.07 s → 0.29 s, `bench/profile_request.py --endpoint get
    --profile 200`, 1 M customers). Issue 10's closing note, "http" section.

    On PostgreSQL the token row is read by `goodwill_token_user` (migration `api.0004`), the
    one place the lookup crosses the second wall: the request no longer opens the wall
    around the lookup and closes it again, two round trips of every API request.
    `act_for_store`: inside a request's scope, the same statement acts for the token's
    store (`storewall.SWITCH_ITEMS`, only when a row is found): one round trip more saved."""
    connection = connections[using]
    switch = act_for_store and storewall.narrowing(using)
    sql, user_columns, store_columns = _token_user_sql(using, switch)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [hash_token(token), now])
        row = cursor.fetchone()
    if row is None:
        return None
    if switch:
        row = row[2:]
    split = len(user_columns)
    user = _instance(User, user_columns, row[:split], connection)
    store = _instance(Dealership, store_columns, row[split:], connection)
    User._meta.get_field("dealership").set_cached_value(user, store)  # as select_related
    if switch:
        storewall.set_by_statement(store, using)
    return user


def _instance(model, columns, values, connection):
    """What the ORM's compiler does with a row: each value through its field's converters
    (SQLite's text datetimes and UUIDs, say), then `from_db`."""
    converted = []
    for value, (col, converters) in zip(values, columns, strict=True):
        for convert in converters:
            value = convert(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [col.target.attname for col, _ in columns], converted)


def _columns(model, connection):
    out = []
    for field in model._meta.concrete_fields:
        col = field.get_col(model._meta.db_table)
        out.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return out


@cache
def _token_user_sql(using: str, switch: bool = False) -> tuple[str, list, list]:
    """The lookup's SQL for one database alias: every column of the user and of their
    store, the token's three conditions on the same token row (its hash, not revoked, not
    expired) and the user's own (active). A token always has a store (`ApiToken.dealership`
    is required and `issue` copies the user's), hence the inner joins."""
    connection = connections[using]
    quote = connection.ops.quote_name
    user_columns, store_columns = _columns(User, connection), _columns(Dealership, connection)
    token, user, store = (quote(m._meta.db_table) for m in (ApiToken, User, Dealership))
    columns = [f"u.{quote(f.column)}" for f in User._meta.concrete_fields] + [
        f"d.{quote(f.column)}" for f in Dealership._meta.concrete_fields
    ]
    if connection.vendor == "postgresql":
        # Before the token is known no store is: the token table is read by the one function
        # that crosses the second wall for it (core/storewall.py); the user and the store
        # are not walled (sign-in reads them too).
        if switch:
            store_id = f"u.{quote('dealership_id')}"
            columns = [storewall.SWITCH_ITEMS.format(column=store_id), *columns]
        sql = (
            f"SELECT {', '.join(columns)} FROM {user} u "  # nosec B608 # names from the models, quoted; the token is a parameter
            f"JOIN {store} d ON d.{quote('id')} = u.{quote('dealership_id')} "
            f"WHERE u.{quote('id')} = goodwill_token_user(%s, %s) AND u.{quote('is_active')}"
        )
        return sql, user_columns, store_columns
    sql = (
        f"SELECT {', '.join(columns)} FROM {token} t "  # nosec B608 # names from the models, quoted; the token is a parameter
        f"JOIN {user} u ON u.{quote('id')} = t.{quote('user_id')} "
        f"JOIN {store} d ON d.{quote('id')} = u.{quote('dealership_id')} "
        f"WHERE t.{quote('token_hash')} = %s AND t.{quote('revoked_at')} IS NULL "
        f"AND (t.{quote('expires_at')} IS NULL OR t.{quote('expires_at')} > %s) "
        f"AND u.{quote('is_active')} "
        "LIMIT 1"
    )
    return sql, user_columns, store_columns
