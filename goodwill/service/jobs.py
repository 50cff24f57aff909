"""Background work of service, run by `goodwill worker`: the opportunity rules after each
RO is saved and the nightly pass over every RO.

`rules_after_save` is a job on the queue (`goodwill/jobs`), enqueued inside the transaction
that saved the RO, so it runs only if the RO was saved, is retried if it fails, and an import
of thousands of ROs does not wait for the rules. It is idempotent (one opportunity per rule
and RO), so a retry or a second save never raises an opportunity twice."""

import logging

from goodwill.jobs.registry import job
from goodwill.service import emails, runner

log = logging.getLogger("goodwill.service")


@job("service.rules_after_save", timeout=300, retries=3)
def rules_after_save(job=None, *, ro_pk: int) -> dict:
    """Returns how many opportunities the RO raised (stored as the job's result)."""
    outcome = runner.run_for_repair_order(ro_pk)
    return {"created": len(outcome.created)}


@job("service.rules_for_store", timeout=3600, retries=2)
def rules_for_store(job, *, refer: bool = False) -> dict:
    """Every RO of the job's store through the rules: after an RO import, whose rows skip
    the per-RO run. `refer=False` raises opportunities without sending them to sales."""
    return runner.run_store(job.dealership_id, refer=refer)


@job("service.introduction_email", timeout=300, retries=3)
def introduction_email(job=None, *, visit_pk: int) -> dict:
    """The advisor's introduction after a sale, retried when the mail server fails."""
    message = emails.send_introduction(visit_pk)
    return {"sent": message is not None}


def nightly_rules() -> dict:
    """Every RO of every store through every rule (catches ROs imported without a run,
    thresholds changed since, a downtime total crossed by another RO)."""
    return runner.run_all()


PERIODIC_JOBS = [(nightly_rules, 24 * 3600)]
