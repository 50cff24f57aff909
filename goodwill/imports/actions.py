"""Imports, step by step: upload (inspect the file, map its columns from the remembered
mapping or from well-known headers), dry run (count new / updated / duplicate / invalid and
collect row errors: the commit's own work, rolled back), commit (one transaction: a file
that turns out to be unreadable half-way leaves nothing behind), undo (the whole import).
Rows are classified and written a batch at a time (`imports.batching`)."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
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

from goodwill.audit import actions as audit
from goodwill.core.text import one_line
from goodwill.customers import actions as customer_actions
from goodwill.customers.models import ContactDetail, Customer, Vehicle
from goodwill.imports import ahead, batching, vcard
from goodwill.imports import mapping as mapping_mod
from goodwill.imports.models import ImportBatch, ImportedRecord, ImportMapping, RowError
from goodwill.imports.reading import FileProblem, inspect_csv, iter_csv
from goodwill.imports.rows import NEUTRALISED

MAX_UPLOAD_BYTES = 100_000_000  # the web form; `goodwill import` streams any size
# An export ZIP's entries, unpacked: a 100 MB upload of CSV holds about 1 GB at the ratios
# real exports reach (5–15×). Past these a ZIP is a bomb, not a store's data (a 298 KB ZIP
# once expanded to 314 MB on disk).
MAX_UNPACKED_BYTES = 1_000_000_000
MAX_RATIO = 100  # uncompressed ÷ compressed, for an entry over RATIO_FLOOR bytes
RATIO_FLOOR = 1_000_000
ERROR_BATCH = 1000


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
                        errors.add(number, name, "", f"Not imported: {exc}")


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


def file_rows(batch, counter):
    """(row number, {header: value}) of the batch's file, CSV or vCard; `counter[0]`: bytes
    read so far."""
    if batch.format == ImportBatch.Format.VCARD:
        return vcard.iter_vcards(batch.stored_as)
    source = inspect_csv(batch.stored_as)
    source.encoding, source.delimiter = (
        batch.encoding or source.encoding,
        (batch.delimiter or source.delimiter),
    )
    return iter_csv(batch.stored_as, source, counter)


class _DryRun(Exception):
    """Rolls back a dry run's writes; its counts and row errors are kept."""


class ErrorSpool:
    """Row errors on disk until the end of the run (a dry run's writes are rolled back, its
    errors are not; a file of a million bad rows does not fill the memory)."""

    def __init__(self):
        # Closed by __exit__: the spool is used as a context manager around the run.
        self.file = tempfile.TemporaryFile("w+", newline="", encoding="utf-8")  # noqa: SIM115
        self.writer = csv.writer(self.file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()

    def add(self, row, column="", value="", reason=""):
        self.writer.writerow([row, column[:120], value[:200], reason[:300]])

    def extend(self, errors):
        self.writer.writerows(errors)

    def save(self, batch) -> None:
        self.file.seek(0)
        chunk = []
        for row, column, value, reason in csv.reader(self.file):
            chunk.append(
                RowError(
                    dealership_id=batch.dealership_id,
                    batch=batch,
                    row=int(row),
                    column=column,
                    value=value,
                    reason=reason,
                )
            )
            if len(chunk) >= ERROR_BATCH:
                RowError.objects.bulk_create(chunk)
                chunk = []
        RowError.objects.bulk_create(chunk)


def run(
    batch: ImportBatch,
    *,
    commit: bool,
    acting_user=None,
    progress: Callable[[int, int, int], None] | None = None,
) -> ImportBatch:
    """Read every row once, a batch of rows at a time (`imports.batching`). Commit: create
    / fill in / skip, all in one transaction. Dry run: exactly the same work, rolled back at
    the end, so its counts are the commit's (rows that repeat earlier rows of the file
    included); only the counts and the row errors are kept."""
    if commit and batch.status in (ImportBatch.Status.COMMITTED, ImportBatch.Status.UNDONE):
        raise ValidationError({"__all__": ["This import was already committed."]})
    problems = mapping_mod.mapping_problems(batch.mapping, batch.headers)
    if problems:
        raise ValidationError({"mapping": problems})
    counts = {"rows": 0, "new": 0, "updated": 0, "duplicate": 0, "invalid": 0, "skipped": 0}
    started = time.perf_counter()
    try:
        with ErrorSpool() as errors, transaction.atomic():
            RowError.objects.filter(batch=batch).delete()
            try:
                with transaction.atomic(), batching.rare_collections():
                    _read_and_write(batch, counts, errors, acting_user, progress)
                    if not commit:
                        raise _DryRun
                    _import_related(batch, acting_user, errors)
            except _DryRun:
                pass
            errors.save(batch)
            batch.counts = counts | {"seconds": round(time.perf_counter() - started, 2)}
            batch.fatal_error = ""
            if commit:
                batch.status = ImportBatch.Status.COMMITTED
                batch.committed_at = timezone.now()
                audit.record(
                    acting_user,
                    audit.Verb.IMPORTED,
                    batch,
                    dealership=batch.dealership_id,
                    what="customers",
                    counts=counts,
                )
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


def _read_and_write(batch, counts, errors, acting_user, progress) -> None:
    """The rows, a batch at a time: read and prepared ahead by another process for a large
    file (`imports.ahead`), classified and written here, in file order."""
    reason = f"Imported from {batch.filename}"
    recs = batching.RecCache()
    written = 0
    batching.refresh_statistics(0)
    reading = ahead.ReadAhead(
        file_rows, batch, acting_user=acting_user, reason=reason, progress=progress is not None
    )
    with reading:
        chunks = iter(reading)
        chunk = next(chunks, None)
        while chunk is not None:
            errors.extend(chunk.errors)
            counts["rows"] += chunk.rows
            counts["invalid"] += chunk.invalid
            for rows, read in chunk.ticks:
                progress(rows, read, batch.size)
            batching.process(
                batch,
                chunk.valid,
                acting_user=acting_user,
                reason=reason,
                counts=counts,
                errors=errors,
                recs=recs,
                ready=chunk.ready,
            )
            written += 1
            with batching.foreign_keys_checked():  # on the server while the next chunk comes
                chunk = next(chunks, None)
            batching.refresh_statistics(written)


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
        fields = dict.fromkeys(record.before.get("fields", []), "")
        if "notes" in record.before:
            fields["notes"] = record.before["notes"]
        for kind, value in record.before.get("details", []):
            ContactDetail.objects.filter(customer=customer, kind=kind, value=value).delete()
        customer_actions.update_customer(
            customer,
            acting_user=acting_user,
            reason=f"Import {batch.filename} undone",
            phones=dict.fromkeys(record.before.get("phones", []), ""),
            emails=dict.fromkeys(record.before.get("emails", []), ""),
            **fields,
        )
        restored += 1
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at, batch.undone_by = timezone.now(), acting_user
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    result = {"deleted": deleted, "restored": restored, "already_gone": len(ids) - len(existing)}
    audit.record(
        acting_user, audit.Verb.IMPORT_UNDONE, batch, dealership=batch.dealership_id, **result
    )
    return result
