"""The bulk duplicate run as a background job: scoring a large store takes minutes."""

from django.urls import reverse

from goodwill.dedupe import actions
from goodwill.jobs.registry import job


# Not one transaction around it: `run_dedupe` scores outside any transaction and replaces
# the open proposals in one short one at the end, so a killed run changes nothing.
@job("dedupe.run", timeout=3600, atomic=False)
def find_duplicates(job) -> dict:
    def progress(step: str, count: int) -> None:
        job.progress(
            count, None, f"{count:,} customers loaded" if step == "loaded" else
            f"{count:,} pairs compared"
        )  # fmt: skip

    run = actions.run_dedupe(job.dealership, acting_user=job.created_by, progress=progress)
    job.message = (
        f"Compared {run.customers_scanned} customers in {run.seconds:.1f} s: "
        f"{run.clusters_found} possible duplicate groups."
    )
    return {
        "clusters": run.clusters_found,
        "customers": run.customers_scanned,
        "url": reverse("dedupe:review"),
        "redirect": True,
    }
