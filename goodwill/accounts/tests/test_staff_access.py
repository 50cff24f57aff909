"""Issue 12.3 and 11.8/11.9: invitations, passwords, and deactivation that is final."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from goodwill.api.models import ApiToken
from goodwill.api.testing import ApiClient
from goodwill.dealerships import actions
from goodwill.dealerships.models import Invitation, StaffEvent, User

pytestmark = pytest.mark.django_db
SITE = "https://crm.capitalcityford.example"


def _link_in(message) -> str:
    return next(line for line in message.body.splitlines() if line.startswith(SITE))


@override_settings(GOODWILL_SITE_URL=SITE)
def test_an_admin_invites_by_email_and_the_link_works_once(
    client_for, dana, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(dana).post(
            reverse("dealerships:invite"), {"email": "Nina@Example.com", "role": "sales_mgr"}
        )
    assert response.status_code == 302
    assert StaffEvent.objects.filter(verb="invited", actor=dana).exists()
    (message,) = mail.outbox
    assert message.to == ["nina@example.com"] and "Sales manager" in message.body
    link = _link_in(message)  # starts at GOODWILL_SITE_URL, never 127.0.0.1
    path = link.removeprefix(SITE)
    client.logout()
    page = client.get(path)
    assert page.status_code == 200 and "Join Capital City Ford" in page.text
    joined = client.post(
        path,
        {"first_name": "Nina", "last_name": "Park", "username": "nina", "password": "short"},
    )
    assert joined.status_code == 200 and "too short" in joined.text  # message, typed kept
    joined = client.post(
        path,
        {
            "first_name": "Nina",
            "last_name": "Park",
            "username": "nina",
            "password": "a-long-enough-secret",
        },
    )
    assert joined.status_code == 302
    nina = User.objects.get(username="nina")
    assert nina.role == "sales_mgr" and nina.dealership == dana.dealership
    reused = client.get(path)
    assert reused.status_code == 410 and "already used" in reused.text


def test_an_expired_resent_or_cancelled_invitation_link_says_so(client, dana):
    invitation, token = actions.invite_staff(
        dana.dealership, acting_user=dana, email="a@example.com", role="sales"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    expired = client.get(reverse("accept_invitation", args=[token]))
    assert expired.status_code == 410 and "expired" in expired.text
    new_token = actions.resend_invitation(invitation, acting_user=dana)
    assert client.get(reverse("accept_invitation", args=[token])).status_code == 410
    assert client.get(reverse("accept_invitation", args=[new_token])).status_code == 200
    actions.cancel_invitation(invitation, acting_user=dana)
    cancelled = client.get(reverse("accept_invitation", args=[new_token]))
    assert cancelled.status_code == 410 and "cancelled" in cancelled.text


def test_the_invitations_api(dana, alice):
    api = ApiClient(dana)
    created = api.post("/invitations", {"email": "sam@example.com", "role": "advisor"})
    assert created.status_code == 201 and created.json()["status"] == "pending"
    again = api.post("/invitations", {"email": "sam@example.com", "role": "advisor"})
    assert again.status_code == 422  # an open invitation exists: resend it instead
    invitation_id = created.json()["id"]
    assert api.post(f"/invitations/{invitation_id}/resend").status_code == 200
    cancelled = api.post(f"/invitations/{invitation_id}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert [i["email"] for i in api.get("/invitations").json()] == ["sam@example.com"]
    assert ApiClient(alice).get("/invitations").status_code == 403


@override_settings(GOODWILL_SITE_URL=SITE)
def test_forgot_password_mails_a_link_at_the_site_url_that_sets_a_new_password(client, alice):
    alice.email = "alice@example.com"
    alice.save(update_fields=["email"])
    assert client.post(reverse("password_reset"), {"email": "alice@example.com"}).status_code == 302
    (message,) = mail.outbox
    link = _link_in(message).removeprefix(SITE)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-secret-9", "new_password2": "brand-new-secret-9"},
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("brand-new-secret-9")


def test_staff_change_their_password(client_for, alice):
    client = client_for(alice)
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "another-long-secret",
            "new_password2": "another-long-secret",
        },
    )
    assert changed.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another-long-secret")


def test_deactivation_ends_sessions_and_tokens_at_once_and_reactivation_revives_neither(
    client, dana, alice
):
    client.force_login(alice)
    assert client.get(reverse("customers:list")).status_code == 200
    api = ApiClient(alice)
    assert api.get("/store").status_code == 200
    assert Session.objects.count() == 1
    actions.deactivate_staff(alice, acting_user=dana, reassign_to=None)
    assert Session.objects.count() == 0  # the rows are gone
    assert ApiToken.objects.filter(user=alice, revoked_at__isnull=True).count() == 0
    assert client.get(reverse("customers:list")).status_code == 302  # to the sign-in page
    assert api.get("/store", check_schema=False).status_code == 401
    actions.reactivate_staff(alice, acting_user=dana)
    # The old cookie and the old token stay dead; a fresh sign-in works.
    assert client.get(reverse("customers:list")).status_code == 302
    assert api.get("/store", check_schema=False).status_code == 401
    assert client.login(username="alice", password="correct-horse-battery")


def test_a_kept_session_cookie_is_refused_after_deactivation_even_if_the_row_survives(
    client, dana, alice
):
    client.force_login(alice)
    saved = {s.session_key: s.session_data for s in Session.objects.all()}
    actions.deactivate_staff(alice, acting_user=dana, reassign_to=None)
    actions.reactivate_staff(alice, acting_user=dana)
    for key, data in saved.items():  # a copy of the row (another session engine, a backup)
        Session.objects.create(
            session_key=key, session_data=data, expire_date=timezone.now() + timedelta(days=1)
        )
    assert client.get(reverse("customers:list")).status_code == 302
