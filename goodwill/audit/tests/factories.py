"""Store B's audit entries for the tenancy walk (goodwill/core/tests/test_tenancy.py): the
walk's list pages (`/audit/`, its CSV) must not show them. The log has no routes with ids."""

from goodwill.audit.actions import Verb, record


def store_b_objects(world) -> dict:
    record(world.bob, Verb.VIEWED, world.customer)
    record(world.bob, Verb.SEARCHED, dealership=world.store_b, query="Hill Country Toyota")
    return {}
