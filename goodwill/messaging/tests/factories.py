"""Store B's messaging objects for the tenancy walk: a template (A may not open it)."""

from goodwill.conftest import make_staff
from goodwill.messaging import actions


def store_b_objects(world) -> dict:
    manager = make_staff(world.store_b, "bianca", "sales_mgr")
    template = actions.save_template(
        world.store_b, acting_user=manager, name="Hello", body="Hi {first_name}"
    )
    return {"template_id": template.public_id}
