from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.conftest import make_staff
from goodwill.customers.models import CustomerEvent
from goodwill.fails.models import FailsCase
from goodwill.floor import actions
from goodwill.floor.models import ClockIn, CreditLine, FloorEvent, TurnOver
from goodwill.floor.tests.conftest import walk_in

pytestmark = pytest.mark.django_db


def _ledger(deal):
    return {(line.who, line.role): line.share for line in CreditLine.objects.filter(deal=deal)}


def test_a_sale_without_a_turnover_credits_the_upper_in_full(store_a, on_floor):
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    actions.mark_sold(deal, acting_user=alice, vehicle="2026 Ford Escape", gross=Decimal("1800"))
    assert _ledger(deal) == {("Alice Test", "upper"): Decimal("100.00")}
    line = CreditLine.objects.get(deal=deal)
    assert line.why.startswith("Took the walk-in up on")


def test_a_turnover_splits_the_credit_with_the_closer_by_policy(store_a, on_floor, mike):
    alice, _ = on_floor
    actions.update_credit_policy(store_a, acting_user=mike, upper_share=60, closer_share=40)
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    to = actions.turn_over(deal, to_user=mike, to_role="manager", acting_user=alice, reason="Price")
    actions.mark_sold(deal, acting_user=mike, vehicle="2026 Ford Bronco")
    assert _ledger(deal) == {
        ("Alice Test", "upper"): Decimal("60.00"),
        ("Mike Test", "closer"): Decimal("40.00"),
    }
    to.refresh_from_db()
    assert to.result == TurnOver.Result.SOLD and to.from_user == alice
    assert FloorEvent.objects.filter(verb="turned_over", deal=deal, actor=alice).exists()
    assert FloorEvent.objects.filter(verb="policy_changed", actor=mike).exists()


def test_an_appointment_set_by_someone_else_earns_the_setter_share(store_a, on_floor, mike):

    alice, _ = on_floor
    bea = make_staff(store_a, "bea", "bdc")
    actions.update_credit_policy(store_a, acting_user=mike, appointment_setter_share=10)
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    actions.set_appointment(
        deal.customer,
        salesperson=alice,
        acting_user=bea,
        starts_at=timezone.now() + timedelta(days=1),
        deal=deal,
    )
    actions.mark_sold(deal, acting_user=alice, vehicle="2026 Ford Maverick")
    assert _ledger(deal) == {
        ("Alice Test", "upper"): Decimal("90.00"),
        ("Bea Test", "appointment"): Decimal("10.00"),
    }


def test_turnover_to_the_same_person_is_refused(store_a, on_floor):
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    with pytest.raises(ValidationError):
        actions.turn_over(deal, to_user=alice, to_role="closer", acting_user=alice)
    assert not TurnOver.objects.exists()


def test_not_sold_needs_a_store_reason_and_enters_the_fails_queue(store_a, on_floor):
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    with pytest.raises(ValidationError) as exc:
        actions.mark_not_sold(deal, acting_user=alice, reason="Bad vibes")
    assert "reason" in exc.value.message_dict
    assert not FailsCase.objects.exists()
    actions.mark_not_sold(deal, acting_user=alice, reason="Trade value", notes="Wants 2k more")
    case = FailsCase.objects.get(deal=deal)
    assert (case.reason, case.notes, case.salesperson) == ("Trade value", "Wants 2k more", alice)
    assert FloorEvent.objects.filter(verb="fails_entered", deal=deal).exists()
    assert CustomerEvent.objects.filter(customer=deal.customer, verb="not_sold").exists()
    # Alice is free for the next up again.
    assert ClockIn.objects.get(user=alice).with_up is None
    with pytest.raises(ValidationError, match="already Not sold"):
        actions.mark_sold(deal, acting_user=alice, vehicle="x")


def test_a_sale_needs_the_vehicle(store_a, on_floor):
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    with pytest.raises(ValidationError) as exc:
        actions.mark_sold(deal, acting_user=alice, vehicle=" ")
    assert "vehicle" in exc.value.message_dict
    assert not CreditLine.objects.exists()


def test_the_credit_policy_must_add_up(store_a, mike, alice):
    with pytest.raises(ValidationError):
        actions.update_credit_policy(store_a, acting_user=mike, upper_share=70, closer_share=40)
    with pytest.raises(ValidationError):
        actions.update_credit_policy(store_a, acting_user=alice, upper_share=50)
