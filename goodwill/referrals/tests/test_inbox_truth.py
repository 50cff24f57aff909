"""The inbox tells the truth (issue 15, point 5): Mine / My store / Sent, overdue first, what I
sent never shows as received; the customer's email never quotes the private note; the
outside pro's email closes with the sender's own words."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from goodwill.customers.actions import set_consent
from goodwill.network import actions as network_actions
from goodwill.referrals import actions
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db

NOTE = "has her heart set on a Toyota"


def _sent(django_capture_on_commit_callbacks, customer, alice, kim, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return actions.send_referral(
            customer, acting_user=alice, pro=kim, interest="a Kia EV6", note=NOTE, **extra
        )


def test_the_customers_email_never_quotes_the_salespersons_note(
    customer, alice, kim, django_capture_on_commit_callbacks
):
    set_consent(customer, "email", granted=True, method="in_person", acting_user=alice)
    set_consent(customer, "share", granted=True, method="in_person", acting_user=alice)
    mail.outbox.clear()
    _sent(django_capture_on_commit_callbacks, customer, alice, kim, direction_method="in_person")
    [intro] = [m for m in mail.outbox if m.to == ["bob.k@example.com"]]
    assert intro.subject == "Meet Kim Nguyen at Round Rock Kia"
    assert NOTE not in intro.body and "heart set" not in intro.body
    assert all(NOTE not in a[1] for a in intro.attachments if isinstance(a[1], str))
    [lead] = [m for m in mail.outbox if m.to == ["kim@roundrockkia.example"]]
    assert NOTE in lead.body  # the pro is told; the customer never reads it


def test_the_outside_pros_email_closes_with_the_senders_own_words(
    customer, alice, kim, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    _sent(django_capture_on_commit_callbacks, customer, alice, kim)
    [lead] = [m for m in mail.outbox if m.to == ["kim@roundrockkia.example"]]
    assert "commercial-truck" not in lead.body
    assert lead.body.rstrip().endswith("Alice Test\nCapital City Ford")

    card = network_actions.publish_card(alice)
    network_actions.edit_card(card, acting_user=alice, card_line="Send me your Mustang buyers!")
    mail.outbox.clear()
    _sent(django_capture_on_commit_callbacks, customer, alice, kim)
    [lead] = [m for m in mail.outbox if m.to == ["kim@roundrockkia.example"]]
    closing = "Please let me know how it goes.\nSend me your Mustang buyers!\n\nAlice Test"
    assert closing in lead.body
    assert "commercial-truck" not in lead.body


def _rows(client, box=""):
    page = client.get("/referrals/" + (f"?box={box}" if box else "")).text
    return page[page.index('id="results"') :]


def test_a_referral_i_sent_inside_my_store_is_never_in_my_received_box(
    client_for, customer, alice, mike
):
    actions.send_referral(customer, acting_user=alice, to_user=mike, interest="a trade-in look")
    client = client_for(alice)
    assert "a trade-in look" not in _rows(client)
    assert "a trade-in look" not in _rows(client, "mine")
    assert "a trade-in look" in _rows(client, "sent")
    client = client_for(mike)
    assert "a trade-in look" in _rows(client, "mine")
    assert "a trade-in look" in _rows(client)


def test_mine_lists_what_was_sent_to_me_and_overdue_comes_first(
    client_for, customer, alice, mike, dana
):
    old = actions.send_referral(customer, acting_user=mike, to_user=alice, interest="an old one")
    actions.send_referral(customer, acting_user=mike, to_user=alice, interest="a new one")
    actions.send_referral(customer, acting_user=mike, to_user=dana, interest="for dana")
    Referral.objects.filter(pk=old.pk).update(
        sent_at=timezone.now() - timedelta(days=3),
        ack_due_at=timezone.now() - timedelta(days=2),
    )
    rows = _rows(client_for(alice), "mine")
    assert "for dana" not in rows
    assert rows.index("an old one") < rows.index("a new one")  # overdue first, then newest
    assert rows.count("Overdue") == 1
    store = _rows(client_for(dana))
    assert "an old one" in store and "for dana" in store


def test_a_friend_who_arrives_through_my_card_is_in_mine(client_for, customer, alice, mike):
    """A card or link arrival is recorded as sent by its receiver (an action needs an actor):
    it is received work, not something the receiver sent."""
    actions.send_referral(
        customer,
        acting_user=alice,
        to_user=alice,
        interest="a friend's F-150",
        source=Referral.Source.CARD,
    )
    client = client_for(alice)
    assert "a friend&#x27;s F-150" in _rows(client, "mine")
    assert "a friend&#x27;s F-150" in _rows(client)
    assert "a friend&#x27;s F-150" not in _rows(client_for(mike), "mine")
