"""Sales to service: a sale adds (or moves) the vehicle, books the first service and
introduces the advisor by email with consent; a salesperson books a prospect into service;
the service drive up for a customer already referred to sales."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.conftest import make_customer
from goodwill.customers.actions import add_vehicle, set_consent
from goodwill.customers.models import CustomerEvent, Vehicle
from goodwill.floor import actions as floor_actions
from goodwill.floor.models import Up
from goodwill.referrals.models import Referral
from goodwill.service import actions
from goodwill.service.models import Opportunity, ServiceVisit

pytestmark = pytest.mark.django_db

F150_VIN = "1FTFW1E55GC048845"


def _sell(store, seller, customer, *, vin="", vehicle="2026 Ford F-150 XLT", capture=None):
    floor_actions.clock_in(seller)
    up = floor_actions.log_up(store, acting_user=seller, source="walk_in", customer=customer)
    deal = floor_actions.take_up(up, user=seller)
    if capture is None:
        return floor_actions.mark_sold(deal, acting_user=seller, vehicle=vehicle, vin=vin)
    with capture(execute=True):
        return floor_actions.mark_sold(deal, acting_user=seller, vehicle=vehicle, vin=vin)


def test_a_sale_adds_the_vehicle_and_makes_the_prospect_a_customer(store_a, alice, sam):
    buyer = make_customer(store_a, alice, first_name="Priya", relationship="prospect")
    _sell(store_a, alice, buyer)
    (vehicle,) = buyer.vehicles.all()
    assert (vehicle.year, vehicle.make, vehicle.model) == (2026, "Ford", "F-150 XLT")
    buyer.refresh_from_db()
    assert buyer.relationship == "customer"


def test_a_resold_trade_in_moves_to_the_buyer_with_its_service_history(
    store_a, alice, sam, customer, open_ro
):
    trade = add_vehicle(customer, acting_user=alice, vin=F150_VIN, year=2016, model="F-150")
    ro = open_ro(customer, trade, sam)
    buyer = make_customer(store_a, alice, first_name="Priya", phones={"mobile": "512-555-0183"})
    _sell(store_a, alice, buyer, vin=F150_VIN, vehicle="2016 Ford F-150 (used)")
    trade.refresh_from_db()
    assert trade.customer == buyer and Vehicle.objects.filter(vin=F150_VIN).count() == 1
    assert list(trade.repair_orders.all()) == [ro]
    assert CustomerEvent.objects.filter(customer=customer, verb="vehicle_moved").exists()
    assert CustomerEvent.objects.filter(customer=buyer, verb="vehicle_moved").exists()


def test_a_sale_books_the_first_service_and_emails_the_advisors_introduction_with_consent(
    store_a, alice, sam, django_capture_on_commit_callbacks
):
    buyer = make_customer(
        store_a, alice, first_name="Priya", emails={"personal": "priya@example.net"}
    )
    set_consent(buyer, "email", granted=True, method="in_person", acting_user=alice)
    mail.outbox.clear()
    deal = _sell(store_a, alice, buyer, capture=django_capture_on_commit_callbacks)
    visit = ServiceVisit.objects.get(customer=buyer)
    assert visit.origin == "first" and visit.advisor == sam and visit.deal_id == deal.public_id
    assert visit.scheduled_for.date() >= (timezone.now() + timedelta(days=119)).date()
    buyer.refresh_from_db()
    assert buyer.service_advisor == sam
    (intro,) = [m for m in mail.outbox if m.to == ["priya@example.net"]]
    assert "Sam Test, your service advisor" in intro.body
    assert intro.attachments[0][2] == "text/vcard"
    assert CustomerEvent.objects.filter(customer=buyer, verb="service_intro_sent").exists()


def test_without_email_consent_the_introduction_is_held_and_the_reason_recorded(
    store_a, alice, sam, django_capture_on_commit_callbacks
):
    buyer = make_customer(
        store_a, alice, first_name="Priya", emails={"personal": "priya@example.net"}
    )
    mail.outbox.clear()
    _sell(store_a, alice, buyer, capture=django_capture_on_commit_callbacks)
    assert not [m for m in mail.outbox if "priya@example.net" in m.to]
    held = CustomerEvent.objects.get(customer=buyer, verb="service_intro_held")
    assert held.reason == "Not emailed: no email consent"
    assert ServiceVisit.objects.filter(customer=buyer, origin="first").exists()


def test_a_salesperson_books_a_prospect_into_service_with_a_special(store_a, alice, sue, customer):
    special = actions.save_special(
        store_a,
        acting_user=sue,
        title="Fleet oil change",
        price=Decimal("39.95"),
        starts_on=timezone.localdate(),
    )
    visit = actions.book_visit(
        customer,
        acting_user=alice,
        scheduled_for=timezone.now() + timedelta(days=3),
        special=special,
        reason="Not ready to buy; brakes squeal",
    )
    assert visit.origin == "sales"  # sales-originated service business
    with pytest.raises(ValidationError) as exc:
        actions.book_visit(
            customer, acting_user=alice, scheduled_for=timezone.now() - timedelta(days=1)
        )
    assert "scheduled_for" in exc.value.message_dict


def test_the_ro_of_a_booked_visit_belongs_to_it(store_a, alice, sam, customer, old_truck, open_ro):
    visit = actions.book_visit(
        customer, acting_user=alice, scheduled_for=timezone.now() + timedelta(hours=1)
    )
    ro = open_ro(customer, old_truck, sam)
    assert ro.visit == visit
    visit.refresh_from_db()
    assert visit.status == "arrived"


def test_a_service_drive_up_for_a_customer_already_referred_to_sales_is_that_referral(
    store_a, alice, sam, customer, old_truck, open_ro
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(9000))
    opp = Opportunity.objects.get(repair_order=ro)
    # Logged from the board as a plain "service drive" up: it used to be a 422 on a hidden field.
    up = floor_actions.log_up(store_a, acting_user=sam, source="service", customer=customer)
    assert up.source == Up.Source.SERVICE and up.referral == opp.referral
    assert up.designated_to == alice
    opp.referral.refresh_from_db()
    assert opp.referral.status == Referral.Status.CONTACTED


def test_the_board_shows_why_a_referred_customer_cannot_be_logged_as_a_walk_in(
    client_for, store_a, alice, sam, customer, old_truck, open_ro
):
    open_ro(customer, old_truck, sam, labor=Decimal(9000))
    response = client_for(alice).post(
        "/floor/ups/new/", {"source": "walk_in", "customer": str(customer.public_id)}
    )
    assert response.status_code == 422
    assert "log this up as that referral" in response.text


def test_the_opportunity_worked_to_a_sale_is_won_with_its_value(
    store_a, alice, sam, customer, old_truck, open_ro
):
    ro = open_ro(customer, old_truck, sam, labor=Decimal(9000))
    opp = Opportunity.objects.get(repair_order=ro)
    up = actions.log_lane_up(opp, acting_user=sam)
    floor_actions.clock_in(alice)
    deal = floor_actions.take_up(up, user=alice)
    floor_actions.mark_sold(deal, acting_user=alice, vehicle="2026 Ford F-150", gross=Decimal(3100))
    opp.refresh_from_db()
    assert opp.stage == "won" and opp.referral.value == Decimal(3100)
    assert customer.vehicles.count() == 2
