"""How suggestions rank and explain themselves: the wish parsed from plain words, and each
factor (specialty, acknowledgement speed, win rate, reciprocity, partnership) in the why."""

import pytest

from goodwill.network import actions
from goodwill.network.models import Pro
from goodwill.network.suggest import parse_wish, suggest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "makes", "specialty"),
    [
        ("a Toyota Tacoma", ["Toyota"], None),
        ("a Tacoma", ["Toyota"], None),
        ("a Honda for my daughter", ["Honda"], "first car"),
        (
            "upfitted box truck",
            ["Ford", "Chevrolet", "Ram", "GMC", "Isuzu", "Mercedes-Benz"],
            "upfitted trucks",
        ),
        ("a chevy silverado", ["Chevrolet"], None),
    ],
)
def test_a_wish_in_plain_words_names_makes_and_specialties(text, makes, specialty):
    wish = parse_wish(text)
    assert wish.makes == makes
    if specialty:
        assert specialty in wish.specialties


def test_the_ranking_weighs_specialty_speed_wins_and_reciprocity_and_says_so(store_a, alice):
    def pro(name, **figures):
        p = actions.record_pro(
            store_a,
            acting_user=alice,
            store_name=f"{name} Ford",
            first_name=name,
            makes=["Ford"],
            specialties=["upfitted trucks"] if name == "Upfit" else [],
        )
        Pro.objects.filter(pk=p.pk).update(**figures)
        return p

    slow = pro("Slow", acked_count=4, ack_seconds_total=4 * 20 * 3600, closed_count=4)
    pro("Upfit")
    fast = pro(
        "Fast",
        acked_count=4,
        ack_seconds_total=4 * 600,
        closed_count=4,
        won_count=3,
        received_count=5,
        sent_count=1,
    )
    _, items = suggest(store_a, text="an upfitted Ford box truck")
    why = {s.pro.first_name: s.why for s in items}
    assert "Specialty: upfitted trucks" in why["Upfit"]
    assert "Acknowledges in 10 min on average" in why["Fast"]
    assert "Won 3 of 4 referrals closed" in why["Fast"]
    assert "They sent us 5, we sent 1: our turn" in why["Fast"]
    assert "Acknowledges in 20.0 h on average" in why["Slow"]
    ranked = [s.pro for s in items]
    assert ranked.index(fast) < ranked.index(slow)
    agreed = actions.propose_partnership(slow, acting_user=alice)
    actions.mark_agreed(agreed, acting_user=alice)
    _, items = suggest(store_a, text="an upfitted Ford box truck")
    assert "Partner" in {s.pro.first_name: s.why for s in items}["Slow"]
