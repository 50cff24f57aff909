"""Repair orders from the DMS, by CSV: the customer import's machinery (`goodwill.imports`:
the stored upload, encoding and delimiter sniffing, row streaming, the remembered mapping
per header row, `RowError` per row and column, the batch's dry run / commit / undo states)
with the columns of a closed-RO export.

Each row finds its vehicle by VIN (then its owner), else its customer by phone or email,
else creates them ("LAST, FIRST" is a person, one field a business); an RO number the store
already has is a duplicate, skipped. The dry run does everything in a transaction it rolls
back, so its counts are the commit's. Imported ROs raise their opportunities after the
commit without sending them to sales (the nightly pass sends the recent ones), so an import
noticed to be wrong can still be undone whole."""

import re
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from nameparser import HumanName

from goodwill.audit import actions as audit
from goodwill.core.contact import normalise_email, normalise_phone
from goodwill.customers import actions as customer_actions
from goodwill.customers.models import Customer, Vehicle
from goodwill.dealerships.models import Dealership, User
from goodwill.imports import actions as import_actions
from goodwill.imports.mapping import fingerprint, normalise_header
from goodwill.imports.models import ImportBatch, ImportMapping, RowError
from goodwill.imports.reading import FileProblem, inspect_csv, iter_csv
from goodwill.jobs.queue import enqueue
from goodwill.service import actions, jobs
from goodwill.service.models import Fleet, RepairOrder

FIELDS = {
    "": "— ignore —",
    "number": "RO number",
    "opened": "Open date",
    "closed": "Close date",
    "promised": "Promised date",
    "vin": "VIN",
    "year": "Vehicle year",
    "make": "Vehicle make",
    "model": "Vehicle model",
    "mileage": "Mileage in",
    "customer_name": "Customer name (LAST, FIRST or a business)",
    "phone": "Phone",
    "email": "Email",
    "advisor": "Service advisor",
    "complaint": "Complaint",
    "cause": "Cause / correction",
    "labor": "Labour ($)",
    "parts": "Parts ($)",
    "total": "Total ($, when labour and parts are not split)",
    "pay_type": "Pay type (C / W / I)",
    "status": "RO status",
}
REQUIRED = ("number", "opened", "customer_name")
_SYNONYMS = {
    "number": "ronumber ro ronum repairorder repairordernumber rono",
    "opened": "opendate opened dateopened rodate datein opendt",
    "closed": "closedate closed dateclosed closedt",
    "promised": "promiseddate promised promisedate promisedt",
    "vin": "vin vehiclevin",
    "year": "year modelyear vehicleyear",
    "make": "make vehiclemake",
    "model": "model vehiclemodel",
    "mileage": "mileagein mileage odometer milesin odometerin",
    "customer_name": "customername customer name owner",
    "phone": "homephone phone cellphone mobilephone workphone",
    "email": "email emailaddress",
    "advisor": "serviceadvisor advisor writer servicewriter",
    "complaint": "complaint concern customerconcern",
    "cause": "cause correction",
    "labor": "laborsale labor laboursale labour laboramount",
    "parts": "partssale parts partsamount",
    "total": "totalsale total rototal",
    "pay_type": "paytype pay",
    "status": "rostatus status",
}
SYNONYMS = {w: f for f, words in _SYNONYMS.items() for w in words.split()}
BUSINESS = re.compile(r"\b(LLC|INC|CO|CORP|LTD|LP|COMPANY|SERVICES?|GROUP)\b|&", re.IGNORECASE)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    mapping, taken = {}, set()
    for header in headers:
        field = SYNONYMS.get(normalise_header(header), "")
        mapping[header] = field if field and field not in taken else ""
        taken.add(field)
    return mapping


def mapping_problems(mapping: dict[str, str], headers: list[str]) -> list[str]:
    problems = []
    unknown = sorted({f for f in mapping.values() if f not in FIELDS})
    if unknown:
        problems.append(f"Unknown fields: {', '.join(unknown)}.")
    missing = sorted(set(mapping) - set(headers))
    if missing:
        problems.append(f"Columns not in the file: {', '.join(missing)}.")
    values = [f for f in mapping.values() if f]
    for field in REQUIRED:
        if field not in values:
            problems.append(f"Required: map a column to {FIELDS[field]}.")
    if "vin" not in values and "model" not in values:
        problems.append("Required: map a column to VIN or to Vehicle model.")
    for field in set(values):
        if values.count(field) > 1:
            problems.append(f"Only one column can be {FIELDS[field]}.")
    return problems


def upload(dealership, *, acting_user, filename: str, chunks, size=None) -> ImportBatch:
    """Store the file through the imports app, then map it as repair orders (the mapping
    remembered for this header row, else one guessed from DMS header names)."""
    if not filename.lower().endswith((".csv", ".txt")):
        raise ValidationError({"file": ["Upload the DMS export as a CSV file."]})
    batch = import_actions.upload(
        dealership, acting_user=acting_user, filename=filename, chunks=chunks, size=size
    )
    remembered = ImportMapping.objects.filter(
        dealership=dealership,
        target=ImportBatch.Target.REPAIR_ORDERS,
        fingerprint=fingerprint(batch.headers),
    ).first()
    batch.target = ImportBatch.Target.REPAIR_ORDERS
    batch.source_name = "DMS repair orders"
    batch.mapping = remembered.mapping if remembered else guess_mapping(batch.headers)
    batch.save(update_fields=["target", "source_name", "mapping"])
    return batch


def set_mapping(batch: ImportBatch, mapping: dict) -> None:
    if batch.status not in (ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKED):
        raise ValidationError({"mapping": ["This import was already committed."]})
    mapping = {h: (mapping.get(h) or "") for h in batch.headers}
    problems = mapping_problems(mapping, batch.headers)
    if problems:
        raise ValidationError({"mapping": problems})
    with transaction.atomic():
        batch.mapping, batch.status, batch.counts = mapping, ImportBatch.Status.UPLOADED, {}
        batch.save(update_fields=["mapping", "status", "counts"])
        RowError.objects.filter(batch=batch).delete()
        ImportMapping.objects.update_or_create(
            dealership_id=batch.dealership_id,
            target=ImportBatch.Target.REPAIR_ORDERS,
            fingerprint=fingerprint(batch.headers),
            defaults={"mapping": mapping, "source_name": batch.source_name},
        )


class RowProblem(Exception):
    def __init__(self, column: str, value: str, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class _DryRun(Exception):
    """Raised to roll back everything a dry run did."""


@dataclass
class Row:
    values: dict
    columns: dict  # field -> header, for error reports

    def get(self, field: str) -> str:
        return (self.values.get(field) or "").strip()

    def problem(self, field: str, reason: str) -> RowProblem:
        return RowProblem(self.columns.get(field, ""), self.get(field)[:200], reason)


def _date(row: Row, field: str, tz, *, required=False):
    text = row.get(field)
    if not text:
        if required:
            raise row.problem(field, f"{FIELDS[field]} is empty.")
        return None
    for fmt in (
        "%Y-%m-%d",
        "%m/%d/%Y",
        "%m/%d/%y",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%m/%d/%Y %H:%M",
    ):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if parsed.time() == time(0):
            parsed = parsed.replace(hour=8)  # a date only: the shop opens at eight
        return timezone.make_aware(parsed, tz)
    raise row.problem(field, "Not a date (use 2026-08-27 or 08/27/2026).")


def _money(row: Row, field: str) -> Decimal | None:
    text = row.get(field).replace("$", "").replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise row.problem(field, "Not an amount.") from None
    if value < 0:
        raise row.problem(field, "An amount cannot be negative.")
    return value.quantize(Decimal("0.01"))


def _int(row: Row, field: str) -> int | None:
    text = row.get(field).replace(",", "")
    if not text:
        return None
    if not text.isdigit():
        raise row.problem(field, "Not a whole number.")
    return int(text)


def _proper(text: str) -> str:
    if text != text.upper():
        return text
    name = HumanName(text)
    name.capitalize(force=True)
    return str(name) or text.title()


def _name_fields(raw: str) -> dict:
    if "," in raw and not BUSINESS.search(raw):
        last, _, first = raw.partition(",")
        return {
            "kind": "person",
            "first_name": _proper(first.strip())[:80],
            "last_name": _proper(last.strip())[:80],
        }
    company = (
        raw
        if raw != raw.upper()
        else " ".join(w if BUSINESS.fullmatch(w) else w.capitalize() for w in raw.split())
    )
    return {"kind": "business", "company_name": company[:150]}


class Importer:
    """One pass over the file's rows, committing or (dry run) rolling back."""

    def __init__(self, batch: ImportBatch, acting_user):
        self.batch, self.user = batch, acting_user
        self.store: Dealership = batch.dealership
        self.tz = timezone.get_current_timezone()
        self.columns = {f: h for h, f in batch.mapping.items() if f}
        self.counts = {"rows": 0, "new": 0, "duplicate": 0, "invalid": 0}
        self.errors: list[RowError] = []
        self.number = 0
        self.created: dict[str, list[int]] = {"customers": [], "vehicles": []}
        self.made: dict[str, list[int]] = {"customers": [], "vehicles": []}
        self.advisors = {
            u.display_name.upper(): u
            for u in User.objects.filter(dealership=self.store, role__in=User.SERVICE_ROLES)
        }

    def error(self, number: int, problem: RowProblem) -> None:
        self.errors.append(
            RowError(
                dealership_id=self.store.pk,
                batch=self.batch,
                row=number,
                column=problem.column[:120],
                value=problem.value[:200],
                reason=problem.reason[:300],
            )
        )

    def run(self, rows) -> None:
        for number, raw in rows:
            self.number = number
            self.counts["rows"] += 1
            row = Row({f: raw.get(h, "") for f, h in self.columns.items()}, self.columns)
            self.made = {"customers": [], "vehicles": []}
            try:
                with transaction.atomic():
                    self.one(row)
            except RowProblem as problem:
                kind = "duplicate" if problem.reason.startswith("Already") else "invalid"
                self.counts[kind] += 1
                self.error(number, problem)
            except ValidationError as exc:
                self.counts["invalid"] += 1
                items = (
                    exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
                )
                for field, messages in items:
                    column = self.columns.get(field, field if field != "__all__" else "")
                    self.error(
                        number, RowProblem(column, "", "Row not imported: " + " ".join(messages))
                    )
            else:
                self.counts["new"] += 1
                # Only what a committed row made is the undo's to remove.
                for kind, ids in self.made.items():
                    self.created[kind].extend(ids)
            if len(self.errors) >= 1000:
                RowError.objects.bulk_create(self.errors)
                self.errors.clear()
        RowError.objects.bulk_create(self.errors)

    def one(self, row: Row) -> RepairOrder:
        number = row.get("number")
        if not number:
            raise row.problem("number", "The RO number is empty.")
        if RepairOrder.objects.filter(dealership=self.store, number=number[:20]).exists():
            raise row.problem("number", f"Already in the store: RO {number}.")
        opened = _date(row, "opened", self.tz, required=True)
        closed = _date(row, "closed", self.tz)
        promised = _date(row, "promised", self.tz)
        labor, parts, total = _money(row, "labor"), _money(row, "parts"), _money(row, "total")
        if labor is None and parts is None and total is not None:
            labor, parts = total, Decimal(0)
        raw_name = row.get("customer_name")
        if not raw_name:
            raise row.problem("customer_name", "The customer's name is empty.")
        phone, email = self._contact(row)
        customer, vehicle = self._vehicle_and_customer(row, raw_name, phone, email)
        advisor = self.advisors.get(row.get("advisor").upper())
        status = (
            RepairOrder.Status.CLOSED
            if closed or row.get("status").upper() == "CLOSED"
            else (RepairOrder.Status.OPEN)
        )
        pay = row.get("pay_type").upper()[:1]
        return actions.open_repair_order(
            customer,
            vehicle,
            acting_user=self.user,
            number=number,
            complaint=(row.get("complaint") or "(not given)").capitalize()[:500],
            cause=row.get("cause")[:500],
            opened_at=opened,
            closed_at=closed or (opened if status == RepairOrder.Status.CLOSED else None),
            promised_at=promised,
            labor=labor or Decimal(0),
            parts=parts or Decimal(0),
            mileage_in=_int(row, "mileage"),
            status=status,
            pay_type=pay if pay in RepairOrder.PayType.values else "C",
            run_rules=False,
            import_batch=self.batch,
            **(
                {"advisor": advisor}
                if advisor
                else {"advisor_name": _proper(row.get("advisor"))[:80]}
            ),
        )

    def _contact(self, row: Row) -> tuple[str, str]:
        """A phone or email that does not read is left out (and reported); the row stays."""
        found = {"phone": "", "email": ""}
        for field, clean in (
            ("phone", lambda v: normalise_phone(v, self.store.phone_region)),
            ("email", normalise_email),
        ):
            if not row.get(field):
                continue
            try:
                found[field] = clean(row.get(field))
            except ValidationError as exc:
                self.error(
                    self.number,
                    row.problem(field, f"{FIELDS[field]} left out: {' '.join(exc.messages)}"),
                )
        return found["phone"], found["email"]

    def _vehicle_and_customer(self, row, raw_name, phone, email):
        vin = row.get("vin").upper()
        vehicle = None
        if vin:
            vehicle = (
                Vehicle.objects.filter(dealership=self.store, vin=vin)
                .select_related("customer")
                .first()
            )
        if vehicle is not None:
            return vehicle.customer, vehicle
        customer = Customer.objects.with_contact(self.store, phone=phone, email=email)
        if customer is None:
            fields = _name_fields(raw_name)
            customer = customer_actions.create_customer(
                self.store,
                acting_user=self.user,
                phones={"home": phone} if phone else None,
                emails={"personal": email} if email else None,
                reason=f"Imported with repair orders from {self.batch.filename}",
                relationship="customer",
                confirm_new=True,  # found by neither VIN, phone nor email
                **fields,
            )
            self._created(customer=customer)
        vehicle = customer_actions.add_vehicle(
            customer,
            acting_user=self.user,
            allow_unvalidated_vin=True,
            vin=vin,
            year=_int(row, "year"),
            make=_proper(row.get("make"))[:40],
            model=row.get("model")[:60],
            mileage=_int(row, "mileage"),
        )
        self._created(vehicle=vehicle)
        return customer, vehicle

    def _created(self, *, customer=None, vehicle=None) -> None:
        if customer is not None:
            self.made["customers"].append(customer.pk)
        if vehicle is not None:
            self.made["vehicles"].append(vehicle.pk)


def run(batch: ImportBatch, *, commit: bool, acting_user) -> ImportBatch:
    """Dry run (everything rolled back, counts and row errors kept) or commit."""
    if batch.target != ImportBatch.Target.REPAIR_ORDERS:
        raise ValidationError({"__all__": ["Not a repair-order import."]})
    if batch.status in (ImportBatch.Status.COMMITTED, ImportBatch.Status.UNDONE):
        raise ValidationError({"__all__": ["This import was already committed."]})
    problems = mapping_problems(batch.mapping, batch.headers)
    if problems:
        raise ValidationError({"mapping": problems})
    RowError.objects.filter(batch=batch).delete()
    batch.counts = {}
    importer = Importer(batch, acting_user)
    try:
        source = inspect_csv(batch.stored_as)
        with transaction.atomic():
            importer.run(iter_csv(batch.stored_as, source))
            errors = list(
                RowError.objects.filter(batch=batch).values("row", "column", "value", "reason")
            )
            if not commit:
                raise _DryRun
    except _DryRun:
        RowError.objects.bulk_create(
            RowError(dealership_id=batch.dealership_id, batch=batch, **e) for e in errors
        )
    except FileProblem as exc:
        batch.fatal_error = str(exc)[:500]
        batch.save(update_fields=["fatal_error"])
        raise ValidationError({"file": [str(exc)]}) from None
    batch.counts = importer.counts | {
        "customers": len(importer.created["customers"]),
        "vehicles": len(importer.created["vehicles"]),
    }
    if commit:
        batch.counts["_created"] = importer.created
    batch.fatal_error = ""
    if commit:
        batch.status, batch.committed_at = ImportBatch.Status.COMMITTED, timezone.now()
        audit.record(
            acting_user,
            audit.Verb.IMPORTED,
            batch,
            dealership=batch.dealership_id,
            what="repair orders",
            counts=importer.counts,
        )
        enqueue(
            jobs.rules_for_store,
            dealership=batch.dealership,
            title="Service opportunities after the RO import",
            refer=False,
        )
    else:
        batch.status = ImportBatch.Status.CHECKED
    batch.save(update_fields=["counts", "fatal_error", "status", "committed_at"])
    return batch


@transaction.atomic
def undo(batch: ImportBatch, *, acting_user) -> dict:
    """Remove the import's ROs (and their opportunities), then the vehicles and customers it
    created, unless something else uses them now. Refused when sales already has one of its
    opportunities."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.COMMITTED or batch.target != "repair_orders":
        raise ValidationError({"__all__": ["Only a committed repair-order import can be undone."]})
    ros = RepairOrder.objects.filter(dealership_id=batch.dealership_id, import_batch=batch)
    if ros.filter(opportunities__referral__isnull=False).exists():
        raise ValidationError(
            {"__all__": ["Sales already has opportunities from this import: nothing was undone."]}
        )
    removed = ros.count()
    ros.delete()
    made = batch.counts.get("_created", {})
    vehicles = Vehicle.objects.filter(pk__in=made.get("vehicles", []))
    vehicles = vehicles.annotate(n=models.Count("repair_orders")).filter(n=0)
    gone_vehicles = vehicles.count()
    Vehicle.objects.filter(pk__in=list(vehicles.values_list("pk", flat=True))).delete()
    customers = Customer.objects.filter(pk__in=made.get("customers", []), vehicles__isnull=True)
    try:
        with transaction.atomic():
            Fleet.objects.filter(customer__in=customers).delete()  # opened by the import
            gone_customers = customers.delete()[1].get("customers.Customer", 0)
    except models.ProtectedError:
        gone_customers = 0  # someone works with them now: they stay
    batch.status, batch.undone_at, batch.undone_by = (
        ImportBatch.Status.UNDONE,
        timezone.now(),
        acting_user,
    )
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    result = {"repair_orders": removed, "vehicles": gone_vehicles, "customers": gone_customers}
    audit.record(
        acting_user, audit.Verb.IMPORT_UNDONE, batch, dealership=batch.dealership_id, **result
    )
    return result
