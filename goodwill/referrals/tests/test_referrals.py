"""Sending, seeing and working referrals: consent decides what is shared, only the two
stores see a referral, every step is an event, and both sides learn from it."""

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from goodwill.conftest import make_customer, make_staff
from goodwill.customers import forms as customer_forms
from goodwill.customers.actions import set_consent
from goodwill.customers.models import Consent, Customer, CustomerEvent
from goodwill.dealerships.actions import deactivate_staff
from goodwill.network.models import Pro
from goodwill.referrals import actions
from goodwill.referrals.jobs import remind_unacknowledged
from goodwill.referrals.models import Referral, ReferralEvent

pytestmark = pytest.mark.django_db
CT = ZoneInfo("America/Chicago")


def _send(customer, alice, pro, **kw):
    kw.setdefault("interest", "a Honda Civic for his daughter")
    return actions.send_referral(customer, acting_user=alice, pro=pro, **kw)


def test_without_share_consent_only_the_first_name_and_interest_go_out(
    customer, alice, carol_pro, carol, client_for
):
    referral = _send(customer, alice, carol_pro, note="Wants to test drive Saturday")
    assert referral.kind == Referral.Kind.PARTNER and not referral.shared_full
    assert referral.to_dealership_id == carol.dealership_id and referral.to_user == carol
    assert (referral.shared_first_name, referral.shared_last_name) == ("Robert", "")
    assert referral.shared_phone == referral.shared_email == referral.shared_note == ""
    page = client_for(carol).get(f"/referrals/{referral.public_id}/").text
    assert "Robert" in page and "a Honda Civic for his daughter" in page
    assert "Kowalski" not in page and "555-0123" not in page and "bob.k@example.com" not in page
    assert "test drive" not in page and "Open Robert" not in page  # no link to A's record
    event = CustomerEvent.objects.get(customer=customer, verb="referral_shared")
    assert event.actor == alice and event.reason == "No share consent"
    assert event.changes["shared"] == ["", "first name, interest"]
    assert "none recorded" in event.changes["customer's direction"][1]


def test_a_customer_directed_share_sends_contact_details_and_records_the_wording(
    customer, alice, carol_pro, carol, client_for
):
    referral = _send(customer, alice, carol_pro, direction_method="in_person", note="Saturday")
    assert referral.shared_full
    assert referral.shared_last_name == "Kowalski"
    assert referral.shared_phone == "+15125550123" and referral.shared_email == "bob.k@example.com"
    consent = Consent.objects.get(customer=customer, channel=Consent.Channel.SHARE)
    wording = (
        "I ask Capital City Ford to pass my name, phone and email to Carol Test at "
        "Lone Star Honda so they can help me with a Honda Civic for his daughter."
    )
    assert consent.granted and consent.wording == wording and consent.recorded_by == alice
    event = CustomerEvent.objects.get(customer=customer, verb="referral_shared")
    assert event.actor == alice and event.at == referral.sent_at
    direction = event.changes["customer's direction"][1]
    assert wording in direction and "In person, spoken" in direction
    assert event.changes["shared"][1] == "first name, interest, last name, phone, email, note"
    page = client_for(carol).get(f"/referrals/{referral.public_id}/").text
    assert "Kowalski" in page and "(512) 555-0123" in page and "Saturday" in page


def test_a_third_store_sees_nothing_of_a_referral(customer, alice, carol_pro, bob, client_for):
    referral = _send(customer, alice, carol_pro, direction_method="in_person")
    assert not Referral.objects.visible_to(bob).exists()
    client = client_for(bob)
    assert client.get(f"/referrals/{referral.public_id}/").status_code == 404
    assert client.post(f"/referrals/{referral.public_id}/acknowledge/").status_code == 404
    for box in ("received", "sent"):
        assert "Robert" not in client.get("/referrals/", {"box": box}).text
    assert "Robert" not in client.get("/referrals/reciprocity/").text


def test_the_receiving_store_works_it_and_the_sender_sees_every_step(
    customer, alice, carol_pro, carol, client_for
):
    referral = _send(customer, alice, carol_pro)
    client = client_for(carol)
    base = f"/referrals/{referral.public_id}"
    assert "Robert" in client.get("/referrals/").text  # carol's inbox
    client.post(f"{base}/acknowledge/")
    client.post(f"{base}/contact/", {"note": "Called, he will come by"})
    client.post(f"{base}/appointment/", {"note": "Sat 10am"})
    client.post(f"{base}/win/", {"value": "27500"})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WON and referral.value == Decimal("27500")
    assert referral.acknowledged_at and referral.closed_at
    events = list(referral.events.values_list("verb", "old_status", "new_status", "actor"))
    assert events == [
        ("sent", "", "sent", alice.pk),
        ("acknowledge", "sent", "acknowledged", carol.pk),
        ("contact", "acknowledged", "contacted", carol.pk),
        ("appointment", "contacted", "appointment", carol.pk),
        ("win", "appointment", "won", carol.pk),
    ]
    # The sender sees every step, and the thank-you carol owes alice.
    page = client_for(alice).get(f"{base}/").text
    assert "Sat 10am" in page and "Won" in page and "Thank-you to Alice Test" in page
    # Both cards of carol learn: alice's network row and carol's directory card.
    carol_pro.refresh_from_db()
    assert (carol_pro.sent_count, carol_pro.acked_count, carol_pro.won_count) == (1, 1, 1)
    assert Pro.objects.get(user=carol, listed=True).won_count == 1


def test_the_sender_cannot_work_a_referral_addressed_to_another_store(
    customer, alice, carol_pro, client_for
):
    referral = _send(customer, alice, carol_pro)
    with pytest.raises(PermissionDenied):
        actions.transition(referral, "acknowledge", acting_user=alice)
    response = client_for(alice).post(f"/referrals/{referral.public_id}/acknowledge/")
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_lost_and_sent_back_need_a_reason_and_closed_referrals_stay_closed(
    customer, alice, carol_pro, carol
):
    referral = _send(customer, alice, carol_pro)
    with pytest.raises(ValidationError) as exc:
        actions.transition(referral, "lose", acting_user=carol)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.transition(referral, "win", acting_user=carol)
    assert "value" in exc.value.message_dict
    actions.transition(referral, "send_back", acting_user=carol, reason="We have no Civic")
    referral.refresh_from_db()
    assert (
        referral.status == Referral.Status.RETURNED and referral.lost_reason == "We have no Civic"
    )
    with pytest.raises(ValidationError):
        actions.transition(referral, "acknowledge", acting_user=carol)
    lost = _send(customer, alice, carol_pro)
    actions.transition(lost, "lose", acting_user=carol, reason="Bought a used Accord elsewhere")
    assert ReferralEvent.objects.filter(referral=lost, verb="lose", new_status="lost").exists()


def test_an_external_pros_referral_is_worked_by_the_sender(customer, alice, kim):
    referral = _send(customer, alice, kim, interest="a Kia EV6")
    assert referral.to_dealership_id is None and referral.ack_due_at is None
    actions.transition(referral, "acknowledge", acting_user=alice, note="Kim called back")
    actions.transition(referral, "win", acting_user=alice, value=Decimal("41000"))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WON


def test_an_internal_referral_from_sales_to_service_is_the_same_ledger(
    customer, alice, store_a, client_for
):
    sam = make_staff(store_a, "sam", "advisor")
    referral = actions.send_referral(
        customer, acting_user=alice, to_department="service", interest="brakes squeak"
    )
    assert referral.kind == Referral.Kind.INTERNAL
    assert referral.from_dealership == referral.to_dealership == store_a
    assert referral.shared_full and referral.ack_due_at is not None
    assert CustomerEvent.objects.filter(customer=customer, verb="referral_sent").exists()
    client = client_for(sam)
    assert "brakes squeak" in client.get("/referrals/").text
    client.post(f"/referrals/{referral.public_id}/acknowledge/")
    client.post(f"/referrals/{referral.public_id}/win/", {"value": "480"})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WON
    task = referral.thank_yous.get()
    assert task.assigned_to == sam and task.thank_whom == "Alice Test"
    to_person = actions.send_referral(
        customer, acting_user=alice, to_user=sam, interest="oil change"
    )
    assert to_person.to_user == sam and to_person.kind == Referral.Kind.INTERNAL


def test_a_referral_names_exactly_one_target(customer, alice, carol_pro):
    with pytest.raises(ValidationError) as exc:
        actions.send_referral(
            customer, acting_user=alice, pro=carol_pro, to_department="service", interest="x"
        )
    assert "pro" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.send_referral(customer, acting_user=alice, pro=carol_pro, interest=" ")
    assert "interest" in exc.value.message_dict
    assert not Referral.objects.exists()


def test_the_send_form_creates_a_new_customer_and_the_referral_together(
    client_for, alice, carol_pro
):
    client = client_for(alice)
    page = client.get("/referrals/new/", {"pro": carol_pro.public_id})
    assert page.status_code == 200 and "Read this to them" in page.text
    response = client.post(
        "/referrals/new/",
        {
            "new_first_name": "Maria",
            "new_last_name": "Lopez",
            "new_phone": "(512) 555-0144",
            "pro": carol_pro.public_id,
            "interest": "a Honda CR-V",
            "source": "asked",
            "referrer_kind": "staff",
            "direction_method": "in_person",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == f"/referrals/{referral.public_id}/"
    assert referral.customer.last_name == "Lopez" and not referral.shared_full
    assert referral.source == Referral.Source.ASKED
    bad = client.post("/referrals/new/", {"interest": "", "source": "asked"})
    assert bad.status_code == 200 and "interest" in bad.context["form"].errors
    assert Referral.objects.count() == 1


def test_the_form_records_the_customers_direction_when_ticked(
    client_for, alice, customer, carol_pro
):
    client_for(alice).post(
        "/referrals/new/",
        {
            "customer": customer.public_id,
            "pro": carol_pro.public_id,
            "interest": "a Honda Pilot",
            "source": "unprompted",
            "referrer_kind": "staff",
            "share_directed": "on",
            "direction_method": "phone",
        },
    )
    referral = Referral.objects.get()
    assert referral.shared_full and referral.shared_phone == "+15125550123"
    assert Consent.objects.get(customer=customer, channel="share").method == "phone"


def test_an_earlier_share_consent_is_honoured(customer, alice, carol_pro):
    set_consent(
        customer,
        "share",
        granted=True,
        method="paper",
        acting_user=alice,
        wording="Share my details with Goodwill partners",
    )
    referral = _send(customer, alice, carol_pro)
    assert referral.shared_full
    event = CustomerEvent.objects.get(customer=customer, verb="referral_shared")
    assert "Share my details with Goodwill partners" in event.changes["customer's direction"][1]


def test_unacknowledged_referrals_remind_the_pro_and_managers_after_four_business_hours(
    customer, alice, carol_pro, carol, store_c, django_capture_on_commit_callbacks, mailoutbox
):

    boss = make_staff(store_c, "hank", "sales_mgr", email="hank@lonestarhonda.example")
    type(carol).objects.filter(pk=carol.pk).update(email="carol@lonestarhonda.example")
    # This store is closed on weekends and opens 9 to 6.
    actions.update_policy(
        store_c, acting_user=boss, open_days=[0, 1, 2, 3, 4], opens_at=time(9), closes_at=time(18)
    )
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=CT)
    referral = _send(customer, alice, carol_pro, at=friday_4pm)
    # 2 hours on Friday, the weekend is not business time, 2 hours on Monday.
    assert referral.ack_due_at == datetime(2026, 11, 23, 11, 0, tzinfo=CT)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_unacknowledged(datetime(2026, 11, 23, 10, 59, tzinfo=CT)) == 0
        assert remind_unacknowledged(datetime(2026, 11, 23, 11, 0, tzinfo=CT)) == 1
        assert remind_unacknowledged(datetime(2026, 11, 23, 15, 0, tzinfo=CT)) == 0  # once
    referral.refresh_from_db()
    assert referral.reminded_at == datetime(2026, 11, 23, 11, 0, tzinfo=CT)
    reminders = [m for m in mailoutbox if m.subject.startswith("Waiting for you")]
    assert len(reminders) == 1
    assert set(reminders[0].to) == {"carol@lonestarhonda.example", boss.email}
    event = referral.events.get(verb="reminded")
    assert event.actor is None and "hank@lonestarhonda.example" in event.note


def test_an_acknowledged_referral_gets_no_reminder(customer, alice, carol_pro, carol):

    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=CT)
    referral = _send(customer, alice, carol_pro, at=friday_4pm)
    actions.transition(
        referral, "acknowledge", acting_user=carol, at=datetime(2026, 11, 23, 9, 5, tzinfo=CT)
    )
    assert remind_unacknowledged(datetime(2026, 11, 24, 12, 0, tzinfo=CT)) == 0


def test_the_inbox_lists_referrals_without_n_plus_one(
    customer, alice, carol_pro, carol, client_for, django_assert_max_num_queries
):
    for i in range(12):
        _send(customer, alice, carol_pro, interest=f"Civic #{i}")
    client = client_for(carol)
    client.get("/referrals/")
    with django_assert_max_num_queries(8):
        page = client.get("/referrals/")
    assert page.text.count("Civic #") == 12
    sender = client_for(alice)
    with django_assert_max_num_queries(8):
        assert sender.get("/referrals/", {"box": "sent"}).text.count("Civic #") == 12


def test_a_customer_of_another_store_cannot_be_referred(outsider_customer, alice, carol_pro):
    with pytest.raises(PermissionDenied):
        _send(outsider_customer, alice, carol_pro)


def test_the_referral_history_reaches_the_customer_page(customer, alice, carol_pro, client_for):
    _send(customer, alice, carol_pro, direction_method="in_person")
    page = client_for(alice).get(f"/customers/{customer.public_id}/").text
    assert "Referral shared" in page and "Lone Star Honda" in page


def test_a_second_referral_from_an_unrelated_customer_has_its_own_snapshot(
    store_a, alice, carol_pro
):
    other = make_customer(store_a, alice, first_name="Ana", last_name="Diaz")
    referral = _send(other, alice, carol_pro, interest="an Odyssey")
    assert referral.shared_first_name == "Ana" and referral.customer == other


def test_the_customer_page_lists_their_referrals_and_offers_to_refer_them(
    customer, alice, carol_pro, client_for
):
    referral = _send(customer, alice, carol_pro, interest="a Honda Pilot")
    page = client_for(alice).get(f"/customers/{customer.public_id}/").text
    assert f"/referrals/{referral.public_id}/" in page and "a Honda Pilot" in page
    assert f"/referrals/new/?customer={customer.public_id}" in page
    form = client_for(alice).get("/referrals/new/", {"customer": customer.public_id})
    assert form.context["form"]["customer"].value() == str(customer.public_id)


def test_the_customer_menu_is_a_shortlist_but_any_visible_customer_can_be_sent(
    store_a, alice, customer, carol_pro, client_for, monkeypatch, django_assert_max_num_queries
):

    monkeypatch.setattr(customer_forms, "SHORTLIST", 2)
    for first in ("Ana", "Bea", "Cy"):
        make_customer(store_a, alice, first_name=first, last_name="Later", phones={})
    client = client_for(alice)
    with django_assert_max_num_queries(12):
        page = client.get("/referrals/new/")
    menu = page.context["form"].fields["customer"].widget.choices
    assert len(menu) == 3 and "use “Refer” on their page" in page.text
    chosen = client.get("/referrals/new/", {"customer": customer.public_id})
    assert (str(customer.public_id), "Robert Kowalski") in chosen.context["form"].fields[
        "customer"
    ].widget.choices
    client.post(
        "/referrals/new/",
        {
            "customer": customer.public_id,
            "pro": carol_pro.public_id,
            "interest": "a Civic",
            "source": "unprompted",
            "referrer_kind": "staff",
            "direction_method": "in_person",
        },
    )
    assert Referral.objects.get().customer == customer


def test_a_pro_whose_login_was_deactivated_gets_no_more_referrals(
    customer, alice, carol_pro, carol, store_c
):

    boss = make_staff(store_c, "hank", "admin")
    deactivate_staff(carol, acting_user=boss, reassign_to=None, reason="Left the store")
    carol_pro.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        _send(customer, alice, carol_pro)
    assert "no longer works at Lone Star Honda" in str(exc.value)
    assert not Referral.objects.exists()


def test_a_new_customer_who_is_already_in_the_store_is_asked_about_first(
    client_for, alice, customer, carol_pro
):

    client = client_for(alice)
    typed = {
        "new_first_name": "Bob",
        "new_last_name": "Kowalski",
        "new_email": "BOB.K@example.com",
        "pro": carol_pro.public_id,
        "interest": "a Honda Ridgeline",
        "source": "asked",
        "referrer_kind": "staff",
        "direction_method": "in_person",
    }
    asked = client.post("/referrals/new/", typed)
    assert asked.status_code == 200
    assert not Referral.objects.exists() and Customer.objects.count() == 1
    assert "Refer Robert Kowalski" in asked.text and "a Honda Ridgeline" in asked.text

    picked = client.post("/referrals/new/", {**typed, "use_customer": customer.public_id})
    assert picked.status_code == 302
    assert Referral.objects.get().customer == customer and Customer.objects.count() == 1
