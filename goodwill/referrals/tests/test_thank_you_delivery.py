"""Thank-yous that reach people: in Goodwill for a pro or colleague (inbox and My day), by
email through the outreach rules for a customer (received here by a real SMTP server,
aiosmtpd), or as a printed letter; the task, the referral's history, the customer's history
and the ask log say which."""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.customers.actions import set_consent
from goodwill.myday.items import my_day
from goodwill.outreach.actions import update_settings
from goodwill.outreach.models import Ask
from goodwill.referrals import actions, thanks
from goodwill.referrals.models import ThankYou
from goodwill.referrals.tests.test_emails import smtp  # noqa: F401  the SMTP server fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_quiet_hours(store_a, mike):
    """Tests run at any hour: the store's quiet hours would hold an email back."""
    update_settings(store_a, acting_user=mike, quiet_from=time(0), quiet_until=time(0))


@pytest.fixture
def rita(store_a, alice):
    return make_customer(
        store_a,
        alice,
        first_name="Rita",
        last_name="Referrer",
        relationship="partner",
        phones={"mobile": "(512) 555-0144"},
        emails={"personal": "rita.r@example.com"},
        street="12 Oak St",
        city="Austin",
        region="TX",
        postal_code="78701",
    )


def _won_for(customer, alice, carol_pro, carol, **kw):
    referral = actions.send_referral(
        customer,
        acting_user=alice,
        pro=carol_pro,
        interest="a Honda Civic",
        at=timezone.now() - timedelta(hours=5),
        **kw,
    )
    actions.transition(referral, "win", acting_user=carol, value=Decimal("24000"))
    return referral


def _link_in(message) -> str:
    (path,) = re.findall(r"https?://[^/\s]+(/\S+)", message.get_content())
    return path


def test_a_pro_on_goodwill_gets_the_note_in_their_inbox_and_my_day_until_they_read_it(
    smtp,  # noqa: F811
    customer,
    alice,
    carol_pro,
    carol,
    client_for,
    django_capture_on_commit_callbacks,
):
    alice.email = "alice@capitalford.example"
    alice.save(update_fields=["email"])
    referral = _won_for(customer, alice, carol_pro, carol)
    task = ThankYou.objects.get(referral=referral, dealership=carol.dealership)
    assert task.to_user == alice and thanks.methods_for(task) == ["goodwill", "letter"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(carol).post(
            f"/referrals/thanks/{task.public_id}/send/",
            {"method": "goodwill", "message": "Alice, you made Robert's week. Thank you!"},
        )
    assert answer.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.method, task.done_by) == ("done", "goodwill", carol)
    assert referral.events.get(verb="thanked").note == (
        "Thank-you note sent in Goodwill to Alice Test (Capital City Ford)"
    )
    # Alice (another store) sees it on My day and in her referrals inbox …
    [item] = [i for i in my_day(alice).items if i.kind == "thank_you_received"]
    assert item.title == "Carol Test (Lone Star Honda)" and item.id == str(task.public_id)
    alice_client = client_for(alice)
    assert "Thank-yous for you" in alice_client.get("/referrals/").text
    # … and an email with the link; following it shows the note and marks it read.
    [(recipients, message)] = smtp.messages
    assert recipients == ["alice@capitalford.example"]
    assert message["Subject"] == "A thank-you from Carol Test (Lone Star Honda)"
    page = alice_client.get(_link_in(message))
    assert page.status_code == 200 and "you made Robert&#x27;s week" in page.text
    task.refresh_from_db()
    assert task.seen_at is not None
    assert not [i for i in my_day(alice).items if i.kind == "thank_you_received"]
    # The note is all Alice reads of store C: its letter page and other tasks stay closed.
    assert alice_client.get(f"/referrals/thanks/{task.public_id}/letter/").status_code == 404


def test_a_customer_who_referred_gets_the_note_by_email_with_consent(
    smtp,  # noqa: F811
    no_quiet_hours,
    rita,
    customer,
    alice,
    carol_pro,
    carol,
    client_for,
    django_capture_on_commit_callbacks,
):
    set_consent(rita, "email", granted=True, method="in_person", acting_user=alice)
    referral = _won_for(
        customer, alice, carol_pro, carol, referrer_kind="customer", referrer_customer=rita
    )
    task = ThankYou.objects.get(referral=referral, dealership=alice.dealership)
    assert task.to_customer == rita and thanks.methods_for(task) == ["email", "letter"]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(
            f"/referrals/thanks/{task.public_id}/send/",
            {"method": "email", "message": "Dear Rita,\n\nThank you for Robert!\n\nAlice"},
        )
    [(recipients, message)] = smtp.messages
    assert recipients == ["rita.r@example.com"]
    assert message["Subject"] == "Thank you, Rita"
    body = message.get_content().replace("\r\n", "\n")  # SMTP's line ends
    assert body.startswith("Dear Rita,\n\nThank you for Robert!") and "Capital City Ford" in body
    task.refresh_from_db()
    assert (task.status, task.method) == ("done", "email")
    ask = Ask.objects.get(customer=rita)
    assert (ask.kind, ask.channel, ask.key) == ("message", "email", f"thank-you:{task.public_id}")
    assert "email consent" in ask.basis
    assert rita.events.filter(verb="thank_you_sent", subject="By email").exists()
    assert referral.events.get(verb="thanked", actor=alice).note == (
        "Thank-you note emailed to Rita Referrer"
    )
    # Sending again sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        thanks.send_thank_you(task, method="email", acting_user=alice)
    assert len(smtp.messages) == 1 and Ask.objects.filter(customer=rita).count() == 1


def test_without_email_consent_the_note_is_not_sent_and_stays_to_do(
    no_quiet_hours, rita, customer, alice, carol_pro, carol, client_for
):
    referral = _won_for(
        customer, alice, carol_pro, carol, referrer_kind="customer", referrer_customer=rita
    )
    task = ThankYou.objects.get(referral=referral, dealership=alice.dealership)
    with pytest.raises(ValidationError) as refused:
        thanks.send_thank_you(task, method="email", acting_user=alice, message="Changed")
    assert refused.value.message_dict["method"] == [
        "Rita has not given consent to be contacted by email."
    ]
    answer = client_for(alice).post(
        f"/referrals/thanks/{task.public_id}/send/",
        {"method": "email", "message": "x"},
        follow=True,
    )
    assert "Not sent to Rita Referrer: Rita has not given consent" in answer.text
    task.refresh_from_db()
    assert task.status == "open" and task.message.startswith("Dear Rita")
    assert not Ask.objects.filter(customer=rita).exists()
    assert not referral.events.filter(verb="thanked").exists()


def test_a_note_goes_as_a_printed_letter_on_the_stores_letterhead(
    rita, customer, alice, carol_pro, carol, client_for
):
    referral = _won_for(
        customer, alice, carol_pro, carol, referrer_kind="friend", referrer_customer=rita
    )
    task = ThankYou.objects.get(referral=referral, dealership=alice.dealership)
    client = client_for(alice)
    preview = client.get(f"/referrals/thanks/{task.public_id}/letter/")
    assert preview.status_code == 200
    assert 'class="store">Capital City Ford<' in preview.text
    assert "Rita Referrer<br>12 Oak St<br>Austin, TX 78701<br>" in preview.text
    assert "Log it as a letter and print" in preview.text and "referrals/letter.css" in preview.text
    sent = client.post(
        f"/referrals/thanks/{task.public_id}/send/",
        {"method": "letter", "message": "Rita — thanks!"},
    )
    assert sent["Location"] == f"/referrals/thanks/{task.public_id}/letter/"
    letter = client.get(sent["Location"])
    assert "Rita — thanks!" in letter.text and "data-print" in letter.text
    assert "Log it as a letter" not in letter.text
    task.refresh_from_db()
    assert (task.status, task.method) == ("done", "letter")
    ask = Ask.objects.get(customer=rita)
    assert (ask.kind, ask.channel) == ("message", "letter")
    assert referral.events.get(verb="thanked").note == (
        "Thank-you note printed as a letter to Rita Referrer"
    )
    assert rita.events.filter(verb="thank_you_sent", subject="Printed letter").exists()


def test_a_letter_needs_a_postal_address_and_an_email_an_address(
    store_a, no_quiet_hours, customer, alice, carol_pro, carol
):
    friend = make_customer(store_a, alice, first_name="Nora", last_name="Noaddress")
    set_consent(friend, "email", granted=True, method="in_person", acting_user=alice)
    referral = _won_for(
        customer, alice, carol_pro, carol, referrer_kind="friend", referrer_customer=friend
    )
    task = ThankYou.objects.get(referral=referral, dealership=alice.dealership)
    for method, reason in (
        ("letter", "No postal address on file for Nora."),
        ("email", "No email address on file for Nora."),
        ("goodwill", "This note can go: by email, printed letter."),
    ):
        with pytest.raises(ValidationError) as refused:
            thanks.send_thank_you(task, method=method, acting_user=alice)
        assert refused.value.message_dict["method"] == [reason]
    task.refresh_from_db()
    assert task.status == "open"


def test_a_colleague_thanked_for_an_internal_referral_reads_it_in_goodwill(
    customer, alice, mike, client_for
):
    referral = actions.send_referral(customer, acting_user=mike, to_user=alice, interest="an F-150")
    actions.transition(referral, "win", acting_user=alice, value=Decimal("52000"))
    task = ThankYou.objects.get(referral=referral)
    assert task.to_user == mike and task.assigned_to == alice
    thanks.send_thank_you(task, method="goodwill", acting_user=alice)
    page = client_for(mike).get("/my-day/")
    assert "A thank-you for you" in page.text
    assert client_for(mike).get(f"/referrals/thanks/{task.public_id}/").status_code == 200
    assert not thanks.unread_for(mike).exists()


def test_a_thank_you_is_sent_through_the_api_and_a_refusal_is_a_422(
    no_quiet_hours, rita, customer, alice, carol_pro, carol
):
    referral = _won_for(
        customer, alice, carol_pro, carol, referrer_kind="customer", referrer_customer=rita
    )
    task = ThankYou.objects.get(referral=referral, dealership=alice.dealership)
    api = ApiClient(alice)
    refused = api.post(f"/thank-yous/{task.public_id}/send", {"method": "email"})
    assert refused.status_code == 422 and "consent" in str(refused.json())
    bad = api.post(f"/thank-yous/{task.public_id}/send", {"method": "pigeon"})
    assert bad.status_code == 422
    sent = api.post(f"/thank-yous/{task.public_id}/send", {"method": "letter", "message": "Hi"})
    assert sent.status_code == 200
    assert (sent.json()["method"], sent.json()["status"], sent.json()["message"]) == (
        "letter",
        "done",
        "Hi",
    )
    assert (
        ApiClient(carol)
        .post(f"/thank-yous/{task.public_id}/send", {"method": "letter"})
        .status_code
        == 404
    )


def test_a_pro_not_on_goodwill_who_sent_us_a_customer_gets_the_note_at_their_business_email(
    smtp,  # noqa: F811
    store_a,
    alice,
    mike,
    kim,
    client_for,
    django_capture_on_commit_callbacks,
):
    walt = make_customer(store_a, mike, first_name="Walt", phones={"mobile": "512-555-0170"})
    referral = actions.send_referral(
        walt, acting_user=mike, interest="a Maverick", to_user=alice, referrer_pro=kim,
        referrer_kind="partner",
    )  # fmt: skip
    actions.transition(referral, "win", acting_user=alice, value=Decimal("29000"))
    task = ThankYou.objects.get(referral=referral, to_pro=kim)
    assert thanks.methods_for(task) == ["email", "letter"]
    with django_capture_on_commit_callbacks(execute=True):
        thanks.send_thank_you(task, method="email", acting_user=mike)
    [(recipients, message)] = [m for m in smtp.messages if "kim@" in m[0][0]]
    assert recipients == ["kim@roundrockkia.example"] and message["Subject"] == "Thank you, Kim"
    assert "Dear Kim," in message.get_content()
    assert referral.events.get(verb="thanked").note == (
        "Thank-you note emailed to Kim Nguyen (Round Rock Kia)"
    )
    letter = client_for(mike).get(f"/referrals/thanks/{task.public_id}/letter/").text
    assert "Kim Nguyen<br>Round Rock Kia<br>100 Main St<br>Round Rock, TX 78664<br>" in letter
