"""The queue's own upkeep, on its scheduler like every app's scans."""

from goodwill.jobs.queue import sweep

PERIODIC_JOBS = [(sweep, 60)]
