import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from goodwill.conftest import make_customer
from goodwill.customers.models import Assignment, CustomerEvent
from goodwill.dealerships.actions import deactivate_staff
from goodwill.dealerships.models import StaffEvent, User

pytestmark = pytest.mark.django_db


def test_a_dealer_admin_adds_a_staff_member_who_can_sign_in(client_for, dana, store_a, client):
    response = client_for(dana).post(
        reverse("dealerships:staff_add"),
        {
            "first_name": "Nina",
            "last_name": "Park",
            "username": "nina",
            "role": "fails",
            "password": "a-long-enough-secret",
        },
    )
    assert response.status_code == 302
    nina = User.objects.get(username="nina")
    assert nina.dealership == store_a and nina.role == User.Role.FAILS_SPECIALIST
    client.logout()
    assert client.login(username="nina", password="a-long-enough-secret")


def test_a_salesperson_cannot_manage_staff(client_for, alice, mike):
    assert client_for(alice).get(reverse("dealerships:staff_add")).status_code == 403
    assert (
        client_for(alice).get(reverse("dealerships:staff_edit", args=[mike.public_id])).status_code
        == 403
    )
    assert client_for(alice).post(reverse("dealerships:settings"), {}).status_code == 403
    # …but sees who works in the store.
    assert "Mike" in client_for(alice).get(reverse("dealerships:staff")).text


def test_every_role_can_be_given(client_for, dana, alice):
    c = client_for(dana)
    for role in User.Role.values:
        c.post(reverse("dealerships:staff_edit", args=[alice.public_id]), {"role-role": role})
        alice.refresh_from_db()
        assert alice.role == role
    assert (
        StaffEvent.objects.filter(user=alice, verb="role_changed").count()
        == len(User.Role.values) - 1
    )


def test_deactivating_a_salesperson_reassigns_their_customers_and_keeps_history(
    client_for, dana, alice, mike, store_a
):
    customers = [
        make_customer(store_a, alice, first_name=f"C{i}", salesperson=alice, phones={})
        for i in range(3)
    ]
    response = client_for(dana).post(
        reverse("dealerships:staff_edit", args=[alice.public_id]),
        {"off-reassign_to": mike.pk, "off-reason": "Moved to Dallas"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.is_active is False
    for customer in customers:
        customer.refresh_from_db()
        assert customer.salesperson == mike
        held = list(
            Assignment.objects.filter(customer=customer, role="sales").order_by("started_at", "id")
        )
        assert [a.user for a in held] == [alice, mike]
        assert held[0].ended_at is not None and held[1].reason == "Moved to Dallas"
        assert held[1].assigned_by == dana
    # Alice's history is intact: the events she made are still hers.
    assert CustomerEvent.objects.filter(actor=alice, verb="created").count() == 3
    assert StaffEvent.objects.filter(user=alice, verb="deactivated").exists()


def test_a_deactivated_user_cannot_sign_in(client, dana, alice):

    deactivate_staff(alice, acting_user=dana, reassign_to=None)
    assert not client.login(username="alice", password="correct-horse-battery")


def test_customers_of_a_leaver_can_be_left_unassigned_for_the_whole_store(dana, alice, store_a):

    customer = make_customer(store_a, alice, salesperson=alice)
    assert deactivate_staff(alice, acting_user=dana, reassign_to=None) == 1
    customer.refresh_from_db()
    assert customer.salesperson is None


def test_an_admin_cannot_hand_customers_to_another_stores_staff(dana, alice, bob):

    with pytest.raises(ValidationError):
        deactivate_staff(alice, acting_user=dana, reassign_to=bob)
    alice.refresh_from_db()
    assert alice.is_active


def test_the_visibility_setting_is_a_dealer_admin_switch(client_for, dana, store_a):
    client_for(dana).post(reverse("dealerships:settings"), {})
    store_a.refresh_from_db()
    assert store_a.salespeople_see_all is False
    client_for(dana).post(reverse("dealerships:settings"), {"salespeople_see_all": "on"})
    store_a.refresh_from_db()
    assert store_a.salespeople_see_all is True


def test_a_page_needs_a_login(client):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]
