"""Imports, step by step: upload (inspect the file, map its columns from the remembered
mapping or from well-known headers), dry run (count new / updated / duplicate / invalid and
collect row errors, writing nothing else), commit (one transaction: a file that turns out to
be unreadable half-way leaves nothing behind), undo (the whole import)."""

from __future__ import annotations

import csv
import io
import shutil
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from goodwill.core.text import one_line
from goodwill.customers import actions as customer_actions
from goodwill.customers.duplicates import find_likely_matches
from goodwill.customers.models import Customer, Vehicle
from goodwill.imports import mapping as mapping_mod
from goodwill.imports import vcard
from goodwill.imports.models import ImportBatch, ImportedRecord, ImportMapping, RowError
from goodwill.imports.reading import FileProblem, inspect_csv, iter_csv
from goodwill.imports.rows import NEUTRALISED, Record, build_record

MAX_UPLOAD_BYTES = 100_000_000  # the web form; `goodwill import` streams any size
# An export ZIP's entries, unpacked: a 100 MB upload of CSV holds about 1 GB at the ratios
# real exports reach (5–15×). Past these a ZIP is a bomb, not a store's data (a 298 KB ZIP
# once expanded to 314 MB on disk).
MAX_UNPACKED_BYTES = 1_000_000_000
MAX_RATIO = 100  # uncompressed ÷ compressed, for an entry over RATIO_FLOOR bytes
RATIO_FLOOR = 1_000_000
SURE = 97  # a match this strong on a shared phone/email is the same customer: fill in
LIKELY = 90  # a likely match: a duplicate to create (and review) or to skip
ERROR_BATCH = 1000
FILLABLE = ("company_name", "street", "city", "region", "postal_code")


def imports_dir() -> Path:
    path = Path(getattr(settings, "IMPORTS_DIR", settings.DATA_DIR / "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store_upload(chunks, suffix: str) -> tuple[Path, int]:
    path = imports_dir() / f"{uuid.uuid4().hex}{suffix}"
    size = 0
    with open(path, "wb") as out:
        for chunk in chunks:
            size += len(chunk)
            out.write(chunk)
    return path, size


def upload(
    dealership,
    *,
    acting_user,
    filename: str,
    chunks,
    size: int | None = None,
    max_bytes: int | None = MAX_UPLOAD_BYTES,
) -> ImportBatch:
    """Keep the bytes, read the header, pick a mapping. Raises ValidationError with a clear
    message for files that cannot be imported at all (nothing is kept then)."""
    filename = one_line(Path(filename or "upload").name).strip()[:255] or "upload"
    if max_bytes and size and size > max_bytes:
        raise ValidationError(
            {
                "file": [
                    f"The file is {size / 1e6:.0f} MB; the limit here is {max_bytes / 1e6:.0f}"
                    " MB. Split it, or run `goodwill import` on the server, which streams "
                    "files of any size."
                ]
            }
        )
    is_vcard = filename.lower().endswith((".vcf", ".vcard"))
    is_zip = filename.lower().endswith(".zip")
    path, stored = _store_upload(chunks, ".zip" if is_zip else ".vcf" if is_vcard else ".csv")
    if stored == 0:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": ["The file is empty."]})
    if is_zip:
        path = _unpack_export(path)
    batch = ImportBatch(
        dealership=dealership,
        filename=filename,
        size=stored,
        stored_as=str(path),
        created_by=acting_user,
    )
    try:
        if is_vcard:
            batch.format = ImportBatch.Format.VCARD
            batch.headers = vcard.HEADERS
            batch.source_name = "vCard"
            batch.mapping = dict(vcard.MAPPING)
        else:
            source = inspect_csv(path)
            batch.format = ImportBatch.Format.CSV
            batch.encoding, batch.delimiter, batch.headers = (
                source.encoding,
                source.delimiter,
                source.headers,
            )
            batch.source_name = mapping_mod.source_name(source.headers)
            remembered = ImportMapping.objects.filter(
                dealership=dealership,
                target=ImportBatch.Target.CUSTOMERS,
                fingerprint=mapping_mod.fingerprint(source.headers),
            ).first()
            batch.mapping = (
                remembered.mapping if remembered else mapping_mod.guess_mapping(source.headers)
            )
    except FileProblem as exc:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": [str(exc)]}) from None
    batch.save()
    return batch


def zip_problem(zf: zipfile.ZipFile) -> str | None:
    """Why this ZIP is refused before anything is unpacked (encrypted, a bomb), or None.
    The sizes are the ones the entries declare; `zipfile` never reads past them."""
    entries = zf.infolist()
    if any(info.flag_bits & 0x1 for info in entries):
        return "The ZIP is encrypted (password-protected); upload an unencrypted export."
    if sum(info.file_size for info in entries) > MAX_UNPACKED_BYTES:
        return (
            f"The ZIP unpacks to more than {MAX_UNPACKED_BYTES / 1e9:.0f} GB; split the "
            "export, or run `goodwill import` on the server."
        )
    for info in entries:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            return (
                f"{info.filename} in the ZIP is compressed more than {MAX_RATIO}× (a ZIP "
                "bomb, not an export); it was not unpacked."
            )
    return None


def _unpack_export(zip_path: Path) -> Path:
    """A Goodwill export ZIP: customers.csv is the file to import; vehicles.csv and
    consents.csv follow it after the commit (`_import_related`). A refused ZIP leaves
    nothing on disk."""
    csv_path = zip_path.with_suffix(".csv")
    try:
        with zipfile.ZipFile(zip_path) as zf:
            refused = zip_problem(zf)
            if refused is None:
                with zf.open("customers.csv") as src, open(csv_path, "wb") as out:
                    shutil.copyfileobj(src, out)
    except (zipfile.BadZipFile, KeyError, RuntimeError, EOFError, OSError):
        refused = "A ZIP must be a Goodwill export with customers.csv inside."
    if refused:
        zip_path.unlink(missing_ok=True)
        csv_path.unlink(missing_ok=True)
        raise ValidationError({"file": [refused]})
    return csv_path


def _import_related(batch, acting_user, errors) -> None:
    """Vehicles and consents of an export ZIP, onto the customers this import created."""
    zip_path = Path(batch.stored_as).with_suffix(".zip")
    if not zip_path.exists():
        return
    by_external = dict(
        batch.records.filter(action=ImportedRecord.Action.CREATED).values_list(
            "external_id", "customer_id"
        )
    )
    customers = Customer.objects.in_bulk(list(by_external.values()))
    with zipfile.ZipFile(zip_path) as zf:
        for name, apply in (("vehicles.csv", _vehicle_row), ("consents.csv", _consent_row)):
            if name not in zf.namelist():
                continue
            with zf.open(name) as raw:
                reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))
                for number, row in enumerate(reader, start=1):
                    row = {k: NEUTRALISED.sub("", v or "") for k, v in row.items()}
                    customer = customers.get(by_external.get(row.get("customer_id", "")))
                    if customer is None:
                        continue
                    try:
                        with transaction.atomic():
                            apply(customer, row, acting_user)
                    except (ValidationError, ValueError, TypeError) as exc:
                        errors.append(
                            RowError(
                                dealership_id=batch.dealership_id,
                                batch=batch,
                                row=number,
                                column=name,
                                reason=f"Not imported: {exc}"[:300],
                            )
                        )


def _vehicle_row(customer, row, acting_user):
    fields = {
        f: row.get(f, "") for f in ("vin", "make", "model", "trim", "color", "plate", "notes")
    }
    for number in ("year", "mileage"):
        fields[number] = int(row[number]) if row.get(number) else None
    customer_actions.add_vehicle(
        customer, acting_user=acting_user, allow_unvalidated_vin=True, **fields
    )


def _consent_row(customer, row, acting_user):
    customer_actions.set_consent(
        customer,
        row["channel"],
        granted=row.get("granted") == "True",
        method=row.get("method") or "import",
        wording=row.get("wording", ""),
        acting_user=acting_user,
        at=parse_datetime(row["recorded_at"]) if row.get("recorded_at") else None,
    )


def set_mapping(batch: ImportBatch, mapping: dict, *, on_duplicate: str | None = None) -> None:
    """Change the mapping (and remember it for the next file with these headers)."""
    if batch.status not in (ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKED):
        raise ValidationError({"mapping": ["This import was already committed."]})
    mapping = {h: (mapping.get(h) or "") for h in batch.headers} | {
        h: f for h, f in mapping.items() if h not in batch.headers
    }
    problems = mapping_mod.mapping_problems(mapping, batch.headers)
    if problems:
        raise ValidationError({"mapping": problems})
    with transaction.atomic():
        batch.mapping = mapping
        if on_duplicate:
            batch.on_duplicate = on_duplicate
        batch.status = ImportBatch.Status.UPLOADED
        batch.counts = {}
        batch.save(update_fields=["mapping", "on_duplicate", "status", "counts"])
        RowError.objects.filter(batch=batch).delete()
        if batch.format == ImportBatch.Format.CSV:
            ImportMapping.objects.update_or_create(
                dealership_id=batch.dealership_id,
                target=batch.target,
                fingerprint=mapping_mod.fingerprint(batch.headers),
                defaults={"mapping": mapping, "source_name": batch.source_name},
            )


def _rows(batch, counter):
    if batch.format == ImportBatch.Format.VCARD:
        return vcard.iter_vcards(batch.stored_as)
    source = inspect_csv(batch.stored_as)
    source.encoding, source.delimiter = (
        batch.encoding or source.encoding,
        (batch.delimiter or source.delimiter),
    )
    return iter_csv(batch.stored_as, source, counter)


def _classify(batch, rec: Record):
    """("new" | "updated" | "duplicate", best match or None)."""
    matches = find_likely_matches(
        batch.dealership,
        first_name=rec.fields.get("first_name", ""),
        last_name=rec.fields.get("last_name", ""),
        company_name=rec.fields.get("company_name", ""),
        phones=list(rec.phones.values()),
        emails=list(rec.emails.values()),
        vin=rec.vehicle.get("vin", ""),
        street=rec.fields.get("street", ""),
        postal_code=rec.fields.get("postal_code", ""),
        limit=1,
    )
    best = matches[0] if matches else None
    if best is None or best.score < LIKELY:
        return "new", None
    reasons = " ".join(best.reasons)
    if (
        best.score >= SURE
        and ("same phone" in reasons or "same email" in reasons)
        and ("household" not in reasons)
    ):
        return "updated", best
    return "duplicate", best


def _fill_in(customer: Customer, rec: Record, *, acting_user, reason) -> dict:
    """Fill the existing customer's empty fields and free phone/email labels from the row;
    never overwrite. Returns what was empty before, for the undo."""
    fields = {f: rec.fields[f] for f in FILLABLE if rec.fields.get(f) and not getattr(customer, f)}
    have_phones = {p.label: p.number for p in customer.phones.all()}
    have_emails = {e.label: e.address_lower for e in customer.emails.all()}
    phones = {
        label: n
        for label, n in rec.phones.items()
        if label not in have_phones and n not in have_phones.values()
    }
    emails = {
        label: a
        for label, a in rec.emails.items()
        if label not in have_emails and a.lower() not in have_emails.values()
    }
    if not (fields or phones or emails):
        return {}
    customer_actions.update_customer(
        customer,
        acting_user=acting_user,
        phones=phones or None,
        emails=emails or None,
        reason=reason,
        **fields,
    )
    return {"fields": list(fields), "phones": list(phones), "emails": list(emails)}


def run(
    batch: ImportBatch,
    *,
    commit: bool,
    acting_user=None,
    progress: Callable[[int, int, int], None] | None = None,
) -> ImportBatch:
    """Read every row once. Dry run: classify and report, change no customer. Commit: the
    same, and create / fill in / skip, all in one transaction."""
    if commit and batch.status in (ImportBatch.Status.COMMITTED, ImportBatch.Status.UNDONE):
        raise ValidationError({"__all__": ["This import was already committed."]})
    problems = mapping_mod.mapping_problems(batch.mapping, batch.headers)
    if problems:
        raise ValidationError({"mapping": problems})
    counts = {"rows": 0, "new": 0, "updated": 0, "duplicate": 0, "invalid": 0, "skipped": 0}
    counter = [0]
    started = time.perf_counter()
    region = batch.dealership.phone_region
    reason = f"Imported from {batch.filename}"
    errors: list[RowError] = []

    def flush():
        RowError.objects.bulk_create(errors)
        errors.clear()

    try:
        with transaction.atomic():
            RowError.objects.filter(batch=batch).delete()
            for number, row in _rows(batch, counter):
                counts["rows"] += 1
                rec = build_record(row, batch.mapping, region=region)
                for p in rec.problems:
                    errors.append(
                        RowError(
                            dealership_id=batch.dealership_id,
                            batch=batch,
                            row=number,
                            column=p.column[:120],
                            value=p.value[:200],
                            reason=("Row not imported: " if p.skip else "") + p.reason,
                        )
                    )
                if rec.invalid:
                    counts["invalid"] += 1
                else:
                    kind, match = _classify(batch, rec)
                    counts[kind] += 1
                    if commit:
                        _commit_row(
                            batch, number, rec, kind, match, acting_user, reason, errors, counts
                        )
                if len(errors) >= ERROR_BATCH:
                    flush()
                if progress and counts["rows"] % 200 == 0:
                    progress(counts["rows"], counter[0], batch.size)
            if commit:
                _import_related(batch, acting_user, errors)
            flush()
            batch.counts = counts | {"seconds": round(time.perf_counter() - started, 2)}
            batch.fatal_error = ""
            if commit:
                batch.status = ImportBatch.Status.COMMITTED
                batch.committed_at = timezone.now()
            else:
                batch.status = ImportBatch.Status.CHECKED
            batch.save(update_fields=["counts", "fatal_error", "status", "committed_at"])
    except FileProblem as exc:
        # Everything above rolled back: no customer, no error row. Say why, keep the batch.
        batch.refresh_from_db()
        batch.fatal_error = str(exc)[:500]
        batch.counts = {}
        batch.save(update_fields=["fatal_error", "counts"])
        raise ValidationError({"file": [str(exc)]}) from None
    if progress:
        progress(counts["rows"], batch.size, batch.size)
    return batch


def _commit_row(batch, number, rec, kind, match, acting_user, reason, errors, counts):
    store = batch.dealership_id
    if kind == "duplicate" and batch.on_duplicate == ImportBatch.OnDuplicate.SKIP:
        counts["skipped"] += 1
        errors.append(
            RowError(
                dealership_id=store,
                batch=batch,
                row=number,
                column="",
                reason=f"Skipped: looks like {match.customer.display_name} "
                f"({match.score}%: {', '.join(match.reasons)})"[:300],
            )
        )
        return
    try:
        with transaction.atomic():
            if kind == "updated":
                customer = Customer.objects.get(pk=match.customer.pk)
                before = _fill_in(customer, rec, acting_user=acting_user, reason=reason)
                ImportedRecord.objects.create(
                    dealership_id=store,
                    batch=batch,
                    row=number,
                    customer=customer,
                    action=ImportedRecord.Action.UPDATED,
                    before=before,
                )
                customer_rows = customer
            else:
                fields = {k: v for k, v in rec.fields.items() if v}
                customer_rows = customer_actions.create_customer(
                    batch.dealership,
                    acting_user=acting_user,
                    phones=rec.phones,
                    emails=rec.emails,
                    reason=reason,
                    # Classified "new" above, through the same duplicate rule's matcher.
                    confirm_new=True,
                    **fields,
                )
                ImportedRecord.objects.create(
                    dealership_id=store,
                    batch=batch,
                    row=number,
                    customer=customer_rows,
                    action=ImportedRecord.Action.CREATED,
                    duplicate_of=match.customer.pk if match else None,
                    external_id=rec.external_id,
                )
            if rec.vehicle and not (
                rec.vehicle.get("vin")
                and Vehicle.objects.filter(dealership_id=store, vin=rec.vehicle["vin"]).exists()
            ):
                customer_actions.add_vehicle(
                    customer_rows,
                    acting_user=acting_user,
                    allow_unvalidated_vin=True,
                    **rec.vehicle,
                )
    except ValidationError as exc:
        counts[kind] -= 1
        counts["invalid"] += 1
        for column, messages in (
            exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
        ):
            errors.append(
                RowError(
                    dealership_id=store,
                    batch=batch,
                    row=number,
                    column="" if column == "__all__" else column,
                    reason=("Row not imported: " + " ".join(messages))[:300],
                )
            )


@transaction.atomic
def undo_import(batch: ImportBatch, *, acting_user) -> dict:
    """Delete the customers the import created (with their vehicles and contact points) and
    empty again what it filled in, unless changed since. All or nothing."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        raise ValidationError({"__all__": ["Only a committed import can be undone."]})
    created = list(batch.records.filter(action=ImportedRecord.Action.CREATED))
    ids = [r.customer_id for r in created]
    existing = set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True))
    Vehicle.objects.filter(customer_id__in=existing).delete()
    try:
        deleted = Customer.objects.filter(pk__in=existing).delete()[1].get("customers.Customer", 0)
    except (ProtectedError, RestrictedError) as exc:
        raise ValidationError(
            {
                "__all__": [
                    "Some imported customers have records elsewhere since (e.g. a deal "
                    f"or referral): {exc.args[0][:200]}. Nothing was undone."
                ]
            }
        ) from None
    restored = 0
    for record in batch.records.filter(action=ImportedRecord.Action.UPDATED):
        customer = Customer.objects.filter(pk=record.customer_id).first()
        if customer is None or not record.before:
            continue
        customer_actions.update_customer(
            customer,
            acting_user=acting_user,
            reason=f"Import {batch.filename} undone",
            phones=dict.fromkeys(record.before.get("phones", []), ""),
            emails=dict.fromkeys(record.before.get("emails", []), ""),
            **dict.fromkeys(record.before.get("fields", []), ""),
        )
        restored += 1
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at, batch.undone_by = timezone.now(), acting_user
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    return {"deleted": deleted, "restored": restored, "already_gone": len(ids) - len(existing)}
