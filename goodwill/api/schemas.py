"""Schemas every router shares, written once: errors, staff references and pages.

Each app's `api.py` imports these instead of declaring its own copy, so the OpenAPI document
has one `Error` and one way to page."""

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar
from uuid import UUID

from django.db import models
from ninja import Field, Query, Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from goodwill.core.text import FREE_TEXT, ONE_LINE, control_character_message

T = TypeVar("T")

# The largest offset a page may start at: deeper walks use a narrower filter (or, for
# integrations, the cursor the hardening issue adds), and huge numbers never reach the SQL.
MAX_OFFSET = 10_000_000


class Error(Schema):
    """A refusal: a sentence, or one entry per field (`loc`, `msg`, `type`) like a 422."""

    detail: str | list[dict]


class StaffRef(Schema):
    """A staff member as other resources name them."""

    id: UUID
    name: str


def staff_ref(user) -> dict | None:
    return {"id": user.public_id, "name": user.display_name} if user else None


class Page(Schema, Generic[T]):
    """One page of a list; `has_more` says whether the next offset returns anything."""

    items: list[T]
    limit: int
    offset: int
    has_more: bool


def page_of(rows, *, limit: int, offset: int, out) -> dict:
    """Slice one page (reading one row past it to learn `has_more`) and shape each row."""
    found = list(rows[offset : offset + limit + 1])
    return {
        "items": [out(row) for row in found[:limit]],
        "limit": limit,
        "offset": offset,
        "has_more": len(found) > limit,
    }


def narrowed(rows, **filters):
    """`rows` narrowed by each filter a list's query parameters gave: one that is None or
    empty (the parameter left out) narrows nothing. A `False` or `0` does narrow: map a
    flag such as `mine` to a value or None first."""
    return rows.filter(**{k: v for k, v in filters.items() if v is not None and v != ""})


# A `TextField` has no length of its own; the API still bounds what it accepts.
TEXT_MAX_LENGTH = 5000


def offset_param():
    """`offset` of a paged list: bounded, so a huge number is a 422 and never reaches SQL."""
    return Query(0, ge=0, le=MAX_OFFSET, description="Rows to skip (at most 10,000,000)")


def text_param(max_length: int, default: str = "", **kw):
    """A text query parameter (`q`, a filter): bounded and one line of plain text."""
    return Query(default, max_length=max_length, pattern=ONE_LINE, **kw)


def _document_text_rules(schema: dict, model=None) -> None:
    """Every string (in properties, lists, maps) without a pattern or choices of its own
    states the free-text rule `In` enforces, so the OpenAPI document says what is refused."""
    if schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema):
        schema["pattern"] = FREE_TEXT
    for prop in schema.get("properties", {}).values():
        _document_text_rules(prop)
    branches = schema.get("anyOf", [])
    number = any(b.get("type") == "number" for b in branches)
    for branch in branches:
        if not (number and branch.get("type") == "string"):  # a decimal as a string
            _document_text_rules(branch)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _document_text_rules(schema[key])


def line(max_length: int):
    """One line of plain text of at most `max_length` characters, for list items and map
    keys (a column's own field uses `column`)."""
    return Annotated[str, StringConstraints(max_length=max_length, pattern=ONE_LINE)]


def _refuse_controls(value: Any) -> None:
    if isinstance(value, str):
        if message := control_character_message(value, multiline=True):
            raise ValueError(message)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_controls(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_controls(key)
            _refuse_controls(item)


# The shapes of the formats the document uses; pydantic alone reads "12345" as a date-time
# (seconds since 1970), which the document does not allow.
FORMATS = {
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
}


def _has_format(value: str, format_name: str | None) -> bool:
    pattern = FORMATS.get(format_name or "")
    return pattern is None or bool(pattern.match(value))


def _moment_text(value):
    if isinstance(value, str) and not _has_format(value, "date-time"):
        raise ValueError("A date and time as ISO 8601, e.g. 2026-11-30T09:00:00-06:00.")
    return value


def _real_offset(value):
    """Offsets on Earth run from -12:00 to +14:00; PostgreSQL refuses beyond ±15:59 with an
    error (a 500), so anything past ±14:00 is a 422 here."""
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is not None and abs(offset) > timedelta(hours=14):
            raise ValueError("A time zone offset between -14:00 and +14:00.")
    return value


# A date-time query parameter: ISO 8601 only (not a number of seconds), a real offset.
Moment = Annotated[datetime, BeforeValidator(_moment_text), AfterValidator(_real_offset)]


def _day_text(value):
    if not isinstance(value, date) and not (isinstance(value, str) and _has_format(value, "date")):
        raise ValueError("A day as ISO 8601, e.g. 2026-11-30.")
    return value


# A date query parameter: YYYY-MM-DD only (pydantic alone reads 0 as 1970-01-01).
Day = Annotated[date, BeforeValidator(_day_text)]


# JSON's types as Python gives them after `json.loads`; a bool is no number here.
JSON_TYPES = {
    "string": str,
    "integer": int,
    "number": int | float,
    "boolean": bool,
    "array": list,
    "object": dict,
    "null": type(None),
}


def _json_type_errors(value, schema: dict, defs: dict, loc: tuple) -> list[str]:
    """Where `value` has another JSON type than the document states (types only: formats,
    lengths and choices are pydantic's). pydantic alone would take `0` for false, `"7"` or
    `7.0` for 7 and `0` for a date: input the document calls invalid."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        branches = [_json_type_errors(value, b, defs, loc) for b in schema["anyOf"]]
        return [] if any(not b for b in branches) else branches[0]
    kind = schema.get("type")
    if kind is None:
        return []
    expected = JSON_TYPES[kind]
    if not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean"):
        return [f"{'.'.join(map(str, loc)) or 'body'}: expected {kind}"]
    if kind == "string" and not _has_format(value, schema.get("format")):
        return [f"{'.'.join(map(str, loc))}: expected a {schema['format']} string"]
    errors = []
    if kind == "array" and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            errors += _json_type_errors(item, schema["items"], defs, (*loc, i))
    if kind == "object":
        for name, item in value.items():
            sub = schema.get("properties", {}).get(name)
            if sub is None and isinstance(schema.get("additionalProperties"), dict):
                sub = schema["additionalProperties"]
            if sub is not None:
                errors += _json_type_errors(item, sub, defs, (*loc, name))
    return errors


class In(Schema):
    """The base of every request body: unknown fields are a 422 (a typo never passes
    silently), every value has the JSON type the document states (`true`, never `1`), and
    no string holds a NUL or another control character (`core.text`: one-line fields refuse
    even line breaks, through the pattern `column` gives them)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_text_rules)

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler, info):
        """Once. ninja's `Schema` validates a model that forbids extra fields twice, the raw
        value then the same wrapped for attribute access (`DjangoGetter`, for resolvers and
        Django objects); at each level of nesting, so a customer with phones and emails was
        validated four times over. A request body is JSON (dicts, lists, strings, numbers)
        and no input schema has a resolver: the first pass is the answer. Measured: ninja's
        reading of a create's body 0.53 → 0.30 s of 300 requests' CPU (cProfile,
        `bench/profile_request.py --endpoint create --profile 300`)."""
        return handler(values)

    @model_validator(mode="before")
    @classmethod
    def _json_types(cls, data):
        if isinstance(data, DjangoGetter):
            return data  # a caller's own wrapped object: its body was checked before
        if not isinstance(data, dict):
            # Schema's `from_attributes` would read a list's (missing) attributes as
            # defaults: `[null, null]` passed as an empty body.
            raise ValueError("The body must be a JSON object.")
        schema = _validation_schema(cls)
        errors = _json_type_errors(data, schema, schema.get("$defs", {}), ())
        if errors:
            raise ValueError("Wrong JSON type: " + "; ".join(errors))
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _offsets(cls, value):
        return _real_offset(value)

    @field_validator("*", mode="after")
    @classmethod
    def _text_rules(cls, value, info: ValidationInfo):
        _refuse_controls(value)
        return value


_SCHEMAS: dict[type, dict] = {}


def _validation_schema(cls) -> dict:
    if cls not in _SCHEMAS:
        _SCHEMAS[cls] = cls.model_json_schema(mode="validation")
    return _SCHEMAS[cls]


def column(model: type[models.Model], name: str, default: Any = ..., **kw):
    """A schema field for the model column `name`: its `max_length` (so the API refuses what
    the column cannot hold, with a 422 instead of PostgreSQL's 500) and its text rule (a
    `TextField` is free text, a `CharField` one line). `default` as `Field`'s."""
    field = model._meta.get_field(name)
    if isinstance(field, models.CharField | models.TextField):
        kw.setdefault("max_length", field.max_length or TEXT_MAX_LENGTH)
        kw.setdefault("pattern", FREE_TEXT if isinstance(field, models.TextField) else ONE_LINE)
    return Field(default, **kw)


def choices(text_choices, *, exclude=(), blank: bool = False):
    """The values of a model's `TextChoices` as a schema type (`Literal[...]`), so the API
    accepts and documents exactly what the model does, written once in the model."""
    values = tuple(v for v in text_choices.values if v not in set(exclude))
    return Literal[("", *values) if blank else values]


# A time of day in the store's own zone: "09:00" or "09:00:00", never an offset (a
# `TimeField` cannot hold one: "09:00+05:00" was a 500). Documented as a pattern because
# JSON Schema's `time` format demands an offset, which the answers rightly never carry.
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _clock_text(value):
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if not isinstance(value, str) or not re.match(CLOCK_PATTERN, value):
        raise ValueError("A time of day as HH:MM or HH:MM:SS, in the store's time zone.")
    return value


ClockTime = Annotated[
    time,
    BeforeValidator(_clock_text),
    WithJsonSchema({"type": "string", "pattern": CLOCK_PATTERN, "examples": ["09:00"]}),
]
