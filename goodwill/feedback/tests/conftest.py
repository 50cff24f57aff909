"""Personas of the feedback tests: the network pros (kim, not on Goodwill) for referral
surveys; a month of answers for the delight pages and reports."""

import pytest

from goodwill.conftest import make_customer
from goodwill.feedback import actions
from goodwill.feedback.tests.helpers import answer
from goodwill.network.tests.personas import carol_card, carol_pro, kim  # noqa: F401


@pytest.fixture
def answers(store_a, customer, alice, mike):
    """Five answers at store A (NPS 0: two promoters, a passive, two detractors, one of them
    in service) and a friend the first promoter referred; returns the four other customers."""
    others = [
        make_customer(store_a, alice, first_name=name, phones={"mobile": f"(512) 555-01{i:02d}"})
        for i, name in enumerate(["Ann", "Ben", "Cat", "Dan"], start=40)
    ]
    answer(customer, alice, 10, "deal:1")  # promoter
    answer(others[0], alice, 9, "deal:2")  # promoter, refers nobody
    answer(others[1], alice, 8, "deal:3")  # passive
    answer(others[2], mike, 3, "deal:4")  # detractor
    answer(others[3], mike, 6, "ro:5", department="service")  # detractor
    link = actions.referral_link_for(customer, staff=alice)
    actions.refer_friend(
        link, first_name="Fay", email="fay@example.com", consent=True, consent_wording="ok",
        by_promoter=True, notify=False,
    )  # fmt: skip
    return others
