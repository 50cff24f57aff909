"""The Fails Department's periodic work, run by `goodwill worker`."""

from goodwill.fails.cadence import pace_follow_ups

PERIODIC_JOBS = [(pace_follow_ups, 900)]
