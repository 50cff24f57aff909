"""Background work of service, run by `goodwill worker`: the opportunity rules after each
RO is saved and the nightly pass over every RO.

`rules_after_save` is called on the commit of the transaction that saved the RO. It is a
plain function for now (it runs right after the commit); once the job queue lands
(`goodwill/jobs`) it is enqueued there instead, with the RO's id as its argument. Either way
it is idempotent (one opportunity per rule and RO)."""

import logging

from goodwill.service import runner

log = logging.getLogger("goodwill.service")


def rules_after_save(ro_pk: int) -> int:
    """Returns how many opportunities the RO raised."""
    outcome = runner.run_for_repair_order(ro_pk)
    return len(outcome.created)


def nightly_rules() -> dict:
    """Every RO of every store through every rule (catches ROs imported without a run,
    thresholds changed since, a downtime total crossed by another RO)."""
    return runner.run_all()


PERIODIC_JOBS = [(nightly_rules, 24 * 3600)]
