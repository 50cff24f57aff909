"""Promoters (9–10) are invited once, on the thank-you page: their own referral link and QR
code, and "introduce a friend". Whoever arrives becomes a referral credited to the promoter
and counted as earned; passives and detractors are never invited."""

import re

import pytest

from goodwill.customers.models import Consent, Customer, CustomerEvent
from goodwill.feedback import actions
from goodwill.feedback.models import ReferralLink
from goodwill.feedback.tests.helpers import run_survey_jobs, sell, sent_survey
from goodwill.outreach.models import Ask
from goodwill.referrals.ledger import earned_report
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db

FRIEND = {
    "friend-first_name": "Maria",
    "friend-last_name": "Lopez",
    "friend-phone": "(512) 555-0199",
    "friend-email": "maria.l@example.com",
    "friend-interest": "a family SUV",
    "friend-consent": "on",
}


def _promoter(client, customer, alice, score="10"):
    survey, token = sent_survey(customer, alice)
    client.post(f"/s/{token}/", {"score": score, "comment": "Loved it"})
    return survey, token


def _link_path(page_text) -> str:
    found = re.search(r'value="https?://[^"/]+(/r/[A-Za-z0-9_-]+/)"', page_text)
    assert found, "no referral link on the page"
    return found.group(1)


def test_a_promoter_is_invited_once_with_their_own_link_and_qr_code(client, customer, alice):
    survey, token = _promoter(client, customer, alice)
    page = client.get(f"/s/{token}/thanks/")
    assert page.status_code == 200
    assert "your own referral link" in page.text and "<svg" in page.text
    assert "Introduce my friend" in page.text
    path = _link_path(page.text)
    assert token not in path and "Kowalski" not in path
    invite = Ask.objects.get(customer=customer, kind="referral_invite")
    assert invite.channel == "web" and invite.key == f"invite:{survey.event_key}"
    link = ReferralLink.objects.get(customer=customer)
    assert link.staff == alice and link.token_hash and path.split("/")[2] not in link.token_hash
    # Changing the answer or reloading the page invites nobody again; the link stays.
    client.post(f"/s/{token}/", {"score": "9", "comment": "Still great"})
    again = client.get(f"/s/{token}/thanks/")
    assert _link_path(again.text) == path
    assert Ask.objects.filter(customer=customer, kind="referral_invite").count() == 1


def test_a_friend_arriving_through_the_link_becomes_an_earned_referral_of_the_promoter(
    client, customer, alice
):
    _, token = _promoter(client, customer, alice)
    path = _link_path(client.get(f"/s/{token}/thanks/").text)
    form = client.get(path)
    assert form.status_code == 200 and "Robert sent you to Capital City Ford" in form.text
    done = client.post(path, FRIEND)
    assert done.status_code == 200 and "will be in touch" in done.text
    friend = Customer.objects.get(first_name="Maria")
    assert friend.primary_email == "maria.l@example.com" and friend.salesperson == alice
    referral = Referral.objects.get(customer=friend)
    assert referral.kind == "internal" and referral.to_user == alice
    assert referral.referrer_customer == customer and referral.referrer_kind == "customer"
    assert referral.source == "card" and referral.earned and referral.interest == "a family SUV"
    assert earned_report(customer.dealership)["sent"]["earned"] == 1
    consents = {c.channel: c for c in Consent.objects.filter(customer=friend)}
    assert set(consents) == {"email", "text"} and consents["email"].method == "web"
    assert consents["email"].wording.startswith("I agree that Capital City Ford may contact me")
    assert CustomerEvent.objects.filter(customer=customer, verb="friend_introduced").exists()
    assert ReferralLink.objects.get(customer=customer).arrivals == 1


def test_a_promoter_introduces_a_friend_in_one_tap_with_the_friends_consent(
    client, customer, alice
):
    _, token = _promoter(client, customer, alice)
    sent = client.post(f"/s/{token}/thanks/", FRIEND)
    assert sent.status_code == 302 and sent["Location"].endswith("?introduced=1")
    assert "we will be in touch with your friend" in client.get(sent["Location"]).text
    friend = Customer.objects.get(first_name="Maria")
    referral = Referral.objects.get(customer=friend)
    assert referral.referrer_customer == customer and referral.earned
    assert "introduced by Robert Kowalski" in referral.shared_note
    wording = Consent.objects.get(customer=friend, channel="email").wording
    assert wording.startswith("My friend agreed that Capital City Ford may contact them")


def test_no_consent_no_contact_details_or_a_bad_phone_get_a_message_per_field(
    client, customer, alice
):
    _, token = _promoter(client, customer, alice)
    for change in (
        {"friend-consent": ""},
        {"friend-phone": "", "friend-email": ""},
        {"friend-phone": "12", "friend-email": ""},
        {"friend-email": "not-an-email"},
        {"friend-first_name": ""},
    ):
        data = {k: v for k, v in (FRIEND | change).items() if v}
        page = client.post(f"/s/{token}/thanks/", data)
        assert page.status_code == 422, change
        assert 'role="alert"' in page.text, change
    assert not Customer.objects.filter(first_name="Maria").exists()
    assert not Referral.objects.exists()


def test_someone_the_store_knows_is_found_not_duplicated_and_their_consent_untouched(
    client, customer, alice
):
    _, token = _promoter(client, customer, alice)
    path = _link_path(client.get(f"/s/{token}/thanks/").text)
    client.post(path, FRIEND | {"friend-phone": "(512) 555-0123", "friend-email": ""})
    # The phone is Robert's own: the referral is about the person the store knows.
    referral = Referral.objects.get()
    assert referral.customer == customer
    assert not Consent.objects.filter(customer=customer, channel="text").exists()
    assert Customer.objects.count() == 1


def test_a_link_brings_in_at_most_five_friends_a_day(client, customer, alice):
    _, token = _promoter(client, customer, alice)
    link = ReferralLink.objects.get(customer=customer)
    for n in range(5):
        actions.refer_friend(
            link,
            first_name=f"Friend{n}",
            email=f"friend{n}@example.com",
            consent=True,
            consent_wording="test",
            by_promoter=False,
        )
    path = _link_path(client.get(f"/s/{token}/thanks/").text)
    page = client.post(path, FRIEND)
    assert page.status_code == 422 and "plenty for today" in page.text


@pytest.mark.parametrize("score", ["7", "8", "3", "0"])
def test_passives_and_detractors_are_never_invited(client, customer, alice, score):
    _, token = _promoter(client, customer, alice, score=score)
    page = client.get(f"/s/{token}/thanks/")
    assert page.status_code == 200 and "referral link" not in page.text
    assert "Introduce" not in page.text
    assert not Ask.objects.filter(kind="referral_invite").exists()
    assert not ReferralLink.objects.exists()
    assert client.post(f"/s/{token}/thanks/", FRIEND).status_code == 404
    assert not Referral.objects.exists()


def test_a_promoter_invited_recently_is_not_invited_again_by_the_next_survey(
    client, customer, alice
):
    _promoter(client, customer, alice)
    # A second sale and its survey: the 90-day invitation cap holds.
    sell(customer, alice, vehicle="2026 Ford Maverick")
    run_survey_jobs(10)  # after the weekly cap the first survey and invitation filled
    second = customer.surveys.get(status="sent", subject="your 2026 Ford Maverick")
    actions.answer_survey(second, score=10)
    assert actions.invitation_for(second) is None
    assert Ask.objects.filter(customer=customer, kind="referral_invite").count() == 1


def test_each_token_opens_only_its_own_page(client, customer, alice):
    _, token = _promoter(client, customer, alice)
    path = _link_path(client.get(f"/s/{token}/thanks/").text)
    referral_token = path.split("/")[2]
    assert client.get(f"/s/{referral_token}/").status_code == 404
    assert client.get(f"/s/{referral_token}/thanks/").status_code == 404
    assert client.get(f"/r/{token}/").status_code == 404
    assert client.get("/customers/").status_code == 302  # still nobody signed in
