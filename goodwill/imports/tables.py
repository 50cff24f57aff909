"""Every table a store owns or shares, found from the models: any model with a `dealership`
foreign key is the store's, so a new app's tables join the export without a list to edit.

A model says more with two optional class attributes:
- `EXPORT_EXCLUDE = ("field", …)`: columns that never leave (secrets; `password` always).
- `EXPORT_SKIP = "why"`: the whole table stays out (caches that are not the store's data).
- `export_shared_with(dealership)`: a classmethod answering `.values(...)` rows of this table
  that belong to another store but were shared with this one — the receiver's copy holds only
  what it was shown (a referral's snapshot, a partnership's terms).
`imports/tests/test_export_everything.py` fails when a model with a second foreign key to a
store says neither how that store's export treats it (`export_shared_with`) nor why not
(`EXPORT_NOT_SHARED = "why"`)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from goodwill.core.contact import format_phone
from goodwill.core.spreadsheet import safe_cell
from goodwill.dealerships.models import Dealership

NEVER_EXPORTED = {"password"}
E164 = re.compile(r"^\+\d{8,15}$")
PHONE_COLUMN = re.compile(r"phone|number")
CHUNK = 2000


def plain(column: str, value):
    """A value as it reads in a file: phone numbers as staff write them, ((512) 555-0131),
    JSON as JSON, the rest as is."""
    if isinstance(value, str) and E164.match(value) and PHONE_COLUMN.search(column):
        return format_phone(value)
    return value


@dataclass
class Table:
    name: str  # the file name, e.g. "referrals.referral" or "referrals.referral.received"
    model: type[models.Model]
    columns: list[str]
    shared: bool = False

    @property
    def description(self) -> str:
        doc = (self.model.__doc__ or "").strip().splitlines()
        first = doc[0] if doc and not doc[0].startswith(self.model.__name__ + "(") else ""
        if self.shared:
            return f"Shared with your store by another store (what you were shown). {first}"
        return first or self.model._meta.verbose_name.capitalize()

    def rows_query(self, dealership):
        if self.model is Dealership:
            return Dealership.objects.filter(pk=dealership.pk).values(*self.columns)
        if self.shared:
            return self.model.export_shared_with(dealership)
        return self.model._default_manager.filter(dealership=dealership).values(*self.columns)

    def rows(self, dealership) -> Iterator[dict]:
        yield from self.rows_query(dealership).order_by("pk").iterator(chunk_size=CHUNK)


def _columns(model) -> list[str]:
    excluded = NEVER_EXPORTED | set(getattr(model, "EXPORT_EXCLUDE", ()))
    return [f.attname for f in model._meta.concrete_fields if f.name not in excluded]


def store_fks(model) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields if f.is_relation and f.related_model is Dealership
    ]


def tenant_models() -> list[type[models.Model]]:
    """Every model with a `dealership` foreign key (the tenancy rule: every owned row has one)."""
    return [
        model
        for model in apps.get_models()
        if any(f.name == "dealership" for f in store_fks(model))
    ]


def tables() -> list[Table]:
    found = [Table("dealerships.dealership", Dealership, _columns(Dealership))]
    for model in tenant_models():
        if getattr(model, "EXPORT_SKIP", None):
            continue
        found.append(Table(model._meta.label_lower, model, _columns(model)))
        if hasattr(model, "export_shared_with"):
            found.append(Table(model._meta.label_lower + ".received", model, [], shared=True))
    return found


def write_table(zf, table: Table, dealership) -> int:
    """`tables/<name>.csv` and `tables/<name>.json`, streamed; returns the row count."""
    if table.shared:
        query = table.rows_query(dealership).query
        table.columns = [*query.values_select, *query.annotation_select]
    n = 0
    with zf.open(f"tables/{table.name}.csv", "w") as raw_csv:
        text = io.TextIOWrapper(raw_csv, encoding="utf-8", newline="")
        writer = None
        for row in table.rows(dealership):
            if writer is None:
                writer = csv.writer(text)
                writer.writerow(list(row))
            writer.writerow(
                [
                    safe_cell(
                        json.dumps(v, cls=DjangoJSONEncoder)
                        if isinstance(v, dict | list)
                        else plain(k, v)
                    )
                    for k, v in row.items()
                ]
            )
            n += 1
        if writer is None:  # no rows: the header still says what the table holds
            csv.writer(text).writerow(table.columns)
        text.flush()
        text.detach()
    with zf.open(f"tables/{table.name}.json", "w") as raw_json:
        text = io.TextIOWrapper(raw_json, encoding="utf-8")
        text.write("[")
        for i, row in enumerate(table.rows(dealership)):
            row = {k: plain(k, v) for k, v in row.items()}
            text.write(("\n" if i == 0 else ",\n") + json.dumps(row, cls=DjangoJSONEncoder))
        text.write("\n]\n")
        text.flush()
        text.detach()
    return n


def readme_section(table: Table, count: int) -> str:
    lines = [f"tables/{table.name}.csv and .json ({count} rows): {table.description}"]
    model = table.model
    columns = table.columns or []
    for column in columns:
        name = column.removesuffix("_id") if column.endswith("_id") else column
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a lookup path of a shared table (from_dealership__name)
            lines.append(f"  - {column}")
            continue
        what = str(field.verbose_name)
        if field.is_relation:
            what += f" (id in tables/{field.related_model._meta.label_lower}.csv)"
        if getattr(field, "choices", None):
            what += ": " + ", ".join(str(value) for value, _ in field.choices)
        if field.help_text:
            what += f" — {field.help_text}"
        lines.append(f"  - {column}: {what}")
    return "\n".join(lines)
