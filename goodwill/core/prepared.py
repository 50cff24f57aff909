"""A `.values()` queryset compiled once per process and shape, then run with new values.

Why: on the API's hot reads (a GET of one customer, a page of 50, each kind of search) the
ORM spent more CPU *building and compiling* the same SQL on every request than everything
else the request did: 48 % of a GET's CPU was `QuerySet.get` compiling a customer query
with its staff joins and the two JSON subqueries of its phones and emails, 13 % more
`annotate` cloning those subqueries (CPU-clock profile, `bench/profile_request.py --endpoint
get --profile 200`; issue 10's closing note, "http" sections). The SQL of such a query
depends only on its *shape* (which filters, which branch of the search), never on the
values: so the queryset is still written with the ORM — the same `visible_to` scoping and
search filters as everywhere else — but built and compiled once, with placeholder values,
and each request runs that SQL with its own values.

How the values find their places: the builder is called twice with two different sets of
stand-in values (improbable ints, UUIDs and lowercase words); the SQL text must come out
the same both times and no stand-in may appear in it (a value that changes the SQL is a
shape, and belongs in the key). Each parameter position that differs between the two
compiles must hold one stand-in, either as it is (an `=` or a function argument), as the
hex of a UUID (SQLite stores UUIDs as text), as an int of the backend's own type
(psycopg's `Int4` for a function's argument), or inside a LIKE pattern (`contains`,
`startswith`, `endswith`: the new value is escaped with the backend's own
`prep_for_like_query`, exactly as Django's pattern lookups do). Anything else refuses to
prepare (`NotPreparable`, remembered for the shape) and the queryset runs through the ORM
as any other. Rows come back as dicts,
each column through the converters the ORM's compiler would apply (`get_converters`), so
they equal `.values()` of the same queryset; `goodwill/core/tests/test_prepared.py` and the
API tests compare the two."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections

# Compiled shapes kept per process; a shape keyed by a page's offset, say, cannot grow it
# without bound (the oldest is dropped).
MAX_SHAPES = 256


class NotPreparable(Exception):
    """The builder's SQL depends on a value, or a value is transformed in a way the
    substitution does not know: use the ORM for this shape."""


def _stand_ins(values: dict[str, Any], round_: int) -> dict[str, Any]:
    out = {}
    for i, (name, value) in enumerate(sorted(values.items())):
        n = 7_919 * (i + 1) + 104_729 * round_
        # Ints inside int4's range: Django answers an out-of-range `=` without SQL.
        if isinstance(value, bool) or value is None:
            raise NotPreparable(f"{name}: only ints, UUIDs and strings are parameters")
        if isinstance(value, int):
            out[name] = -2_000_000_000 + n
        elif isinstance(value, uuid.UUID):
            out[name] = uuid.UUID(int=(0x5E9A_C0DE << 96) + n)
        elif isinstance(value, str):
            letters = "".join(chr(ord("a") + int(d)) for d in str(n))
            out[name] = f"qzprep{letters}zq"
        else:
            raise NotPreparable(f"{name}: {type(value).__name__} is not a parameter type")
    return out


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str, str, Any], ...]  # (position, name, mode, pattern or type)
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple, Any], ...]  # (column, converters, expression)


def _compile(queryset, using: str):
    compiler = queryset.query.get_compiler(using)
    sql, params = compiler.as_sql()
    query = queryset.query
    if query.selected:
        names = tuple(query.selected)
    else:
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
    select = [s[0] for s in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(select)
    return sql, tuple(params), names, converters


def _slot(param, stand_ins: dict[str, Any]) -> tuple[str, str, Any]:
    """(name, mode, pattern or type) of the stand-in this parameter holds."""
    for name, stand_in in stand_ins.items():
        if param == stand_in and type(param) is type(stand_in):
            return name, "raw", ""
        if isinstance(stand_in, int) and isinstance(param, int) and param == stand_in:
            # An int the backend typed for a function's argument (psycopg's `Int4`, say):
            # the new value gets the same type.
            return name, "typed", type(param)
        if isinstance(stand_in, uuid.UUID) and param == stand_in.hex:
            return name, "hex", ""
        if isinstance(stand_in, str) and isinstance(param, str) and stand_in in param:
            if param.count(stand_in) != 1 or param.replace(stand_in, "").strip("%"):
                break
            return name, "like", param
    raise NotPreparable(f"a parameter holds no stand-in as it is: {param!r}")


def _prepare(build: Callable[..., Any], values: dict[str, Any], using: str) -> _Compiled:
    first, second = _stand_ins(values, 1), _stand_ins(values, 2)
    try:
        sql, params, names, converters = _compile(build(**first), using)
        sql2, params2, _, _ = _compile(build(**second), using)
    except Exception as exc:  # a stand-in the builder or the ORM refuses (EmptyResultSet …)
        raise NotPreparable(f"the builder refused the stand-ins: {exc!r}") from exc
    if sql != sql2 or len(params) != len(params2):
        raise NotPreparable("the SQL depends on the values")
    for stand_in in (*first.values(), *second.values()):
        text = str(stand_in)
        if text in sql or (isinstance(stand_in, uuid.UUID) and stand_in.hex in sql):
            raise NotPreparable("a value is written into the SQL itself")
    slots = []
    for position, (one, two) in enumerate(zip(params, params2, strict=True)):
        if one == two:
            continue
        name, mode, pattern = _slot(one, first)
        if _slot(two, second)[:2] != (name, mode):
            raise NotPreparable("the two compiles disagree on a parameter")
        if mode == "like":
            pattern = pattern.replace(first[name], "{}")
        slots.append((position, name, mode, pattern))
    return _Compiled(
        sql=sql,
        params=params,
        slots=tuple(slots),
        names=names,
        converters=tuple((i, tuple(c), e) for i, (c, e) in converters.items()),
    )


class Prepared:
    """`Prepared(build)`, then `prepared.rows(key, values, using=…)`: `build(key, **values)`
    returns a `.values()` queryset whose shape depends on `key` alone (a bool for a role's
    scoping, a search's branch, a page size …), never on `values` (ints, UUIDs, strings).
    The builder must not branch on a value (its length, its characters): the two stand-ins
    may agree where real values differ, and that is not detected. Decide such things first
    and put them in the key, as `customers.search.plan_search` does."""

    def __init__(self, build: Callable[..., Any]):
        self.build = build
        self._shapes: OrderedDict[tuple, _Compiled | None] = OrderedDict()
        self._lock = threading.Lock()

    def compiled(self, key: tuple, values: dict[str, Any], using: str) -> _Compiled | None:
        """The shape's compiled SQL, or None when it cannot be prepared (remembered too)."""
        full_key = (using, key, tuple(sorted((k, type(v).__name__) for k, v in values.items())))
        with self._lock:
            if full_key in self._shapes:
                self._shapes.move_to_end(full_key)
                return self._shapes[full_key]
        try:
            compiled = _prepare(lambda **v: self.build(key, **v), values, using)
        except NotPreparable:
            compiled = None
        with self._lock:
            self._shapes[full_key] = compiled
            while len(self._shapes) > MAX_SHAPES:
                self._shapes.popitem(last=False)
        return compiled

    def sql(self, key: tuple, values: dict[str, Any], *, using: str = "default"):
        """(SQL, params) of the shape with these values, to run inside a larger statement
        (`customers.writes`: the duplicate rule's lookup guards a create), or None when
        the shape cannot be prepared."""
        compiled = self.compiled(key, values, using)
        if compiled is None:
            return None
        return compiled.sql, self._params(compiled, values, connections[using])

    @staticmethod
    def _params(compiled: _Compiled, values: dict[str, Any], connection) -> list:
        params = list(compiled.params)
        for position, name, mode, pattern in compiled.slots:
            value = values[name]
            if mode == "hex":
                value = value.hex
            elif mode == "typed":
                value = pattern(value)
            elif mode == "like":
                value = pattern.format(connection.ops.prep_for_like_query(value))
            params[position] = value
        return params

    def rows(self, key: tuple, values: dict[str, Any], *, using: str = "default") -> list[dict]:
        compiled = self.compiled(key, values, using)
        if compiled is None:  # the ORM, as any queryset
            return list(self.build(key, **values).using(using))
        connection = connections[using]
        params = self._params(compiled, values, connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchall()
        names = compiled.names
        if not compiled.converters:
            return [dict(zip(names, row, strict=True)) for row in found]
        out = []
        for row in found:
            row = list(row)
            for i, converters, expression in compiled.converters:
                value = row[i]
                for convert in converters:
                    value = convert(value, expression, connection)
                row[i] = value
            out.append(dict(zip(names, row, strict=True)))
        return out


def loaded_as_prefetched(instance, name: str, rows: list) -> None:
    """`instance.<name>.all()` answers `rows` (just written, in the order written) without
    reading them back: what `prefetch_related` leaves on an instance (Django's own
    `prefetch_related_objects` sets these two attributes the same way)."""
    # The related manager's own queryset, with its filter on this instance: a later
    # `instance.<name>.filter(…)` or `.update(…)` starts from it. (A plain queryset of the
    # related model, tried for 4 % of a create's CPU, lost that filter: the merge tests
    # caught it.)
    qs = getattr(instance, name).all()
    qs._result_cache, qs._prefetch_done = rows, True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = qs
