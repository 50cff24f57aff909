from datetime import timedelta

import pytest
from django.utils import timezone

from goodwill.conftest import make_customer
from goodwill.customers.models import Customer
from goodwill.floor import actions
from goodwill.floor.models import CreditLine, Deal, FloorEvent, Up
from goodwill.floor.tests.conftest import walk_in

pytestmark = pytest.mark.django_db


def test_the_board_logs_an_up_with_consents_in_one_post(client_for, alice, store_a):
    client = client_for(alice)
    response = client.post(
        "/floor/ups/new/",
        {"source": "walk_in", "first_name": "Nina", "phone": "512 555 0188", "ok_to_text": "on"},
    )
    assert response.status_code == 302
    up = Up.objects.get()
    assert up.customer.first_name == "Nina" and up.logged_by == alice
    assert list(up.customer.consents.values_list("channel", "granted")) == [("text", True)]


def test_a_nameless_up_shows_the_error_and_saves_nothing(client_for, alice):
    response = client_for(alice).post("/floor/ups/new/", {"source": "walk_in", "phone": "5"})
    assert response.status_code == 422
    assert "Give the customer&#x27;s name" in response.text
    assert not Up.objects.exists()


def test_the_board_shows_who_is_next_and_a_take_button_only_for_them(client_for, store_a, on_floor):
    alice, ben = on_floor
    walk_in(store_a, alice)
    page = client_for(alice).get("/floor/").text
    assert 'data-testid="next-up">Alice Test<' in page
    assert ">Take</button>" in page
    page = client_for(ben).get("/floor/").text
    assert ">Take</button>" not in page


def test_the_board_has_a_fixed_number_of_queries(
    client_for, store_a, on_floor, django_assert_max_num_queries
):
    alice, ben = on_floor
    for i in range(12):
        walk_in(store_a, alice, f"Guest{i}")
    actions.take_up(Up.objects.order_by("logged_at").first(), user=alice)
    client = client_for(alice)
    with django_assert_max_num_queries(14):
        response = client.get("/floor/")
    assert response.text.count("pill walk_in") == 11


def test_take_then_turn_over_then_sell_shows_the_split(client_for, store_a, on_floor, mike):
    alice, _ = on_floor
    up = walk_in(store_a, alice)
    client = client_for(alice)
    response = client.post(f"/floor/ups/{up.public_id}/take/")
    deal = Deal.objects.get()
    assert response.url == f"/floor/deals/{deal.public_id}/"
    client.post(
        f"/floor/deals/{deal.public_id}/to/",
        {"to_user": mike.pk, "to_role": "manager", "reason": "Payment question"},
    )
    response = client.post(
        f"/floor/deals/{deal.public_id}/sold/", {"vehicle": "2026 Ford Escape", "gross": "1200"}
    )
    assert response.status_code == 302
    page = client.get(f"/floor/deals/{deal.public_id}/").text
    assert "Who gets the credit" in page
    assert "Closed after a T.O. from Alice Test" in page
    assert CreditLine.objects.filter(deal=deal).count() == 2


def test_someone_elses_deal_is_read_only(client_for, store_a, on_floor):
    alice, ben = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    client = client_for(ben)
    assert client.get(f"/floor/deals/{deal.public_id}/").status_code == 200
    response = client.post(f"/floor/deals/{deal.public_id}/sold/", {"vehicle": "x"})
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.outcome == "open"


def test_not_sold_needs_a_reason_from_the_list(client_for, store_a, on_floor):
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)
    client = client_for(alice)
    response = client.post(f"/floor/deals/{deal.public_id}/not-sold/", {"reason": "Nope"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    response = client.post(
        f"/floor/deals/{deal.public_id}/not-sold/", {"reason": "Trade value", "notes": "x"}
    )
    assert response.status_code == 302
    assert Deal.objects.get().fails_case.reason == "Trade value"


def test_a_manager_assigns_out_of_turn_and_a_salesperson_cannot(
    client_for, store_a, on_floor, mike
):
    alice, ben = on_floor
    up = walk_in(store_a, alice)
    assert (
        client_for(alice)
        .post(f"/floor/ups/{up.public_id}/assign/", {"to_user": ben.pk, "reason": "x"})
        .status_code
        == 403
    )
    client_for(mike).post(
        f"/floor/ups/{up.public_id}/assign/", {"to_user": ben.pk, "reason": "VIP"}
    )
    assert Deal.objects.get().salesperson == ben


def test_clock_and_pass_from_the_board(client_for, store_a, alice, ben):
    client = client_for(alice)
    client.post("/floor/clock/")
    client_for(ben).post("/floor/clock/")
    client = client_for(alice)
    client.post("/floor/pass/")
    assert FloorEvent.objects.filter(verb="up_skipped", subject_user=alice).exists()
    assert 'data-testid="next-up">Ben Test<' in client.get("/floor/").text
    client.post("/floor/clock/")
    assert FloorEvent.objects.filter(verb="clocked_out", subject_user=alice).exists()


def test_the_invite_downloads_as_text_calendar(client_for, store_a, alice, customer):
    appointment = actions.set_appointment(
        customer, salesperson=alice, acting_user=alice, starts_at=timezone.now() + timedelta(days=1)
    )
    response = client_for(alice).get(f"/floor/appointments/{appointment.public_id}/invite.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_the_report_is_for_managers_and_drills_down_to_deals(client_for, store_a, on_floor, mike):
    alice, _ = on_floor
    deal = actions.take_up(walk_in(store_a, alice, "Drill"), user=alice)
    actions.mark_sold(deal, acting_user=alice, vehicle="2026 Ford Ranger")
    assert client_for(alice).get("/floor/report/").status_code == 403
    client = client_for(mike)
    page = client.get("/floor/report/").text
    assert "Ups today by source" in page and "?show=source&amp;key=walk_in" in page
    page = client.get(f"/floor/report/?show=sold&user={alice.pk}&period=30").text
    assert "Drill Inn" in page and f"/floor/deals/{deal.public_id}/" in page


def test_settings_change_the_reasons_and_the_policy(client_for, store_a, mike, alice):
    assert client_for(alice).get("/floor/settings/").status_code == 403
    client = client_for(mike)
    response = client.post(
        "/floor/settings/",
        {
            "rules-skip_with_customer": "on",
            "rules-tracks_gross": "on",
            "rules-reasons_text": "Price\nCredit\n\nPrice",
            "policy-upper_share": "70",
            "policy-closer_share": "30",
            "policy-referrer_share": "10",
            "policy-appointment_setter_share": "0",
            "policy-fails_share": "40",
        },
    )
    assert response.status_code == 302
    assert actions.floor_settings(store_a).reasons() == ["Price", "Credit"]
    assert actions.credit_policy(store_a).upper_share == 70
    assert FloorEvent.objects.filter(verb="settings_changed").exists()


def test_the_customer_finder_only_searches_my_store(client_for, alice, store_a, outsider_customer):
    make_customer(store_a, alice, first_name="Olive", last_name="Mine")
    page = client_for(alice).get("/floor/find-customer/?q=Oli").text
    assert "Olive Mine" in page and "Olivia" not in page


def test_a_store_that_hides_colleagues_customers_hides_their_deals(client_for, store_a, on_floor):
    alice, ben = on_floor
    deal = actions.take_up(walk_in(store_a, alice), user=alice)  # the customer becomes alice's
    store_a.salespeople_see_all = False
    store_a.save()
    ben.refresh_from_db()
    assert client_for(ben).get(f"/floor/deals/{deal.public_id}/").status_code == 404
    assert client_for(alice).get(f"/floor/deals/{deal.public_id}/").status_code == 200


def test_a_walk_in_who_is_already_a_customer_is_asked_about_before_anyone_is_created(
    client_for, alice, customer
):
    """Bob at the desk is very probably Robert Kowalski: log the up for him, or add a new
    customer — the salesperson decides, nothing typed is lost."""

    client = client_for(alice)
    typed = {"source": "walk_in", "first_name": "Bob", "last_name": "Kowalski"}
    typed |= {"phone": "512.555.0123", "interest": "F-150"}
    asked = client.post("/floor/ups/new/", typed)
    assert asked.status_code == 200
    assert not Up.objects.exists() and Customer.objects.count() == 1
    assert "Log the up for Robert Kowalski" in asked.text and "same phone" in asked.text
    assert 'value="F-150"' in asked.text

    picked = client.post("/floor/ups/new/", {**typed, "use_customer": customer.public_id})
    assert picked.status_code == 302
    assert Up.objects.get().customer == customer and Customer.objects.count() == 1

    confirmed = client.post("/floor/ups/new/", {**typed, "confirm_new": "1"})
    assert confirmed.status_code == 302
    assert Customer.objects.filter(first_name="Bob").count() == 1 and Up.objects.count() == 2
