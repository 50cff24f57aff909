"""The receiving store reads a referral only through the snapshot taken under the customer's
share consent (issue 11, findings 2 and 3). Everything the receiving store can read about a
referral — every page, API answer, email and its export — is gathered, and the sending store's
private fields must be absent: the sender's note, the customer's last name, phone and email
without consent, and the referrer customer of the sending store (name, phone, email) always."""

import importlib
import json
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer, make_staff
from goodwill.referrals import actions, thanks
from goodwill.referrals.models import Referral, ReferralEvent, Reward, ThankYou

pytestmark = pytest.mark.django_db

NOTE = "Call him on 512-555-0199 after 6, he is going through a divorce"
CUSTOMER_PRIVATE = ["Kowalski", "555-0123", "5550123", "bob.k@example.com"]
REFERRER_PRIVATE = ["Rita", "Referrer", "555-0144", "5550144", "rita.r@example.com"]
NOTE_PRIVATE = ["555-0199", "divorce"]


@pytest.fixture
def won_referral(
    store_a, store_c, alice, carol, carol_pro, customer, django_capture_on_commit_callbacks
):
    """Alice (store A) sends her customer to Carol (store C) on behalf of a referrer customer;
    Carol works and wins it with a reward; Alice thanks her referrer."""
    carol.email = "carol@lonestar.example"
    carol.save(update_fields=["email"])
    make_staff(store_c, "cody", "sales_mgr", email="cody@lonestar.example")
    referrer = make_customer(
        store_a,
        alice,
        first_name="Rita",
        last_name="Referrer",
        phones={"mobile": "(512) 555-0144"},
        emails={"personal": "rita.r@example.com"},
        street="12 Oak St",
        city="Austin",
        region="TX",
        postal_code="78701",
    )
    with django_capture_on_commit_callbacks(execute=True):
        referral = actions.send_referral(
            customer,
            acting_user=alice,
            pro=carol_pro,
            interest="a Honda Civic for his daughter",
            note=NOTE,
            referrer_kind=Referral.Referrer.CUSTOMER,
            referrer_customer=referrer,
        )
    with django_capture_on_commit_callbacks(execute=True):
        actions.transition(referral, "acknowledge", acting_user=carol, note="Calling today")
        actions.transition(
            referral, "win", acting_user=carol, value=Decimal("24000"), reward_amount=Decimal("150")
        )
    for task in ThankYou.objects.filter(dealership=store_a):
        thanks.send_thank_you(task, method="letter", acting_user=alice)
    return referral


def _everything_store_c_reads(referral, client_for, carol, cody) -> dict[str, str]:
    read = {}
    for user in (carol, cody):
        client = client_for(user)
        for url in (
            "/referrals/",
            f"/referrals/{referral.public_id}/",
            "/referrals/thanks/",
            "/referrals/reciprocity/",
            "/partners/",
            "/network/",
            "/",
        ):
            answer = client.get(url, follow=True)
            assert answer.status_code == 200, url
            read[f"{user.username} page {url}"] = answer.content.decode()
        api = ApiClient(user)
        for path in (
            "/referrals",
            "/referrals?box=received",
            f"/referrals/{referral.public_id}",
            "/rewards",
            "/thank-yous?status=all",
        ):
            answer = api.get(path)
            assert answer.status_code == 200, path
            read[f"{user.username} API {path}"] = answer.content.decode()
    addresses = {carol.email, cody.email}
    for message in mail.outbox:
        if addresses & set(message.to + message.cc + message.bcc):
            parts = [message.subject, message.body]
            parts += [str(a[1]) if isinstance(a, tuple) else str(a) for a in message.attachments]
            read[f"email {message.subject}"] = "\n".join(parts)
    store = carol.dealership
    for model in (Referral, ReferralEvent):
        rows = list(model.export_shared_with(store))
        read[f"export {model.__name__}"] = json.dumps(rows, default=str)
    return read


def _leaks(read: dict[str, str], private: list[str]) -> list[str]:
    return [f"{where}: {p}" for where, text in read.items() for p in private if p in text]


def test_without_share_consent_the_receiving_store_reads_nothing_private(
    won_referral, client_for, carol
):
    cody = carol.dealership.staff.get(username="cody")
    read = _everything_store_c_reads(won_referral, client_for, carol, cody)
    assert any(where.startswith("email New referral") for where in read), list(read)
    assert any("a Honda Civic for his daughter" in text for text in read.values())
    assert any("Robert" in text for text in read.values())  # the first name is shared
    assert any("Alice Test" in text for text in read.values())  # who sent it, to thank
    assert _leaks(read, CUSTOMER_PRIVATE + REFERRER_PRIVATE + NOTE_PRIVATE) == []


def test_with_share_consent_the_receiver_reads_the_contact_and_note_but_never_the_referrer(
    store_a, store_c, alice, carol, carol_pro, customer, client_for
):
    make_staff(store_c, "cody", "sales_mgr", email="cody@lonestar.example")
    referrer = make_customer(
        store_a, alice, first_name="Rita", last_name="Referrer", phones={"mobile": "512-555-0144"}
    )
    referral = actions.send_referral(
        customer,
        acting_user=alice,
        pro=carol_pro,
        interest="a Honda Civic",
        note=NOTE,
        referrer_kind=Referral.Referrer.CUSTOMER,
        referrer_customer=referrer,
        direction_method="in_person",
    )
    actions.transition(
        referral, "win", acting_user=carol, value=Decimal("24000"), reward_amount=Decimal("150")
    )
    cody = store_c.staff.get(username="cody")
    read = _everything_store_c_reads(referral, client_for, carol, cody)
    page = read[f"carol page /referrals/{referral.public_id}/"]
    assert "Kowalski" in page and "divorce" in page  # shared under the customer's direction
    assert _leaks(read, REFERRER_PRIVATE) == []
    # The sender still reads its own note and whom its reward is for.
    own = client_for(alice).get(f"/referrals/{referral.public_id}/").content.decode()
    assert "divorce" in own


def test_the_sender_keeps_its_own_note_and_referrer_in_its_history(won_referral, client_for, alice):
    page = client_for(alice).get(f"/referrals/{won_referral.public_id}/").content.decode()
    assert "divorce" in page and "Rita Referrer" in page


def test_a_reward_the_receiving_store_pays_names_the_sending_salesperson(won_referral):
    reward = won_referral.rewards.get()
    assert reward.dealership_id == won_referral.to_dealership_id
    assert reward.payee == "Alice Test (Capital City Ford)"


def test_the_migration_renames_payees_stored_before_the_fix(won_referral):
    migration = importlib.import_module(
        "goodwill.referrals.migrations.0003_rewards_name_no_senders_customer"
    )
    reward = won_referral.rewards.get()
    Reward.objects.filter(pk=reward.pk).update(payee="Rita Referrer")  # as stored before
    migration.rename_payees(django_apps, None)
    reward.refresh_from_db()
    assert reward.payee == "Alice Test (Capital City Ford)"


def test_the_receiving_store_reads_no_row_of_the_senders_customers_or_cards(
    won_referral, client_for, carol, store_c
):
    """Not only absent from the answer: never read. A query of the receiver's referral pages
    and answers that touches the customer or pro tables asks for its own store's rows only
    (`Referral.objects.read_by`), so nothing depends on the sender's rows being readable —
    on PostgreSQL row-level security hides them, and a join into them would drop the row."""
    api = ApiClient(carol)
    with CaptureQueriesContext(connection) as queries:
        listed = api.get("/referrals?box=received").json()["items"]
        one = api.get(f"/referrals/{won_referral.public_id}").json()
        for url in ("/referrals/", f"/referrals/{won_referral.public_id}/"):
            assert client_for(carol).get(url).status_code == 200
    assert [r["id"] for r in listed] == [str(won_referral.public_id)]
    assert one["to"] == "Carol Test · Lone Star Honda" and one["customer_id"] is None
    own = f'{{}}."dealership_id" = {store_c.pk}'
    for query in queries.captured_queries:
        sql = query["sql"]
        for table in ('"customers_customer"', '"network_pro"'):
            if f"FROM {table}" in sql or f"JOIN {table}" in sql:
                assert own.format(table) in sql, sql
