"""Which job kinds exist: each app declares its own in `<app>/jobs.py`.

    from goodwill.jobs.registry import job

    @job("imports.commit", timeout=3600)
    def commit_import(job, *, batch_id: int) -> dict:
        ...                                  # job.progress(done, total, "Saving…")
        return {"created": 412}              # stored as the job's result (JSON)

    PERIODIC_JOBS = [(remind_unacknowledged, 300)]   # store-wide scans, every N seconds

Modules are found with Django's `autodiscover_modules("jobs")` (as the admin finds
`admin.py`), so this app imports no domain app."""

import sys
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

DEFAULT_TIMEOUT = 15 * 60
DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class JobKind:
    """An on-demand job: `func(job, **params)` runs in the worker."""

    kind: str
    func: object
    timeout: int = DEFAULT_TIMEOUT  # seconds; the worker stops it past this and retries it
    retries: int = DEFAULT_RETRIES  # further attempts after an error or a killed run
    # True: the whole function runs in one transaction (nothing half-applied). Long jobs set
    # False and open their own short write transaction after the slow reading part, so
    # progress stays visible and SQLite's one write lock is held briefly.
    atomic: bool = True


@dataclass(frozen=True)
class PeriodicJob:
    """An idempotent store-wide scan run every `every` seconds (rounded to minutes)."""

    name: str
    func: object
    every: int = field(default=300)


_kinds: dict[str, JobKind] = {}
_discovered = False


def job(
    kind: str,
    *,
    timeout: int = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    atomic: bool = True,
):
    """Declare a job kind. The decorated function stays callable directly."""

    def register(func):
        known = _kinds.get(kind)
        if known is not None and known.func.__qualname__ != func.__qualname__:
            raise ValueError(f"job kind {kind!r} is declared twice")
        _kinds[kind] = JobKind(kind, func, timeout=timeout, retries=retries, atomic=atomic)
        func.job_kind = kind
        return func

    return register


def discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("jobs")
        _discovered = True


def kind_of(kind_or_func) -> JobKind:
    discover()
    kind = getattr(kind_or_func, "job_kind", kind_or_func)
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(
            f"unknown job kind {kind!r}: declare it with @job in <app>/jobs.py"
        ) from None


def periodic_jobs() -> list[PeriodicJob]:
    """`PERIODIC_JOBS` of every app's `jobs.py`, named `<app label>.<function name>`."""
    discover()
    found = []
    for config in apps.get_app_configs():
        module = sys.modules.get(f"{config.name}.jobs")
        for func, every in getattr(module, "PERIODIC_JOBS", []):
            found.append(PeriodicJob(f"{config.label}.{func.__name__}", func, int(every)))
    return found


def periodic_job(name: str) -> PeriodicJob:
    for periodic in periodic_jobs():
        if periodic.name == name:
            return periodic
    raise LookupError(f"no periodic job {name!r}")
