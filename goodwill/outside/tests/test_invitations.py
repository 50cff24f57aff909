"""A pro can be invited to join Goodwill from their network entry: an email with a join
link (only its hash kept, expiring), sensible rules (an address, never again after a no,
once a week, three in all, twenty a store a day), recorded in the pro's history; accepting
sets up their own store through `setup_store` and links our entry to their new account."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.dealerships.models import StaffEvent, User
from goodwill.network import actions as network_actions
from goodwill.network.models import NetworkEvent, Pro
from goodwill.outside import actions
from goodwill.outside.models import ProInvitation

pytestmark = pytest.mark.django_db

JOIN = re.compile(r"https?://[^\s]+/join/([A-Za-z0-9_-]+)/")


def invite(client, pro, django_capture_on_commit_callbacks, note=""):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/outside/pros/{pro.public_id}/invite/", {"note": note})
    return response


def test_a_pro_is_invited_from_their_network_entry_and_sets_up_their_store(
    client, client_for, alice, kim, django_capture_on_commit_callbacks
):
    entry = client_for(alice).get(f"/network/{kim.public_id}/").text
    assert f"/outside/pros/{kim.public_id}/invite/" in entry
    sent = invite(client_for(alice), kim, django_capture_on_commit_callbacks, note="Join us!")
    assert sent.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["kim@roundrockkia.example"]
    assert message.subject == "Alice Test invites you to Goodwill" and "“Join us!”" in message.body
    token = JOIN.search(message.body).group(1)
    invitation = ProInvitation.objects.get(pro=kim)
    assert invitation.token_hash == actions._hash(token) and invitation.status == "sent"
    assert NetworkEvent.objects.filter(pro=kim, verb="invited_to_goodwill").exists()
    client.logout()
    page = client.get(f"/join/{token}/")
    assert page.status_code == 200 and 'value="Round Rock Kia"' in page.text
    refused = client.post(f"/join/{token}/", {"name": "Round Rock Kia", "makes": "Kia",
                                              "postal_code": "00000", "admin_username": "kim",
                                              "admin_password": "x"})  # fmt: skip
    assert refused.status_code == 422 and "ZIP" in refused.text
    assert not User.objects.filter(username="kim").exists()
    done = client.post(
        f"/join/{token}/",
        {
            "name": "Round Rock Kia",
            "makes": "Kia",
            "postal_code": "78664",
            "street": "100 Main St",
            "admin_username": "kim",
            "admin_password": "a-long-pass-phrase-9",
        },
    )
    assert done.status_code == 200 and "Round Rock Kia is on Goodwill" in done.text
    kim_user = User.objects.get(username="kim")
    assert kim_user.role == "admin" and kim_user.email == "kim@roundrockkia.example"
    store = kim_user.dealership
    assert store.city == "Round Rock" and store.makes == ["Kia"]
    kim.refresh_from_db()
    assert kim.user == kim_user and kim.store == store and kim.on_goodwill
    assert Pro.objects.filter(user=kim_user, listed=True).exists()  # in the directory now
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.joined_store == store
    assert StaffEvent.objects.get(dealership=store, verb="store_created").changes["via"] == [
        "",
        "pro_invitation",
    ]
    assert NetworkEvent.objects.filter(pro=kim, verb="joined_goodwill").exists()
    assert client.get(f"/join/{token}/").status_code == 410  # the link works once


def test_a_pro_who_says_no_is_never_asked_again(
    client, client_for, alice, kim, django_capture_on_commit_callbacks
):
    invite(client_for(alice), kim, django_capture_on_commit_callbacks)
    token = JOIN.search(mail.outbox[-1].body).group(1)
    client.logout()
    said_no = client.post(f"/join/{token}/", {"decision": "no"})
    assert said_no.status_code == 200 and "We won't ask again" in said_no.text
    assert ProInvitation.objects.get(pro=kim).status == "declined"
    again = invite(client_for(alice), kim, django_capture_on_commit_callbacks)
    assert again.status_code == 422 and "said no on" in again.text
    assert ProInvitation.objects.count() == 1


def test_the_invitation_rules(store_a, alice, kim, carol_pro):
    actions.invite_pro(kim, acting_user=alice)
    with pytest.raises(ValidationError, match="less than 7 days ago"):
        actions.invite_pro(kim, acting_user=alice)
    # A week later a new one replaces the first (whose link stops working).
    later = timezone.now() + timedelta(days=8)
    actions.invite_pro(kim, acting_user=alice, at=later)
    assert list(ProInvitation.objects.values_list("status", flat=True)) == ["sent", "cancelled"]
    actions.invite_pro(kim, acting_user=alice, at=later + timedelta(days=8))
    with pytest.raises(ValidationError, match="3 times already"):
        actions.invite_pro(kim, acting_user=alice, at=later + timedelta(days=16))
    with pytest.raises(ValidationError, match="on Goodwill already"):
        actions.invite_pro(carol_pro, acting_user=alice)
    no_email = network_actions.record_pro(
        store_a, acting_user=alice, store_name="Elgin Kia", first_name="Eli", makes=["Kia"]
    )
    with pytest.raises(ValidationError, match="Add Eli's email first"):
        actions.invite_pro(no_email, acting_user=alice)


def test_a_store_sends_at_most_twenty_invitations_a_day(store_a, alice):
    for n in range(actions.INVITATIONS_PER_STORE_PER_DAY):
        pro = network_actions.record_pro(
            store_a, acting_user=alice, store_name=f"Store {n}", first_name=f"P{n}",
            email=f"p{n}@example.com", makes=["Kia"],
        )  # fmt: skip
        actions.invite_pro(pro, acting_user=alice)
    one_more = network_actions.record_pro(
        store_a, acting_user=alice, store_name="One more", first_name="Ona",
        email="ona@example.com", makes=["Kia"],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="20 invitations today"):
        actions.invite_pro(one_more, acting_user=alice)


def test_an_expired_or_unknown_join_link_says_why(client, alice, kim):
    invitation, token = actions.invite_pro(kim, acting_user=alice)
    ProInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    expired = client.get(f"/join/{token}/")
    assert expired.status_code == 410 and "expired" in expired.text
    assert client.get("/join/not-a-token/").status_code == 404
    assert client.get(f"/join/{invitation.public_id}/").status_code == 404


def test_the_api_invites_a_pro_and_lists_the_invitations(
    alice, bob, kim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = ApiClient(alice).post("/pro-invitations", {"pro_id": str(kim.public_id)})
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "sent" and created.json()["email"] == kim.email
    assert len(mail.outbox) == 1
    again = ApiClient(alice).post("/pro-invitations", {"pro_id": str(kim.public_id)})
    assert again.status_code == 422
    listed = ApiClient(alice).get(f"/pro-invitations?pro_id={kim.public_id}")
    assert [i["id"] for i in listed.json()["items"]] == [created.json()["id"]]
    assert ApiClient(bob).get("/pro-invitations").json()["items"] == []
    stranger = ApiClient(bob).post("/pro-invitations", {"pro_id": str(kim.public_id)})
    assert stranger.status_code == 422
