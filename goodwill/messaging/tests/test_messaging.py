from datetime import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from twilio.request_validator import RequestValidator

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.customers.models import Consent, CustomerEvent
from goodwill.fails import cadence
from goodwill.fails.models import FollowUp
from goodwill.messaging import actions
from goodwill.messaging.models import Message
from goodwill.messaging.tests.conftest import STORE_NUMBER, TOKEN
from goodwill.myday.items import my_day
from goodwill.outreach import actions as outreach_actions
from goodwill.outreach.models import Ask

pytestmark = pytest.mark.django_db
WEBHOOK = "/api/v1/messages/inbound/twilio"
SITE = "https://crm.example.com"


def inbound(client, settings, body, *, sender="+15125550123", to=STORE_NUMBER, sign=True):
    """What Twilio posts for a text from `sender`, signed as Twilio signs it."""
    settings.GOODWILL_SITE_URL = SITE
    params = {"From": sender, "To": to, "Body": body, "MessageSid": "SM" + "0" * 32}
    headers = {}
    if sign:
        signature = RequestValidator(TOKEN).compute_signature(SITE + WEBHOOK, params)
        headers["X-Twilio-Signature"] = signature
    return client.post(WEBHOOK, params, headers=headers)


def send(customer, user, body="Hi {first_name}, it's {my_first_name} at {store}.", **kw):
    return actions.send_message(
        customer, channel=kw.pop("channel", "text"), body=body, by=user, **kw
    )


def test_a_text_goes_out_through_the_backend_counted_and_on_the_timeline(
    texter, alice, texting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = send(texter, alice)
    message.refresh_from_db()
    assert (
        message.status == "sent" and message.body == "Hi Robert, it's Alice at Capital City Ford."
    )
    assert texting == [
        {"sid": "mem-1", "to": "+15125550123", "from": STORE_NUMBER, "body": message.body}
    ]
    assert message.ask.kind == Ask.Kind.MESSAGE and message.ask.channel == "text"
    event = CustomerEvent.objects.get(customer=texter, verb="text_sent")
    assert event.actor == alice and event.reason == message.body


def test_no_text_without_consent_and_the_reason_says_why(customer, alice, store_number):
    with pytest.raises(ValidationError) as refused:
        send(customer, alice)
    assert refused.value.message_dict["channel"] == [
        "Robert has not given consent to be contacted by text message."
    ]
    assert not Message.objects.exists() and not Ask.objects.exists()


def test_the_contact_cap_counts_texts(texter, alice):
    send(texter, alice)
    send(texter, alice)
    with pytest.raises(ValidationError, match="at most 2"):
        send(texter, alice)


def test_quiet_hours_follow_the_stores_time_zone(texter, alice, mike, store_a):
    outreach_actions.update_settings(
        store_a, acting_user=mike, quiet_from=time(0, 0), quiet_until=time(23, 59)
    )
    with pytest.raises(ValidationError, match="Quiet hours"):
        send(texter, alice)


def test_a_template_fills_its_placeholders_and_refuses_unknown_ones(texter, alice, mike, store_a):
    template = actions.save_template(
        store_a, acting_user=mike, name="Thanks", body="Thanks {first_name}! {my_name}, {store}"
    )
    message = actions.send_message(texter, channel="text", body="", template=template, by=alice)
    assert message.body == "Thanks Robert! Alice Test, Capital City Ford"
    with pytest.raises(ValidationError) as bad:
        actions.save_template(store_a, acting_user=mike, name="Bad", body="Hi {frist_name}")
    assert "Unknown placeholder {frist_name}" in bad.value.message_dict["body"][0]
    with pytest.raises(ValidationError, match="not closed"):
        send(texter, alice, body="Hi {first_name")


def test_an_email_goes_through_djangos_email(texter, alice, django_capture_on_commit_callbacks):
    alice.email = "alice@capitalford.example"
    alice.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        send(texter, alice, channel="email", body="Your quote is ready, {first_name}.")
    [email] = mail.outbox
    assert email.to == ["bob.k@example.com"] and email.reply_to == [alice.email]
    assert email.body == "Your quote is ready, Robert."
    assert email.subject == "From Alice Test at Capital City Ford"


def test_a_text_from_a_follow_up_line_is_that_follow_ups_contact(texter, alice):
    follow_up = cadence.schedule(texter, FollowUp.Kind.BE_BACK, owner=alice)[0]
    message = send(texter, alice, follow_up=follow_up)
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.ask == message.ask
    assert Ask.objects.filter(customer=texter).count() == 1  # counted once
    assert message.ask.kind == Ask.Kind.FOLLOW_UP


def test_a_reply_lands_on_the_timeline_and_in_the_writers_my_day(
    client, settings, texter, alice, mike
):
    send(texter, mike)  # mike wrote last: the reply is his
    response = inbound(client, settings, "Is the truck still there?")
    assert response.status_code == 200 and "<Response>" in response.text
    reply = Message.objects.get(direction="in")
    assert reply.customer == texter and reply.recipient == mike
    assert CustomerEvent.objects.filter(customer=texter, verb="text_received").exists()
    [item] = [i for i in my_day(mike).items if i.kind == "message"]
    assert item.detail == "Is the truck still there?"
    assert not [i for i in my_day(alice).items if i.kind == "message"]


def test_an_unsigned_or_forged_webhook_is_refused(client, settings, texter):
    assert inbound(client, settings, "STOP", sign=False).status_code == 403
    forged = client.post(
        WEBHOOK, {"From": "+15125550123", "To": STORE_NUMBER, "Body": "STOP"},
        headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    )  # fmt: skip
    assert forged.status_code == 403
    assert Consent.objects.get(customer=texter, channel="text").granted


def test_stop_withdraws_text_consent_at_once_and_is_confirmed_once(
    client, settings, texter, alice, texting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound(client, settings, "Stop").status_code == 200
    consent = Consent.objects.get(customer=texter, channel="text")
    assert not consent.granted and consent.method == "text" and consent.recorded_by is None
    assert consent.wording == f"Texted “Stop” to {STORE_NUMBER}"
    event = CustomerEvent.objects.get(customer=texter, verb="consent_withdrawn")
    assert event.changes["method"] == ["", "By text message"]
    assert [t["body"] for t in texting] == [
        "Capital City Ford: you will get no more texts from us. Reply START to receive texts again."
    ]
    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, settings, "UNSUBSCRIBE")
    assert len(texting) == 1  # confirmed once
    with pytest.raises(ValidationError, match="withdrew consent to be contacted by text"):
        send(texter, alice)

    with django_capture_on_commit_callbacks(execute=True):
        inbound(client, settings, "START")
    assert Consent.objects.get(customer=texter, channel="text").granted
    assert texting[-1]["body"] == "Capital City Ford: texts are back on. Reply STOP to stop them."
    send(texter, alice)


@pytest.mark.parametrize("word", ["STOPALL", "cancel", "End", "quit."])
def test_every_stop_word_withdraws(client, settings, texter, word):
    inbound(client, settings, word)
    assert not Consent.objects.get(customer=texter, channel="text").granted


def test_a_text_from_an_unknown_number_is_acknowledged_and_dropped(client, settings, texter):
    assert inbound(client, settings, "hello", sender="+15125559999").status_code == 200
    assert not Message.objects.exists()


def test_the_conversation_page_sends_and_shows_the_refusal(client_for, texter, alice):
    client = client_for(alice)
    url = reverse("messaging:conversation", kwargs={"customer_id": texter.public_id})
    sent = client.post(url, {"channel": "text", "body": "On my way, {first_name}"})
    assert sent.status_code == 302
    page = client.get(url).text
    assert "On my way, Robert" in page and "is on its way" in page
    client.post(url, {"channel": "text", "body": "Second"})
    refused = client.post(url, {"channel": "text", "body": "Third"})
    assert refused.status_code == 422 and "at most 2" in refused.text
    assert "Third" in refused.text  # what was typed comes back


def test_another_stores_customer_is_a_404(client_for, bob, customer):
    url = reverse("messaging:conversation", kwargs={"customer_id": customer.public_id})
    assert client_for(bob).get(url).status_code == 404


def test_templates_page_is_for_managers(client_for, alice, mike, store_a):
    assert client_for(alice).get(reverse("messaging:templates")).status_code == 403
    client = client_for(mike)
    bad = client.post(
        reverse("messaging:templates"), {"name": "X", "channel": "text", "body": "{x}"}
    )
    assert bad.status_code == 422 and "Unknown placeholder {x}" in bad.text
    client.post(
        reverse("messaging:templates"),
        {"name": "Hello", "channel": "text", "body": "Hi {first_name}", "active": "on"},
    )
    assert "Hi {first_name}" in client.get(reverse("messaging:templates")).text
    number = client.post(reverse("messaging:number"), {"sms_number": "not a phone"})
    assert number.status_code == 422 and "Enter a phone number" in number.text


def test_the_api_sends_lists_and_refuses_with_the_reason(texter, alice, mike, store_a):
    api = ApiClient(alice)
    sent = api.post("/messages", {"customer_id": str(texter.public_id), "body": "Hi {first_name}"})
    assert sent.status_code == 201 and sent.json()["body"] == "Hi Robert"
    listed = api.get(f"/messages?customer_id={texter.public_id}").json()
    assert [m["body"] for m in listed] == ["Hi Robert"]
    other = make_customer(store_a, alice, first_name="Nora", phones={"mobile": "512 555 0142"})
    refused = api.post("/messages", {"customer_id": str(other.public_id), "body": "Hi"})
    assert refused.status_code == 422
    assert "has not given consent" in refused.json()["detail"][0]["msg"]
    made = ApiClient(mike).post("/message-templates", {"name": "Hi", "body": "Hi {first_name}"})
    assert made.status_code == 201
    assert (
        ApiClient(alice).post("/message-templates", {"name": "X", "body": "x"}).status_code == 403
    )
    assert [t["name"] for t in api.get("/message-templates").json()] == ["Hi"]
