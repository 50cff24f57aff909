"""Store B objects of this app for the tenancy walk (goodwill/core/tests/test_tenancy.py)."""

from goodwill.conftest import make_customer
from goodwill.dedupe import actions


def store_b_objects(world) -> dict:
    a = make_customer(
        world.store_b,
        world.bob,
        first_name="Tessa",
        last_name="Twin",
        phones={"mobile": "(737) 555-0190"},
    )
    b = make_customer(
        world.store_b,
        world.bob,
        first_name="Tess",
        last_name="Twin",
        phones={"mobile": "(737) 555-0190"},
    )
    actions.run_dedupe(world.store_b, acting_user=world.bob)
    cluster = world.store_b.duplicatecluster_set.get()
    c = make_customer(
        world.store_b,
        world.bob,
        first_name="Gus",
        last_name="Gone",
        phones={"mobile": "(737) 555-0191"},
    )
    d = make_customer(
        world.store_b,
        world.bob,
        first_name="Gus",
        last_name="Gone",
        phones={"mobile": "(737) 555-0192"},
    )
    merge = actions.merge_customers(c, d, acting_user=world.bob)
    assert a.pk and b.pk
    return {"cluster_id": cluster.public_id, "merge_id": merge.public_id}
