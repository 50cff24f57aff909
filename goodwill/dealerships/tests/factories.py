"""Store B's staff objects for the tenancy walk (goodwill/core/tests/test_tenancy.py)."""

from goodwill.api.models import ApiToken
from goodwill.conftest import make_staff
from goodwill.dealerships import actions


def store_b_objects(world) -> dict:
    admin = make_staff(world.store_b, "bella", "admin")
    invitation, _ = actions.invite_staff(
        world.store_b, acting_user=admin, email="newhire@example.com", role="sales"
    )
    token, _ = ApiToken.issue(world.bob, name="store B's integration")
    return {"invitation_id": invitation.public_id, "token_id": token.public_id}
