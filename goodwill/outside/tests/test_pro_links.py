"""A pro not on Goodwill to whom we sent a customer reports what happened through the
private link of the referral email: no login, expiring, rate-limited, one referral only;
the sender's ledger moves through the referral's own steps, and says it was the pro."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.dealerships.models import User
from goodwill.outside import actions
from goodwill.outside.models import ProLink
from goodwill.outside.tests.helpers import sent_to_kim
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_the_email_to_the_pro_carries_a_link_only_its_hash_is_kept(
    customer, alice, kim, django_capture_on_commit_callbacks
):
    referral, token = sent_to_kim(customer, alice, django_capture_on_commit_callbacks)
    link = ProLink.objects.get(referral=referral)
    assert link.token_hash == actions._hash(token) and token not in link.token_hash
    assert link.pro == kim and link.expires_at > timezone.now() + timedelta(days=59)
    assert len(token) >= 43  # secrets.token_urlsafe(32)
    # No customer data in the URL: the token is all there is.
    url = actions.pro_link_url(token)
    assert url.endswith(f"/p/{token}/") and "Robert" not in url and "555" not in url


def test_the_pro_reports_an_appointment_and_the_senders_ledger_shows_it(
    client, client_for, customer, alice, kim, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=alice.pk).update(email="alice@capitalford.example")
    referral, token = sent_to_kim(customer, alice, django_capture_on_commit_callbacks)
    page = client.get(f"/p/{token}/")
    assert page.status_code == 200
    assert "A Kia EV6" in page.text and "Alice Test" in page.text and "Appointment set" in page.text
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/p/{token}/", {"action": "appointment", "note": "Saturday 10 AM"})
    assert done.status_code == 302 and done["Location"] == f"/p/{token}/?reported=appointment"
    assert "now sees “Appointment set”" in client.get(done["Location"]).text
    referral.refresh_from_db()
    assert referral.status == Referral.Status.APPOINTMENT
    step = referral.events.get(verb="appointment")
    assert step.via == "pro_link" and step.actor is None
    assert "Kim Nguyen (Round Rock Kia) through their link: Saturday 10 AM" in step.note
    # The sender hears of it as of any step, and sees it on the referral and in the ledger.
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["alice@capitalford.example"], "Robert: appointment set")
    ]
    detail = client_for(alice).get(f"/referrals/{referral.public_id}/").text
    assert "Kim Nguyen (Round Rock Kia), through their link" in detail
    sent = client_for(alice).get("/referrals/?box=sent").text
    assert "Appointment set" in sent
    assert ProLink.objects.get(referral=referral).times_used == 1


def test_a_won_report_needs_the_value_and_a_lost_one_the_reason(
    client, customer, alice, kim, django_capture_on_commit_callbacks
):
    referral, token = sent_to_kim(customer, alice, django_capture_on_commit_callbacks)
    refused = client.post(f"/p/{token}/", {"action": "win", "value": ""})
    assert refused.status_code == 422 and "0 if you" in refused.text
    refused = client.post(f"/p/{token}/", {"action": "lose", "reason": " "})
    assert refused.status_code == 422 and "Say what happened" in refused.text
    refused = client.post(f"/p/{token}/", {"action": "send_back", "reason": "no"})
    assert refused.status_code == 422
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT
    with django_capture_on_commit_callbacks(execute=True):
        won = client.post(f"/p/{token}/", {"action": "win", "value": "$31,500"})
    assert won.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WON and str(referral.value) == "31500.00"
    page = client.get(f"/p/{token}/").text
    assert "Nothing more to report" in page
    # A step that no longer fits is refused with the lifecycle's words, nothing changes.
    again = client.post(f"/p/{token}/", {"action": "contact"})
    assert again.status_code == 422 and "cannot be marked contacted" in again.text


def test_nothing_but_the_one_referral_is_reachable_with_its_token(
    client, customer, alice, kim, django_capture_on_commit_callbacks
):
    referral, token = sent_to_kim(customer, alice, django_capture_on_commit_callbacks)
    other_customer = make_customer(
        customer.dealership, alice, first_name="Tina", phones={"mobile": "512-555-0199"}
    )
    other, other_token = sent_to_kim(
        other_customer, alice, django_capture_on_commit_callbacks, interest="A Kia Sorento"
    )
    page = client.get(f"/p/{token}/").text
    assert "A Kia EV6" in page and "Sorento" not in page and "Tina" not in page
    # Opening it signs nobody in: every staff page still asks for a login.
    for path in (
        "/referrals/",
        f"/referrals/{referral.public_id}/",
        f"/referrals/{other.public_id}/",
        f"/customers/{customer.public_id}/",
        "/outside/",
        f"/network/{kim.public_id}/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path
    # As an API credential it is nobody.
    api = client.get("/api/v1/referrals", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 401
    # A report through it moves its own referral only.
    client.post(f"/p/{token}/", {"action": "contact"})
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.CONTACTED
    assert Referral.objects.get(pk=other.pk).status == Referral.Status.SENT
    # Ids are not tokens: a referral's or a link's public id opens nothing.
    link = ProLink.objects.get(referral=referral)
    for guess in (referral.public_id, link.public_id, link.token_hash):
        assert client.get(f"/p/{guess}/").status_code == 404
    assert client.get(f"/p/{other_token}/").status_code == 200  # each its own


def test_an_expired_or_replaced_link_says_why_and_changes_nothing(
    client, client_for, customer, alice, kim, django_capture_on_commit_callbacks
):
    referral, token = sent_to_kim(customer, alice, django_capture_on_commit_callbacks)
    made = client_for(alice).post(f"/outside/referrals/{referral.public_id}/link/")
    assert made.status_code == 200 and "/p/" in made.text
    replaced = client.post(f"/p/{token}/", {"action": "contact"})
    assert replaced.status_code == 410 and "newer link" in replaced.text
    new = ProLink.objects.get(referral=referral, replaced_at__isnull=True)
    ProLink.objects.filter(pk=new.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    new_token = made.text.split("/p/")[1].split("/")[0]
    expired = client.post(f"/p/{new_token}/", {"action": "contact"})
    assert expired.status_code == 410 and "expired" in expired.text
    assert client.get("/p/not-a-token/").status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT


@override_settings(GOODWILL_PUBLIC_LINK_LIMIT=3)
def test_the_pros_link_is_rate_limited_by_address(
    client, customer, alice, kim, django_capture_on_commit_callbacks
):
    _, token = sent_to_kim(customer, alice, django_capture_on_commit_callbacks)
    assert [client.get(f"/p/{token}/").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get(f"/p/{token}/").status_code == 429
    assert client.get("/p/guess-one/").status_code == 429  # guessing costs the same
    assert client.get(f"/p/{token}/", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_only_the_sending_store_makes_a_new_link(
    client_for, bob, customer, alice, kim, carol_pro, django_capture_on_commit_callbacks
):
    referral, _ = sent_to_kim(customer, alice, django_capture_on_commit_callbacks)
    assert client_for(bob).post(f"/outside/referrals/{referral.public_id}/link/").status_code == 404
    response = ApiClient(alice).post("/pro-links", {"referral_id": str(referral.public_id)})
    assert response.status_code == 201 and "/p/" in response.json()["url"]
    refused = ApiClient(bob).post("/pro-links", {"referral_id": str(referral.public_id)})
    assert refused.status_code == 422
    # A pro on Goodwill works the referral in their inbox: no link.
    inbox = actions.can_have_link(
        Referral(kind=Referral.Kind.PARTNER, to_dealership_id=carol_pro.store_id, pro=carol_pro)
    )
    assert inbox is False
