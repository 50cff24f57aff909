"""Referral emails through a real SMTP server started in the test (aiosmtpd): the external
pro's lead with its ADF/XML attachment, the customer's introduction with the pro's vCard and
QR code, all parsed back the way another tool would read them."""

import email
import email.policy
import socket

import pytest
import vobject
from aiosmtpd.controller import Controller
from django.test import override_settings

from goodwill.customers.actions import set_consent
from goodwill.network.cards import pro_vcard, qr_png
from goodwill.referrals import actions
from goodwill.referrals.adf import parse_adf

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            yield inbox
    finally:
        controller.stop()


def _to(inbox, address):
    found = [m for rcpts, m in inbox.messages if address in rcpts]
    assert len(found) == 1, [m["Subject"] for _, m in inbox.messages]
    return found[0]


def _attachment(message, filename):
    for part in message.iter_attachments():
        if part.get_filename() == filename:
            return part
    raise AssertionError(
        f"no {filename} in {[p.get_filename() for p in message.iter_attachments()]}"
    )


def test_an_external_pro_receives_a_readable_lead_with_an_adf_attachment(
    smtp, customer, alice, kim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = actions.send_referral(
            customer,
            acting_user=alice,
            pro=kim,
            interest="a Kia EV6 for the commute",
            make="Kia",
            direction_method="in_person",
            note="Prefers texts after 5pm",
        )
    message = _to(smtp, "kim@roundrockkia.example")
    assert message["Subject"].strip() == "Referral: Robert Kowalski — a Kia EV6 for the commute"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Alice Test of Capital City Ford" in body and "(512) 555-0123" in body
    adf = _attachment(message, "lead.adf.xml")
    assert adf.get_content_type() == "application/xml"
    raw = adf.get_payload(decode=True)
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>')
    (lead,) = parse_adf(raw)
    assert lead["id"] == str(referral.public_id)
    assert (lead["first_name"], lead["last_name"]) == ("Robert", "Kowalski")
    assert lead["email"] == "bob.k@example.com" and lead["phone"] == "(512) 555-0123"
    assert lead["vehicles"][0]["make"] == "Kia"
    assert lead["vehicles"][0]["comments"] == "a Kia EV6 for the commute"
    assert lead["vendor"] == "Round Rock Kia" and "Prefers texts after 5pm" in lead["comments"]
    sender = vobject.readOne(_attachment(message, "sender.vcf").get_content())
    assert sender.fn.value == "Alice Test" and sender.org.value == ["Capital City Ford"]


def test_without_share_consent_the_adf_lead_carries_only_the_first_name(
    smtp, customer, alice, kim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_referral(customer, acting_user=alice, pro=kim, interest="a Kia Telluride")
    message = _to(smtp, "kim@roundrockkia.example")
    (lead,) = parse_adf(_attachment(message, "lead.adf.xml").get_payload(decode=True))
    assert lead["first_name"] == "Robert"
    assert lead["last_name"] == lead["email"] == lead["phone"] == ""
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Kowalski" not in body and "555-0123" not in body
    assert "only their first name was shared" in body


def test_the_customer_gets_an_introduction_with_the_pros_vcard_and_qr_code(
    smtp, customer, alice, kim, django_capture_on_commit_callbacks
):
    set_consent(customer, "email", granted=True, method="in_person", acting_user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_referral(customer, acting_user=alice, pro=kim, interest="a Kia EV6")
    message = _to(smtp, "bob.k@example.com")
    assert message["Subject"].strip() == "Meet Kim Nguyen at Round Rock Kia"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Phone: (512) 555-0150" in body and "100 Main St, Round Rock, TX 78664" in body
    assert "openstreetmap.org" in body and "I only passed on your first name" in body
    vcf = _attachment(message, "kim-nguyen.vcf")
    card = vobject.readOne(vcf.get_content())
    assert card.fn.value == "Kim Nguyen" and card.tel.value == "+15125550150"
    assert card.email.value == "kim@roundrockkia.example"
    assert card.adr.value.street == "100 Main St" and card.adr.value.code == "78664"
    qr = _attachment(message, "card-qr.png").get_payload(decode=True)
    assert qr.startswith(b"\x89PNG") and qr == qr_png(pro_vcard(kim))


def test_no_introduction_email_without_the_customers_email_consent(
    smtp, customer, alice, kim, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_referral(customer, acting_user=alice, pro=kim, interest="a Kia EV6")
    assert all("bob.k@example.com" not in rcpts for rcpts, _ in smtp.messages)


def test_a_pro_on_goodwill_gets_an_inbox_notice_and_the_sender_status_emails(
    smtp, customer, alice, carol_pro, carol, django_capture_on_commit_callbacks
):
    type(carol).objects.filter(pk=carol.pk).update(email="carol@lonestarhonda.example")
    type(alice).objects.filter(pk=alice.pk).update(email="alice@capitalford.example")
    alice.refresh_from_db()
    carol.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        referral = actions.send_referral(customer, acting_user=alice, pro=carol_pro, interest="x")
    notice = _to(smtp, "carol@lonestarhonda.example")
    assert f"/referrals/{referral.public_id}/" in notice.get_content()
    assert not any(p.get_filename() == "lead.adf.xml" for p in notice.iter_attachments())
    with django_capture_on_commit_callbacks(execute=True):
        actions.transition(referral, "acknowledge", acting_user=carol)
    status = _to(smtp, "alice@capitalford.example")
    assert "now: Acknowledged" in status.get_content()
