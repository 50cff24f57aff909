"""Import pages (managers): upload, map the columns, dry run with counts and a row-by-row
error report, commit, undo. Export (dealer admin): the store's ZIP."""

import csv
import tempfile
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from goodwill.core.tenancy import dealer_admin_required, get_visible_or_404, staff_required
from goodwill.imports import actions
from goodwill.imports.export import safe_cell, write_export
from goodwill.imports.mapping import FIELDS
from goodwill.imports.models import ImportBatch, RowError

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
    return render(
        request,
        "imports/batch.html",
        {
            "nav": "imports",
            "batch": batch,
            "columns": [(h, batch.mapping.get(h, "")) for h in batch.headers],
            "fields": FIELDS.items(),
            "errors": errors[:ERRORS_SHOWN],
            "more_errors": len(errors) > ERRORS_SHOWN,
            "on_duplicate_choices": ImportBatch.OnDuplicate.choices,
            "editable": batch.status in (ImportBatch.Status.UPLOADED, ImportBatch.Status.CHECKED),
        },
    )


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
        actions.run(batch, commit=False, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:batch", batch_id=batch.public_id)


@require_POST
@manager_required
def commit(request, batch_id):
    batch = _get_batch(request, batch_id)
    try:
        actions.run(batch, commit=True, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, "Nothing was imported: " + " ".join(exc.messages))
    else:
        c = batch.counts
        messages.success(
            request,
            f"Imported: {c['new'] + c['duplicate'] - c.get('skipped', 0)} new customers, "
            f"{c['updated']} filled in, {c['invalid']} rows left out.",
        )
    return redirect("imports:batch", batch_id=batch.public_id)


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

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    name = batch.filename.rsplit(".", 1)[0].replace('"', "")
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
    # FileResponse closes it when the download ends.
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    write_export(request.dealership, spool)
    spool.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        spool, as_attachment=True, filename=f"goodwill-{request.dealership.slug}-{stamp}.zip"
    )
