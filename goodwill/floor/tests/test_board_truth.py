"""The floor tells the truth (issue 15, point 4): "goes to" on waiting ups follows the real
rotation order, and a T.O.'d deal shows on the receiver's board."""

import pytest

from goodwill.floor import actions
from goodwill.floor.models import Up
from goodwill.floor.tests.conftest import walk_in

pytestmark = pytest.mark.django_db


def _goes_to(page: str) -> list[str]:
    return [part.split("</strong>")[0] for part in page.split("Goes to <strong>")[1:]]


def test_waiting_ups_go_to_the_next_people_in_line_in_turn(client_for, store_a, on_floor, mike):
    alice, ben = on_floor
    for name in ("Una", "Vic", "Wes"):
        walk_in(store_a, mike, first_name=name)
    page = client_for(mike).get("/floor/").text
    # Oldest up to the first in line, the next to the second; the third waits for whoever
    # is free first (the store passes people who are with a customer).
    assert _goes_to(page) == ["Alice Test", "Ben Test", "the first one free"]
    # Taking the first up makes the board's promise true: Ben is next.
    actions.take_up(Up.objects.order_by("logged_at", "id").first(), user=alice)
    assert _goes_to(client_for(mike).get("/floor/").text)[0] == "Ben Test"


def test_a_turned_over_deal_shows_on_the_receivers_board(client_for, store_a, on_floor, mike):
    alice, _ben = on_floor
    deal = actions.take_up(walk_in(store_a, alice, first_name="Teo"), user=alice)
    actions.turn_over(deal, to_user=mike, to_role="manager", acting_user=alice)
    board = client_for(mike).get("/floor/").text
    assert "Teo Inn" in board and "T.O. from Alice Test" in board


def test_after_a_to_the_line_names_whom_the_customer_was_handed_to(
    client_for, store_a, on_floor, mike
):
    alice, _ben = on_floor
    deal = actions.take_up(walk_in(store_a, alice, first_name="Teo"), user=alice)
    line = client_for(mike).get("/floor/").text
    assert "with Teo Inn</span>" in line  # before: only the customer
    actions.turn_over(deal, to_user=mike, to_role="manager", acting_user=alice)
    line = client_for(mike).get("/floor/").text
    assert "with Teo Inn · T.O. to Mike Test" in line
    actions.mark_sold(deal, acting_user=mike, vehicle="2025 F-150")
    assert "T.O. to" not in client_for(mike).get("/floor/").text
