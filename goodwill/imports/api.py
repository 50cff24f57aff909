"""Imports and exports in the JSON API: upload (file content in the body), mapping, dry run,
commit, row errors, undo; and the store's export ZIP. Managers import; admins export."""

import base64
import binascii
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import Error, In, column, line, offset_param
from goodwill.audit.actions import Verb, record
from goodwill.imports import actions
from goodwill.imports.jobs import export_store, run_import
from goodwill.imports.mapping import FIELDS, mapping_problems
from goodwill.imports.models import ImportBatch, RowError
from goodwill.jobs.api import JobOut, job_out
from goodwill.jobs.queue import enqueue

router = Router(tags=["imports"])


class ImportIn(In):
    filename: str = column(ImportBatch, "filename", description="Ends in .csv, .vcf or .zip")
    content: str | None = Field(
        None, max_length=actions.MAX_UPLOAD_BYTES, description="The file as text (UTF-8)"
    )
    content_base64: str | None = Field(
        None,
        max_length=actions.MAX_UPLOAD_BYTES * 4 // 3 + 4,
        description="Or the file's bytes, base64",
    )


class MappingIn(In):
    mapping: dict[line(200), line(40)] = Field(
        description=f"Column header → one of: {', '.join(FIELDS)}"
    )
    on_duplicate: str | None = Field(None, pattern="^(create|skip)$")


class Counts(Schema):
    rows: int = 0
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    invalid: int = 0
    skipped: int = 0


class ImportOut(Schema):
    id: UUID
    filename: str
    format: str
    status: str
    source_name: str
    encoding: str
    headers: list[str]
    mapping: dict[str, str]
    on_duplicate: str
    counts: Counts | None
    fatal_error: str
    created_at: datetime
    committed_at: datetime | None
    undone_at: datetime | None


class RowErrorOut(Schema):
    row: int
    column: str
    value: str
    reason: str


def _manager(request):
    if not request.user.is_manager:
        raise HttpError(403, "Only a manager or dealer admin can import customers.")


def _out(batch: ImportBatch) -> dict:
    counts = {k: v for k, v in batch.counts.items() if k in Counts.model_fields}
    return {
        "id": batch.public_id,
        **{
            f: getattr(batch, f)
            for f in (
                "filename",
                "format",
                "status",
                "source_name",
                "encoding",
                "headers",
                "mapping",
                "on_duplicate",
                "fatal_error",
                "created_at",
                "committed_at",
                "undone_at",
            )
        },  # fmt: skip
        "counts": counts or None,
    }


def _get(request, batch_id) -> ImportBatch:
    batch = get_object_or_404(
        ImportBatch.objects.for_dealership(request.dealership).filter(target="customers"),
        public_id=batch_id,
    )
    _manager(request)
    return batch


@router.post("/imports", response={201: ImportOut, 403: Error, 422: Error})
def upload(request, payload: ImportIn):
    """Upload a CSV or vCard file; the answer shows the columns and the guessed (or
    remembered) mapping. Nothing is imported until commit."""
    _manager(request)
    if (payload.content is None) == (payload.content_base64 is None):
        raise HttpError(422, "Send the file as either content or content_base64.")
    if payload.content is not None:
        data = payload.content.encode("utf-8")
    else:
        try:
            data = base64.b64decode(payload.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise HttpError(422, "content_base64 is not valid base64.") from None

    def create():
        batch = actions.upload(
            request.dealership,
            acting_user=request.user,
            filename=payload.filename,
            chunks=[data],
            size=len(data),
        )
        return _out(batch)

    return run_idempotent(request, create, schema=ImportOut)


@router.get("/imports/{uuid:batch_id}", response={200: ImportOut, 403: Error})
def get_import(request, batch_id: UUID):
    return _out(_get(request, batch_id))


@router.patch("/imports/{uuid:batch_id}", response={200: ImportOut, 403: Error, 422: Error})
def set_mapping(request, batch_id: UUID, payload: MappingIn):
    """Change the column mapping (remembered for the next file with these columns)."""
    batch = _get(request, batch_id)
    actions.set_mapping(batch, payload.mapping, on_duplicate=payload.on_duplicate)
    return _out(batch)


def _start(request, batch: ImportBatch, *, commit: bool):
    """Dry run and commit run as background jobs; the answer is the job to poll
    (`GET /jobs/{id}`), whose `result` holds the import's id, status and counts."""
    problems = mapping_problems(batch.mapping, batch.headers)
    if problems:
        raise ValidationError({"mapping": problems})
    if commit and batch.status in (ImportBatch.Status.COMMITTED, ImportBatch.Status.UNDONE):
        raise ValidationError({"__all__": ["This import was already committed."]})
    job = enqueue(
        run_import,
        dealership=request.dealership,
        user=request.user,
        title=("Import " if commit else "Dry run of ") + batch.filename,
        batch_id=batch.pk,
        commit=commit,
    )
    return Status(202, job_out(job))


@router.post("/imports/{uuid:batch_id}/dry-run", response={202: JobOut, 403: Error, 422: Error})
def dry_run(request, batch_id: UUID):
    """Count what the import would do and report each bad row, changing nothing. Runs in
    the background: poll the job; its result has the counts."""
    return _start(request, _get(request, batch_id), commit=False)


@router.post("/imports/{uuid:batch_id}/commit", response={202: JobOut, 403: Error, 422: Error})
def commit(request, batch_id: UUID):
    """All rows in one transaction (an unreadable file leaves nothing behind), in the
    background: poll the job; when it is done the import's status is `committed`."""
    return _start(request, _get(request, batch_id), commit=True)


@router.get("/imports/{uuid:batch_id}/errors", response={200: list[RowErrorOut], 403: Error})
def errors(
    request,
    batch_id: UUID,
    limit: int = Query(500, ge=1, le=5000),
    offset: int = offset_param(),
):
    batch = _get(request, batch_id)
    rows = RowError.objects.filter(batch=batch).order_by("row", "id")[offset : offset + limit]
    return [{"row": e.row, "column": e.column, "value": e.value, "reason": e.reason} for e in rows]


@router.post("/imports/{uuid:batch_id}/undo", response={200: ImportOut, 403: Error, 422: Error})
def undo(request, batch_id: UUID):
    batch = _get(request, batch_id)
    actions.undo_import(batch, acting_user=request.user)
    batch.refresh_from_db()
    return _out(batch)


@router.post("/exports", tags=["exports"], response={202: JobOut, 403: Error})
def export(request):
    """Everything the store holds (dealer admin), as a ZIP written by a background job: poll
    `GET /jobs/{id}`; when it is done, `file_url` downloads the ZIP (CSV and JSON of every
    table, a README describing each file)."""
    if not request.user.is_dealer_admin:
        raise HttpError(403, "Only a dealer admin can export the store.")
    with transaction.atomic():
        job = enqueue(
            export_store,
            dealership=request.dealership,
            user=request.user,
            title=f"Export of {request.dealership.name}",
        )
        record(request, Verb.EXPORTED, job, what="everything the store holds")
    return Status(202, job_out(job))
