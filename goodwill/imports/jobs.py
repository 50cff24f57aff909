"""Imports and exports run as background jobs (goodwill/jobs): the web request only queues
them, the job page shows their progress."""

import os

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from goodwill.imports import actions
from goodwill.imports.export import write_export
from goodwill.imports.models import ImportBatch
from goodwill.imports.tables import tables
from goodwill.jobs.registry import job


def _batch_result(batch: ImportBatch) -> dict:
    return {
        "import_id": str(batch.public_id),
        "status": batch.status,
        "counts": batch.counts,
        "url": reverse("imports:batch", kwargs={"batch_id": batch.public_id}),
        "link_text": "See the import",
        "redirect": True,
    }


# Not one transaction around the job: `actions.run` is the transaction (a commit writes all
# rows or none), and a retry of a commit that did land finds the batch committed.
@job("imports.run", timeout=3600, atomic=False)
def run_import(job, *, batch_id: int, commit: bool) -> dict:
    """The dry run or the commit of an uploaded file, with progress through the file."""
    batch = ImportBatch.objects.select_related("dealership").get(
        pk=batch_id, dealership=job.dealership
    )
    if commit and batch.status == ImportBatch.Status.COMMITTED:
        return _batch_result(batch)  # an earlier attempt committed before its worker died

    def progress(rows: int, read: int, size: int) -> None:
        job.progress(read, size or None, f"{rows:,} rows read")

    job.progress(0, batch.size or None, "Reading the file", force=True)
    actions.run(batch, commit=commit, acting_user=job.created_by, progress=progress)
    c = batch.counts
    job.message = (
        f"Imported: {c['new'] + c['duplicate'] - c.get('skipped', 0):,} new customers, "
        f"{c['updated']:,} filled in, {c['invalid']:,} rows left out."
        if commit
        else f"Dry run done: {c['rows']:,} rows read, nothing changed yet."
    )
    return _batch_result(batch)


def exports_dir():
    path = settings.DATA_DIR / "jobs" / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@job("imports.export", timeout=3600, atomic=False)
def export_store(job) -> dict:
    """Everything the store holds as one ZIP (imports/export.py), offered on the job page.
    Written beside its final name and renamed at the end: a killed run leaves no half ZIP."""
    store = job.dealership
    steps = 1 + len(tables())
    done = []

    def progress(name: str, rows: int) -> None:
        if name not in done:
            done.append(name)
        job.progress(min(len(done), steps), steps, f"{name}: {rows:,} rows")

    path = exports_dir() / f"{job.public_id}.zip"
    partial = path.with_suffix(".part")
    with open(partial, "wb") as out:
        counts = write_export(store, out, progress=progress)
    os.replace(partial, path)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job.file_path, job.file_name = str(path), f"goodwill-{store.slug}-{stamp}.zip"
    job.message = f"{len(counts)} tables, {sum(counts.values()):,} rows"
    return {"counts": counts}
