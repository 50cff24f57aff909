"""Schemas every router shares, written once: errors, staff references and pages.

Each app's `api.py` imports these instead of declaring its own copy, so the OpenAPI document
has one `Error` and one way to page."""

from typing import Generic, Literal, TypeVar
from uuid import UUID

from ninja import Field, Schema

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


PAGE_OFFSET = Field(0, ge=0, le=MAX_OFFSET)


def choices(text_choices, *, exclude=(), blank: bool = False):
    """The values of a model's `TextChoices` as a schema type (`Literal[...]`), so the API
    accepts and documents exactly what the model does, written once in the model."""
    values = tuple(v for v in text_choices.values if v not in set(exclude))
    return Literal[("", *values) if blank else values]
