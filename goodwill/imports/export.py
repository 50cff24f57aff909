"""Everything a store holds, as a ZIP: `customers.csv` (re-importable: the Import page takes
the ZIP back), the customers as JSON and vCards, and under `tables/` every table the store
owns or shares as CSV and JSON (found from the models, `imports/tables.py`), with a README
describing each file. Phone numbers are written as staff write them; cells a spreadsheet
would run as a formula (=, +, -, @ first) get a leading apostrophe (OWASP's advice), which
the importer strips again."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable

import vobject
from django.core.serializers.json import DjangoJSONEncoder

from goodwill.core.contact import format_phone
from goodwill.customers.models import (
    Assignment,
    Consent,
    Customer,
    CustomerEmail,
    CustomerEvent,
    CustomerPhone,
    Vehicle,
)
from goodwill.imports.tables import readme_section, safe_cell, tables, write_table

__all__ = ["safe_cell", "write_export"]

CUSTOMER_COLUMNS = [
    "id", "kind", "first_name", "middle_name", "last_name", "company_name", "relationship",
    "street", "city", "region", "postal_code", "phone_mobile", "phone_home", "phone_work",
    "phone_other", "phone_fax", "phone_pager", "email_personal", "email_work", "email_other",
    "notes", "salesperson", "service_advisor", "created_at",
]  # fmt: skip
PHONES = ("mobile", "home", "work", "other", "fax", "pager")
EMAILS = ("personal", "work", "other")
VCARD_TEL = {"mobile": "CELL", "other": "VOICE"}
CHUNK = 2000


def _customer_rows(dealership):
    phones, emails = {}, {}
    for cid, label, number in CustomerPhone.objects.filter(dealership=dealership).values_list(
        "customer_id", "label", "number"
    ):
        phones.setdefault(cid, {})[label] = number
    for cid, label, address in CustomerEmail.objects.filter(dealership=dealership).values_list(
        "customer_id", "label", "address"
    ):
        emails.setdefault(cid, {})[label] = address
    qs = (
        Customer.objects.for_dealership(dealership)
        .select_related("salesperson", "service_advisor")
        .order_by("id")
    )
    for c in qs.iterator(chunk_size=CHUNK):
        p, e = phones.get(c.pk, {}), emails.get(c.pk, {})
        yield (
            c,
            {
                "id": c.public_id,
                **{f: getattr(c, f) for f in CUSTOMER_COLUMNS[1:11]},
                **{f"phone_{label}": format_phone(p.get(label, "")) for label in PHONES},
                **{f"email_{label}": e.get(label, "") for label in EMAILS},
                "notes": c.notes,
                "salesperson": c.salesperson.username if c.salesperson else "",
                "service_advisor": c.service_advisor.username if c.service_advisor else "",
                "created_at": c.created_at.isoformat(),
            },
        )


def _vcard(c: Customer, row: dict) -> str:
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(
        family=c.last_name, given=c.first_name, additional=c.middle_name
    )
    card.add("fn").value = c.display_name
    if c.company_name:
        card.add("org").value = [c.company_name]
    for label in PHONES:
        if row[f"phone_{label}"]:
            tel = card.add("tel")
            tel.value = row[f"phone_{label}"]
            tel.type_param = VCARD_TEL.get(label, label.upper())
    for label in EMAILS:
        if row[f"email_{label}"]:
            email = card.add("email")
            email.value = row[f"email_{label}"]
            email.type_param = {"personal": "HOME", "work": "WORK"}.get(label, "INTERNET")
    if c.street or c.city:
        card.add("adr").value = vobject.vcard.Address(
            street=c.street, city=c.city, region=c.region, code=c.postal_code
        )
    if c.notes:
        card.add("note").value = c.notes
    card.add("uid").value = str(c.public_id)
    return card.serialize()


TABLES = [
    ("vehicles", Vehicle, ["public_id", "customer__public_id", "vin", "vin_validated", "year",
                           "make", "model", "trim", "color", "mileage", "plate", "notes"]),
    ("consents", Consent, ["customer__public_id", "channel", "granted", "method", "wording",
                           "recorded_by__username", "recorded_at"]),
    ("assignments", Assignment, ["customer__public_id", "role", "user__username",
                                 "assigned_by__username", "reason", "started_at", "ended_at"]),
    ("history", CustomerEvent, ["customer__public_id", "at", "verb", "subject",
                                "actor__username", "changes", "reason"]),
]  # fmt: skip


def write_export(dealership, out, *, progress: Callable[[str, int], None] | None = None) -> dict:
    """Write the ZIP to the binary file `out`; return row counts per table. Each member is
    streamed into the archive, so memory does not grow with the store."""
    counts = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        # A ZIP takes one member at a time: three passes over the customers, each streamed.
        with zf.open("customers.csv", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(CUSTOMER_COLUMNS)
            n = 0
            for _customer, row in _customer_rows(dealership):
                writer.writerow([safe_cell(row[k]) for k in CUSTOMER_COLUMNS])
                n += 1
                if progress and n % CHUNK == 0:
                    progress("customers", n)
            text.flush()
            text.detach()
            counts["customers"] = n
        with zf.open("customers.json", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8")
            text.write("[\n")
            for i, (_customer, row) in enumerate(_customer_rows(dealership)):
                text.write(("" if i == 0 else ",\n") + json.dumps(row, cls=DjangoJSONEncoder))
            text.write("\n]\n")
            text.flush()
            text.detach()
        with zf.open("customers.vcf", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            for customer, row in _customer_rows(dealership):
                text.write(_vcard(customer, row))
            text.flush()
            text.detach()
        if progress:
            progress("customers", counts["customers"])
        for name, model, columns in TABLES:
            with zf.open(f"{name}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow(
                    [c.replace("__public_id", "_id").replace("__", "_") for c in columns]
                )
                n = 0
                rows = (
                    model.objects.filter(dealership=dealership).order_by("id").values_list(*columns)
                )
                for values in rows.iterator(chunk_size=CHUNK):
                    writer.writerow(
                        [safe_cell(json.dumps(v) if isinstance(v, dict) else v) for v in values]
                    )
                    n += 1
                text.flush()
                text.detach()
                counts[name] = n
            if progress:
                progress(name, n)
        sections = []
        for table in tables():
            n = write_table(zf, table, dealership)
            counts[table.name] = n
            sections.append(readme_section(table, n))
            if progress:
                progress(table.name, n)
        zf.writestr("README.txt", _readme(dealership, counts, sections))
    return counts


def _readme(dealership, counts, sections) -> str:
    return (
        f"Export of {dealership.name} ({dealership.slug}): everything the store holds.\n\n"
        "Cells starting with = + - @ are prefixed with ' so spreadsheets show them as text;\n"
        "phone numbers are written as you would dial them. Times are UTC (ISO 8601).\n\n"
        f"customers.csv ({counts['customers']} rows): one row per customer, the file the\n"
        "  Import page (or `goodwill import`) takes back; give it this whole ZIP and the\n"
        "  vehicles and consents come along.\n"
        "customers.json: the same rows as JSON. customers.vcf: the customers as vCards.\n"
        "vehicles.csv, consents.csv, assignments.csv, history.csv: the customers' rows,\n"
        "  linked by customer_id (the customer's id in customers.csv).\n\n"
        "Every table, as CSV and as JSON (the same rows; `id` columns link the files):\n\n"
        + "\n\n".join(sections)
        + "\n"
    )
