"""One raw row (column → text) through the mapping into a customer record, with the
problems found on the way: `skip` problems make the row invalid, the others drop one value
(a phone that is not a phone) and import the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from nameparser import HumanName

from goodwill.core.contact import normalise_email, normalise_phone
from goodwill.imports.mapping import FIELDS, JOINED

MULTI = " ::: "  # Google Contacts joins several values of one cell with this
# Keys a reader (vCard) may add to a row beside its columns: [(kind, label, value, column)]
# contact points with their own types, and [(column, value, reason)] things left out.
CONTACTS = "\x1fcontacts"
LEFT_OUT = "\x1fleft-out"
SKIP_ROW = "\x1fskip"  # why the reader refuses this row (a contact group)
PHONE_LABELS = ("mobile", "home", "work", "other", "fax", "pager")
EMAIL_LABELS = ("personal", "work", "other")
NEUTRALISED = re.compile(r"^'(?=[=+\-@\t\r])")  # our export's formula-injection guard
SHOUTED = re.compile(r"[A-ZÀ-Þ][A-ZÀ-Þ' .-]{2,}")  # DMS upper case, nothing else
INDIVIDUAL = re.compile(r"\(individual\)|^individual$", re.IGNORECASE)
LIMITS = {
    "first_name": 80,
    "middle_name": 80,
    "last_name": 80,
    "company_name": 150,
    "street": 200,
    "city": 100,
    "region": 50,
    "postal_code": 12,
    "notes": 5000,
    "make": 40,
    "model": 60,
}


@dataclass
class Problem:
    column: str
    value: str
    reason: str
    skip: bool = False


@dataclass
class Record:
    fields: dict = field(default_factory=dict)
    phones: dict = field(default_factory=dict)
    emails: dict = field(default_factory=dict)
    vehicle: dict = field(default_factory=dict)
    external_id: str = ""
    problems: list[Problem] = field(default_factory=list)
    # Contact points beyond the one-per-label slots: [(kind, label, value)] (ContactDetail).
    details: list = field(default_factory=list)
    # No name, but a phone or an email: the import fills in the customer who has it, or
    # reports the row (a customer needs a name).
    nameless: bool = False

    @property
    def invalid(self) -> bool:
        return any(p.skip for p in self.problems)


def _clean(value) -> str:
    if isinstance(value, list | tuple):  # several values read for one column
        value = ", ".join(str(v).strip() for v in value if v)
    value = (value or "").strip()
    # The guard and the carriage returns are rare: tested for before the regex and the
    # replaces run (0.46 → 0.37 µs a cell, a dozen cells a row).
    if value[:1] == "'":
        value = NEUTRALISED.sub("", value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _proper(name: str) -> str:
    """'KOWALSKI' → 'Kowalski', 'O'BRIEN' → 'O'Brien'; mixed case is left as typed."""
    if not SHOUTED.fullmatch(name or ""):
        return name
    human = HumanName(name)
    human.capitalize(force=True)
    return str(human) or name.title()


def _postal(value: str) -> str:
    digits = value.replace(" ", "")
    if re.fullmatch(r"\d{9}", digits):
        return f"{digits[:5]}-{digits[5:]}"
    return value


def build_record(row: dict, mapping: dict[str, str], *, region: str) -> Record:
    rec = Record()
    if row.get(None):
        rec.problems.append(
            Problem(
                "",
                "",
                f"Row has {row[None]}: the file may be cut off "
                "or a value contains an unquoted delimiter.",
                skip=True,
            )
        )
        return rec
    if isinstance(row.get(SKIP_ROW), str):
        rec.problems.append(Problem("", "", row[SKIP_ROW], skip=True))
        return rec
    values: dict[str, list[tuple[str, str]]] = {}
    for column, target in mapping.items():
        if not target:
            continue
        value = _clean(row.get(column, ""))
        if value:
            values.setdefault(target, []).append((column, value))

    def first(name) -> tuple[str, str]:
        return values.get(name, [("", "")])[0]

    names = ("first_name", "middle_name", "last_name", "company_name", "city", "region")
    for name in (*names, "postal_code"):
        column, value = first(name)
        value = value.split(MULTI)[0].strip()
        if name in ("first_name", "middle_name", "last_name", "city"):
            value = _proper(value)
        if name == "postal_code":
            value = _postal(value)
        rec.fields[name] = value
    column, full = first("full_name")
    if full and not (rec.fields["first_name"] or rec.fields["last_name"]):
        human = HumanName(full)
        if full.isupper():
            human.capitalize(force=True)
        rec.fields["first_name"] = human.first
        rec.fields["middle_name"] = rec.fields["middle_name"] or human.middle
        rec.fields["last_name"] = human.last
        if not (human.first or human.last):  # "Dr." alone, or nothing nameparser can split
            rec.fields["first_name"] = full
    if INDIVIDUAL.search(rec.fields["company_name"]):
        rec.fields["company_name"] = ""  # Salesforce leads need a company, even for people
    # DMS exports put a company in the first-name column ("LONE STAR RENTALS").
    only_first = rec.fields["first_name"] and not (
        rec.fields["last_name"] or rec.fields["company_name"]
    )
    if (
        only_first
        and len(rec.fields["first_name"].split()) >= 2
        and first("first_name")[1].isupper()
    ):
        rec.fields["company_name"], rec.fields["first_name"] = rec.fields["first_name"], ""
    street_parts = [v.replace("\n", ", ") for _, v in values.get("street", [])]
    street = ", ".join(p for p in street_parts if p)
    rec.fields["street"] = street.title() if street.isupper() else street
    rec.fields["notes"] = "\n".join(v for _, v in values.get("notes", []))
    if rec.fields["company_name"] and not (rec.fields["first_name"] or rec.fields["last_name"]):
        rec.fields["kind"] = "business"
    for name, limit in LIMITS.items():
        if name in rec.fields and len(rec.fields[name]) > limit:
            column = first(name)[0] or name
            if name in ("notes", "street"):
                rec.fields[name] = rec.fields[name][:limit]
                rec.problems.append(Problem(column, "", f"Cut to {limit} characters."))
            else:
                rec.problems.append(
                    Problem(
                        column, rec.fields[name][:60], f"Longer than {limit} characters.", skip=True
                    )
                )
    pending = []  # (kind, label, column, raw value): the slot wanted, in file order
    for kind, labels in (("phone", PHONE_LABELS), ("email", EMAIL_LABELS)):
        for label in labels:
            for column, value in values.get(f"{kind}_{label}", []):
                pending += [(kind, label, column, part.strip()) for part in value.split(MULTI)]
    contacts = row.get(CONTACTS)
    if isinstance(contacts, list):
        pending += [(kind, label, column, value) for kind, label, value, column in contacts]
    left_out = row.get(LEFT_OUT)
    if isinstance(left_out, list):
        rec.problems += [Problem(column, value[:200], reason) for column, value, reason in left_out]
    _contact_points(rec, pending, region)
    if not (rec.fields["first_name"] or rec.fields["last_name"] or rec.fields["company_name"]):
        if rec.phones or rec.emails:
            rec.nameless = True
        else:
            rec.problems.append(
                Problem("", "", "No name and no company: a customer needs one.", skip=True)
            )

    vin = first("vin")[1].replace(" ", "").replace("-", "").upper()
    year_column, year = first("year")
    vehicle = {"vin": vin, "make": first("make")[1][:40], "model": first("model")[1][:60]}
    if year:
        if year.isdigit() and 1900 <= int(year) <= 2100:
            vehicle["year"] = int(year)
        else:
            rec.problems.append(Problem(year_column, year, "Left out: not a model year."))
    if any(vehicle.values()):
        rec.vehicle = vehicle
    rec.external_id = first("external_id")[1][:100]
    return rec


def _contact_points(rec: Record, pending, region: str) -> None:
    """Each phone and email into its own label's slot; a second one of a label (a second
    mobile, a third email), or one whose type has no slot, into `rec.details` with its
    type. Nothing is moved to another label (a fax never becomes a mobile)."""
    seen = set()
    for kind, label, column, raw in pending:
        if not raw:
            continue
        if kind == "address":
            if raw not in seen:
                rec.details.append(("address", label, raw[:300]))
                seen.add(raw)
            continue
        try:
            clean = normalise_phone(raw, region) if kind == "phone" else normalise_email(raw)
        except ValidationError as exc:
            reason = exc.messages[0]
            if kind == "email" and raw.startswith("/o="):
                reason = "An Exchange internal address, not an email address."
            rec.problems.append(Problem(column, raw[:200], f"Left out: {reason}"))
            continue
        if not clean or clean.lower() in seen:
            continue
        seen.add(clean.lower())
        slots = rec.phones if kind == "phone" else rec.emails
        if label in (PHONE_LABELS if kind == "phone" else EMAIL_LABELS) and label not in slots:
            slots[label] = clean
        else:
            rec.details.append((kind, label, clean))


__all__ = ["Record", "Problem", "build_record", "FIELDS", "JOINED"]
