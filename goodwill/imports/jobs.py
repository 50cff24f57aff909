"""Imports and exports run as background jobs (goodwill/jobs): the web request only queues
them, the job page shows their progress."""

from django.urls import reverse

from goodwill.imports import actions
from goodwill.imports.models import ImportBatch
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
