"""Import pages (managers): upload, map the columns, dry run with counts and a row-by-row
error report, commit, undo. Export (dealer admin): the store's ZIP."""

import csv
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from goodwill.audit.actions import Verb, record
from goodwill.core import storewall
from goodwill.core.tenancy import dealer_admin_required, get_visible_or_404, staff_required
from goodwill.core.text import one_line
from goodwill.customers.models import Customer
from goodwill.imports import actions
from goodwill.imports.export import safe_cell
from goodwill.imports.jobs import export_store, run_import
from goodwill.imports.mapping import FIELDS
from goodwill.imports.models import ImportBatch, ImportedRecord, RowError
from goodwill.jobs.models import Job
from goodwill.jobs.queue import enqueue

ERRORS_SHOWN = 200


def manager_required(view):
    @wraps(view)
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_manager:
            raise PermissionDenied("Only a manager or dealer admin can import customers.")
        return view(request, *args, **kwargs)

    return wrapper


def _get_batch(request, batch_id) -> ImportBatch:
    return get_visible_or_404(
        ImportBatch.objects.for_dealership(request.dealership)
        .filter(target=ImportBatch.Target.CUSTOMERS)
        .select_related("created_by"),
        public_id=batch_id,
    )


@manager_required
def import_list(request):
    batches = (
        ImportBatch.objects.for_dealership(request.dealership)
        .filter(target=ImportBatch.Target.CUSTOMERS)
        .select_related("created_by")[:50]
    )
    return render(
        request,
        "imports/list.html",
        {"nav": "imports", "batches": batches, "max_mb": actions.MAX_UPLOAD_BYTES // 10**6},
    )


@require_POST
@manager_required
def upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a CSV or vCard file to upload.")
        return redirect("imports:list")
    try:
        batch = actions.upload(
            request.dealership,
            acting_user=request.user,
            filename=upload.name,
            chunks=upload.chunks(),
            size=upload.size,
        )
    except ValidationError as exc:
        messages.error(request, f"{upload.name}: " + " ".join(exc.messages))
        return redirect("imports:list")
    return redirect("imports:batch", batch_id=batch.public_id)


@manager_required
def batch_detail(request, batch_id):
    batch = _get_batch(request, batch_id)
    errors = list(batch.errors.all()[: ERRORS_SHOWN + 1])
    # The rows that went into a customer the store already had, each with that customer.
    filled = list(batch.records.filter(action=ImportedRecord.Action.UPDATED)[: ERRORS_SHOWN + 1])
    people = Customer.objects.visible_to(request.user).in_bulk([r.customer_id for r in filled])
    running = (
        Job.objects.visible_to(request.user)
        .filter(kind=run_import.job_kind, params__batch_id=batch.pk)
        .exclude(status__in=Job.FINISHED)
        .first()
    )
    return render(
        request,
        "imports/batch.html",
        {
            "nav": "imports",
            "batch": batch,
            "running": running,
            "columns": [(h, batch.mapping.get(h, "")) for h in batch.headers],
            "fields": FIELDS.items(),
            "errors": errors[:ERRORS_SHOWN],
            "filled": [(r, people.get(r.customer_id)) for r in filled[:ERRORS_SHOWN]],
            "more_filled": len(filled) > ERRORS_SHOWN,
            "more_errors": len(errors) > ERRORS_SHOWN,
            "on_duplicate_choices": ImportBatch.OnDuplicate.choices,
            "editable": batch.status in (ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKED),
        },
    )


def _start(request, batch, *, commit: bool):
    """Dry run and commit run as background jobs: a big file never holds the request (or
    SQLite's write lock) for long; the job page shows how far it got, then the batch."""
    job = enqueue(
        run_import,
        dealership=request.dealership,
        user=request.user,
        title=("Import " if commit else "Dry run of ") + batch.filename,
        batch_id=batch.pk,
        commit=commit,
    )
    return redirect("jobs:detail", job_id=job.public_id)


@require_POST
@manager_required
def dry_run(request, batch_id):
    batch = _get_batch(request, batch_id)
    try:
        if batch.format == ImportBatch.Format.CSV:
            mapping = {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(batch.headers)}
            actions.set_mapping(
                batch, mapping, on_duplicate=request.POST.get("on_duplicate") or None
            )
        elif request.POST.get("on_duplicate"):
            actions.set_mapping(batch, batch.mapping, on_duplicate=request.POST["on_duplicate"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("imports:batch", batch_id=batch.public_id)
    return _start(request, batch, commit=False)


@require_POST
@manager_required
def commit(request, batch_id):
    batch = _get_batch(request, batch_id)
    if batch.status != ImportBatch.Status.CHECKED:
        messages.error(request, "Run the dry run first: it shows what the import will do.")
        return redirect("imports:batch", batch_id=batch.public_id)
    return _start(request, batch, commit=True)


class _Echo:
    def write(self, value):
        return value


@manager_required
def errors_csv(request, batch_id):
    batch = _get_batch(request, batch_id)
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff"  # Excel opens UTF-8 with a BOM correctly
        yield writer.writerow(["row", "column", "value", "reason"])
        errors = RowError.objects.filter(batch=batch).order_by("row", "id")
        for e in errors.iterator(chunk_size=2000):
            yield writer.writerow([e.row, safe_cell(e.column), safe_cell(e.value), e.reason])

    response = StreamingHttpResponse(
        storewall.in_same_scope(rows()), content_type="text/csv; charset=utf-8"
    )
    name = one_line(batch.filename.rsplit(".", 1)[0]).replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}-errors.csv"'
    return response


@require_POST
@manager_required
def undo(request, batch_id):
    batch = _get_batch(request, batch_id)
    try:
        result = actions.undo_import(batch, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Import undone: {result['deleted']} customers removed, "
            f"{result['restored']} customers' filled-in details emptied again.",
        )
    return redirect("imports:batch", batch_id=batch.public_id)


@require_POST
@dealer_admin_required
def export(request):
    """The store's ZIP is written by a background job; its page offers the download."""
    with transaction.atomic():
        job = enqueue(
            export_store,
            dealership=request.dealership,
            user=request.user,
            title=f"Export of {request.dealership.name}",
        )
        record(request, Verb.EXPORTED, job, what="everything the store holds")
    return redirect("jobs:detail", job_id=job.public_id)
