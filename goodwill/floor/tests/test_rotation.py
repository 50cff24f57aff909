from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from goodwill.conftest import make_customer, make_staff
from goodwill.customers.models import CustomerEvent
from goodwill.dealerships import actions as store_actions
from goodwill.fails.models import FollowUp
from goodwill.floor import actions, rotation
from goodwill.floor.models import ClockIn, Deal, FloorEvent, Up
from goodwill.floor.tests.conftest import walk_in

pytestmark = pytest.mark.django_db


def _next(store):
    return rotation.next_in_line(rotation.line(store, actions.floor_settings(store)))


def test_logging_a_walk_in_creates_the_customer_and_writes_history(store_a, alice):
    up = walk_in(store_a, alice, phone="(512) 555-0142")
    assert up.status == Up.Status.WAITING
    assert up.customer.primary_phone == "+15125550142"
    assert FloorEvent.objects.get(verb="up_logged").up == up
    verbs = set(CustomerEvent.objects.filter(customer=up.customer).values_list("verb", flat=True))
    assert {"created", "up_logged"} <= verbs


def test_an_up_needs_a_name(store_a, alice):
    with pytest.raises(ValidationError) as exc:
        actions.log_up(store_a, acting_user=alice, source="walk_in", new_customer={"phone": "1"})
    assert "first_name" in exc.value.message_dict
    assert not Up.objects.exists()


def test_round_robin_goes_to_the_first_in_line_then_to_the_back(store_a, on_floor):
    alice, ben = on_floor
    assert _next(store_a) == alice
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    assert deal.salesperson == alice and deal.up.status == Up.Status.WORKING
    assert _next(store_a) == ben
    actions.mark_sold(deal, acting_user=alice, vehicle="2026 Ford Escape")
    # Alice is free again but went to the back of the line when she took the up.
    assert _next(store_a) == ben


def test_taking_someone_elses_turn_is_refused(store_a, on_floor):
    alice, ben = on_floor
    up = walk_in(store_a, alice)
    with pytest.raises(ValidationError, match="Alice Test's"):
        actions.take_up(up, user=ben)
    assert not Deal.objects.exists()


def test_someone_with_a_customer_is_skipped(store_a, on_floor):
    alice, ben = on_floor
    actions.take_up(walk_in(store_a, alice), user=alice)
    ClockIn.objects.filter(user=ben).update(queued_at=timezone.now() + timedelta(minutes=5))
    # Alice is now first in line by time, but she is with a customer.
    ClockIn.objects.filter(user=alice).update(queued_at=timezone.now() - timedelta(hours=2))
    places = rotation.line(store_a, actions.floor_settings(store_a))
    assert [p.passed_because for p in places] == ["with a customer", ""]
    assert _next(store_a) == ben


def test_clocked_out_and_deactivated_people_never_get_an_up(store_a, on_floor, dana):
    alice, ben = on_floor
    actions.clock_out(alice)
    assert _next(store_a) == ben
    store_actions.deactivate_staff(ben, acting_user=dana, reason="Left", reassign_to=None)
    assert _next(store_a) is None
    with pytest.raises(ValidationError, match="Nobody is on the floor"):
        actions.take_up(walk_in(store_a, dana), user=ben)


def test_overdue_follow_ups_skip_only_when_the_store_wants_it(store_a, on_floor):

    alice, ben = on_floor
    FollowUp.objects.create(
        dealership=store_a,
        customer=make_customer(store_a, alice),
        kind="be_back",
        channel="phone",
        owner=alice,
        due_at=timezone.now() - timedelta(days=2),
    )
    assert _next(store_a) == alice
    rules = actions.floor_settings(store_a)
    rules.skip_overdue_follow_ups = True
    rules.save()
    assert _next(store_a) == ben


def test_a_be_back_goes_to_the_salesperson_who_had_them(store_a, on_floor):
    alice, ben = on_floor
    customer = make_customer(store_a, ben, salesperson=ben)
    up = actions.log_up(store_a, acting_user=alice, source="be_back", customer=customer)
    assert up.designated_to == ben
    with pytest.raises(ValidationError):
        actions.take_up(up, user=alice)
    assert actions.take_up(up, user=ben).salesperson == ben


def test_a_be_back_whose_salesperson_is_off_the_floor_goes_to_rotation(store_a, on_floor):
    alice, ben = on_floor
    carla = make_staff(store_a, "carla", "sales")
    customer = make_customer(store_a, carla, salesperson=carla)
    up = actions.log_up(store_a, acting_user=alice, source="be_back", customer=customer)
    assert actions.take_up(up, user=alice).salesperson == alice


def test_pass_moves_to_the_back_and_is_recorded(store_a, on_floor):
    alice, ben = on_floor
    actions.pass_turn(store_a, user=alice, acting_user=alice, reason="On a call")
    assert _next(store_a) == ben
    event = FloorEvent.objects.get(verb="up_skipped")
    assert (event.actor, event.subject_user, event.reason) == (alice, alice, "On a call")


def test_a_manager_override_needs_a_reason_and_is_recorded(store_a, on_floor, mike):
    alice, ben = on_floor
    up = walk_in(store_a, mike)
    with pytest.raises(ValidationError) as exc:
        actions.assign_up(up, to_user=ben, acting_user=mike, reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # a salesperson may not override: a 403, not a 422
        actions.assign_up(up, to_user=ben, acting_user=alice, reason="I say so")
    deal = actions.assign_up(up, to_user=ben, acting_user=mike, reason="Speaks Spanish")
    assert deal.salesperson == ben
    event = FloorEvent.objects.get(verb="up_overridden")
    assert event.actor == mike and event.subject_user == ben
    assert "Speaks Spanish" in event.reason and "Alice Test" in event.reason


def test_an_up_taken_once_cannot_be_taken_again(store_a, on_floor):
    alice, ben = on_floor
    up = walk_in(store_a, alice)
    actions.take_up(up, user=alice)
    with pytest.raises(ValidationError, match="already has this up"):
        actions.take_up(up, user=ben)
    assert Deal.objects.count() == 1


def test_clocking_in_twice_is_refused(store_a, alice):
    actions.clock_in(alice)
    with pytest.raises(ValidationError, match="already clocked in"):
        actions.clock_in(alice)
