"""RO import pages (service managers and admins): upload the DMS export, check and edit the
column mapping, dry run with counts and per-row errors, commit, undo."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from goodwill.core.tenancy import get_visible_or_404, manager_required
from goodwill.imports.models import ImportBatch
from goodwill.service import ro_import

ERRORS_SHOWN = 200


def _get_batch(request, batch_id) -> ImportBatch:
    return get_visible_or_404(
        ImportBatch.objects.for_dealership(request.dealership).filter(
            target=ImportBatch.Target.REPAIR_ORDERS
        ),
        public_id=batch_id,
    )


@manager_required
def upload(request):
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "Choose the CSV file your DMS exported.")
            return redirect("service:import")
        try:
            batch = ro_import.upload(
                request.dealership,
                acting_user=request.user,
                filename=upload.name,
                chunks=upload.chunks(),
                size=upload.size,
            )
        except ValidationError as exc:
            messages.error(request, f"{upload.name}: " + " ".join(exc.messages))
            return redirect("service:import")
        return redirect("service:import_batch", batch_id=batch.public_id)
    batches = ImportBatch.objects.for_dealership(request.dealership).filter(
        target=ImportBatch.Target.REPAIR_ORDERS
    )[:30]
    return render(request, "service/import.html", {"nav": "service", "batches": batches})


@manager_required
def batch(request, batch_id):
    batch = _get_batch(request, batch_id)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "mapping":
                ro_import.set_mapping(
                    batch,
                    {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(batch.headers)},
                )
                messages.success(request, "Mapping saved (and remembered for files like this).")
            elif step == "dry_run":
                ro_import.run(batch, commit=False, acting_user=request.user)
            elif step == "commit":
                ro_import.run(batch, commit=True, acting_user=request.user)
                messages.success(request, f"Imported {batch.counts.get('new', 0)} repair orders.")
            elif step == "undo":
                result = ro_import.undo(batch, acting_user=request.user)
                messages.success(
                    request,
                    f"Undone: {result['repair_orders']} ROs, {result['vehicles']} vehicles and "
                    f"{result['customers']} customers removed.",
                )
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        return redirect("service:import_batch", batch_id=batch.public_id)
    columns = [
        {"index": i, "header": h, "field": batch.mapping.get(h, "")}
        for i, h in enumerate(batch.headers)
    ]
    errors = list(batch.errors.all()[: ERRORS_SHOWN + 1])
    return render(
        request,
        "service/import_batch.html",
        {
            "nav": "service",
            "batch": batch,
            "columns": columns,
            "fields": ro_import.FIELDS,
            "problems": ro_import.mapping_problems(batch.mapping, batch.headers),
            "errors": errors[:ERRORS_SHOWN],
            "more_errors": len(errors) > ERRORS_SHOWN,
        },
    )
