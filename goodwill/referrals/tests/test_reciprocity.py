"""Reciprocity and earned-versus-asked: the numbers both ways, per store and per pro."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from goodwill.conftest import make_customer
from goodwill.network import actions as network_actions
from goodwill.referrals import actions, ledger
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_at_c(store_c, carol, alice):
    """Carol's network knows Alice (store A), linked to Alice's published card."""
    return network_actions.record_pro(
        store_c, acting_user=carol, linked_to=network_actions.publish_card(alice)
    )


def test_reciprocity_counts_both_ways_with_wins_values_and_balance(
    store_a, store_c, customer, alice, carol, carol_pro, alice_at_c, kim, client_for
):
    for i in range(3):
        r = actions.send_referral(customer, acting_user=alice, pro=carol_pro, interest=f"Civic {i}")
        if i == 0:
            actions.transition(r, "win", acting_user=carol, value=Decimal("20000"))
    theirs = make_customer(store_c, carol, first_name="Tom", last_name="Truck")
    back = actions.send_referral(
        theirs, acting_user=carol, pro=alice_at_c, interest="an F-250", source="asked"
    )
    actions.transition(back, "win", acting_user=alice, value=Decimal("61000"))
    actions.send_referral(customer, acting_user=alice, pro=kim, interest="a Kia EV6", source="card")

    rows = {row.name: row for row in ledger.store_ledger(store_a)}
    honda = rows["Lone Star Honda"]
    assert (honda.sent.count, honda.sent.won, honda.sent.value) == (3, 1, Decimal("20000"))
    assert (honda.received.count, honda.received.won, honda.received.value) == (
        1,
        1,
        Decimal("61000"),
    )
    assert honda.balance == -2
    assert sum(s for _, s, _ in honda.trend) == 3 and sum(r for *_, r in honda.trend) == 1
    assert rows["Kim Nguyen · Round Rock Kia (not on Goodwill)"].sent.count == 1
    # Store C sees the mirror image.
    mirror = {row.name: row for row in ledger.store_ledger(store_c)}["Capital City Ford"]
    assert (mirror.sent.count, mirror.received.count, mirror.balance) == (1, 3, 2)
    # Per pro: carol as alice's pro.
    per_pro = {row["pro"].pk: row for row in ledger.pro_ledger(store_a)}
    assert per_pro[carol_pro.pk]["sent"] == 3 and per_pro[carol_pro.pk]["received"] == 1
    assert per_pro[carol_pro.pk]["received_value"] == Decimal("61000")
    page = client_for(alice).get("/referrals/reciprocity/").text
    assert "Lone Star Honda" in page and "Round Rock Kia" in page


def test_a_one_way_partnership_gets_a_gentle_nudge(store_a, customer, alice, carol_pro):
    for i in range(ledger.NUDGE_MIN_SENT):
        actions.send_referral(customer, acting_user=alice, pro=carol_pro, interest=f"Civic {i}")
    row = ledger.store_ledger(store_a)[0]
    assert "received none" in row.nudge
    old = timezone.now() - timedelta(days=ledger.NUDGE_DAYS + 5)

    Referral.objects.update(sent_at=old)
    assert ledger.store_ledger(store_a)[0].nudge == ""


def test_earned_referrals_are_reported_apart_from_asked_ones(
    store_a, customer, alice, carol, carol_pro
):
    sources = ["unprompted", "unprompted", "card", "asked"]
    for i, source in enumerate(sources):
        r = actions.send_referral(
            customer, acting_user=alice, pro=carol_pro, interest=f"Civic {i}", source=source
        )
        if source in ("card", "asked"):
            actions.transition(r, "win", acting_user=carol, value=Decimal("1"))
    sent = ledger.earned_report(store_a)["sent"]
    assert (sent["earned"], sent["earned_won"], sent["asked"], sent["asked_won"]) == (3, 1, 1, 1)
    assert sent["card"] == 1 and sent["unprompted"] == 2
    received = ledger.earned_report(carol.dealership)["received"]
    assert received["earned"] == 3 and received["asked"] == 1


def test_the_reciprocity_page_has_a_fixed_number_of_queries(
    store_a, customer, alice, carol, carol_pro, kim, client_for, django_assert_max_num_queries
):
    for i in range(6):
        actions.send_referral(
            customer, acting_user=alice, pro=carol_pro if i % 2 else kim, interest=f"x{i}"
        )
    client = client_for(alice)
    client.get("/referrals/reciprocity/")
    with django_assert_max_num_queries(20):
        client.get("/referrals/reciprocity/")
