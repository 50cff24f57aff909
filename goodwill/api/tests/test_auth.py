"""Bearer tokens: the lookup loads the user and their store, and refuses
revoked tokens and deactivated staff."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from goodwill.api.auth import token_user
from goodwill.api.models import ApiToken
from goodwill.dealerships import actions as store_actions
from goodwill.dealerships.models import User

pytestmark = pytest.mark.django_db


def test_the_token_loads_the_user_and_store_exactly_as_the_orm_does(
    alice, django_assert_num_queries
):
    _, token = ApiToken.issue(alice)
    with django_assert_num_queries(1):
        loaded = token_user(token)
        assert loaded.dealership.pk == alice.dealership_id
    expected = User.objects.select_related("dealership").get(pk=alice.pk)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    for field in type(expected.dealership)._meta.concrete_fields:
        assert getattr(loaded.dealership, field.attname) == getattr(
            expected.dealership, field.attname
        ), field.name
    assert loaded._state.adding is False
    loaded.save(update_fields=["first_name"])  # a loaded instance saves like any other


def test_an_unknown_token_opens_nothing(client, alice):
    ApiToken.issue(alice)
    assert token_user("gw_not-a-token") is None
    response = client.get("/api/v1/customers", headers={"Authorization": "Bearer gw_nope"})
    assert response.status_code == 401


def test_a_revoked_token_stops_working_at_once(client, alice):
    _, token = ApiToken.issue(alice)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    out = io.StringIO()
    call_command("token", "alice", "--revoke", stdout=out)
    assert "Revoked 1 token(s) of alice" in out.getvalue()
    assert client.get("/api/v1/customers", headers=headers).status_code == 401
    assert ApiToken.objects.get(user=alice).revoked_at is not None


def test_a_deactivated_staff_members_token_stops_working(client, alice, dana):
    _, token = ApiToken.issue(alice)
    store_actions.deactivate_staff(alice, acting_user=dana, reassign_to=None, reason="Left")
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_token_in_use_stops_at_the_very_next_request(client, alice, dana):
    """The lookup is never cached: a token that just answered is refused on the next
    request once it expires, is revoked, or its holder is deactivated."""
    headers = {"Authorization": f"Bearer {ApiToken.issue(alice)[1]}"}
    row, token = ApiToken.issue(alice)
    expiring = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/customers", headers=expiring).status_code == 200
    row.expires_at = timezone.now() - timedelta(seconds=1)
    row.save(update_fields=["expires_at"])
    assert client.get("/api/v1/customers", headers=expiring).status_code == 401

    assert client.get("/api/v1/customers", headers=headers).status_code == 200
    store_actions.deactivate_staff(alice, acting_user=dana, reassign_to=None, reason="Left")
    assert client.get("/api/v1/customers", headers=headers).status_code == 401
