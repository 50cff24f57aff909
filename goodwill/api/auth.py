from functools import cache

from django.db import connections
from ninja.security import HttpBearer

from goodwill.api.models import ApiToken, hash_token
from goodwill.dealerships.models import Dealership, User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gw_…`. The token's user becomes request.user, so the API uses
    the same scoped querysets (`visible_to(request.user)`) as the pages."""

    def authenticate(self, request, token):
        user = token_user(token)
        if user is None:
            return None
        request.user = user
        request.dealership = user.dealership
        return user


def token_user(token: str, using: str = "default") -> User | None:
    """The active user (with their store) holding this unrevoked token, or None.

    Every API call runs this, so the SQL is written once per process instead of being
    compiled by the ORM on each request (that compile was a third of a create's overhead);
    the rows still come back as model instances through `from_db`."""
    connection = connections[using]
    sql, user_columns, store_columns = _token_user_sql(using)
    with connection.cursor() as cursor:
        cursor.execute(sql, [hash_token(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(user_columns)
    user = _instance(User, user_columns, row[:split], connection)
    user.dealership = _instance(Dealership, store_columns, row[split:], connection)
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
def _token_user_sql(using: str) -> tuple[str, list, list]:
    connection = connections[using]
    quote = connection.ops.quote_name
    user_columns, store_columns = _columns(User, connection), _columns(Dealership, connection)
    token, user, store = (quote(m._meta.db_table) for m in (ApiToken, User, Dealership))
    columns = [f"u.{quote(f.column)}" for f in User._meta.concrete_fields] + [
        f"d.{quote(f.column)}" for f in Dealership._meta.concrete_fields
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM {token} t "
        f"JOIN {user} u ON u.{quote('id')} = t.{quote('user_id')} "
        f"JOIN {store} d ON d.{quote('id')} = u.{quote('dealership_id')} "
        f"WHERE t.{quote('token_hash')} = %s AND t.{quote('revoked_at')} IS NULL "
        f"AND u.{quote('is_active')}"
    )
    return sql, user_columns, store_columns
