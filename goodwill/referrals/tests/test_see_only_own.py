"""A store where salespeople see only their own customers (issue 11, finding 4): a colleague's
customer does not reach a salesperson through referral lists, the "sent" box, the API's
snapshot or a colleague's thank-you task."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer, make_staff
from goodwill.dealerships.actions import update_store_settings
from goodwill.referrals import actions, thanks
from goodwill.referrals.models import ThankYou

pytestmark = pytest.mark.django_db

PRIVATE = ("Kowalski", "555-0123", "5550123", "bob.k@example.com")


@pytest.fixture
def ben(store_a, dana):
    update_store_settings(store_a, acting_user=dana, salespeople_see_all=False)
    return make_staff(store_a, "ben", "sales")


@pytest.fixture
def alices_referrals(customer, alice, mike, carol_pro):
    """Alice's customer sent to a partner (full snapshot) and to the service department."""
    return [
        actions.send_referral(
            customer,
            acting_user=alice,
            pro=carol_pro,
            interest="a Honda Civic",
            direction_method="in_person",
            note="Bring the trade",
        ),
        actions.send_referral(
            customer, acting_user=alice, to_user=mike, interest="a second opinion"
        ),
    ]


def test_a_colleagues_referrals_are_not_in_the_salespersons_lists_or_api(
    ben, alices_referrals, client_for
):
    client = client_for(ben)
    api = ApiClient(ben)
    for text in (
        client.get("/referrals/?box=sent").text,
        client.get("/referrals/").text,
        api.get("/referrals").text,
        api.get("/referrals?box=sent").text,
    ):
        for private in PRIVATE + ("Bring the trade",):
            assert private not in text
    for referral in alices_referrals:
        assert client.get(f"/referrals/{referral.public_id}/").status_code == 404
        assert api.get(f"/referrals/{referral.public_id}").status_code == 404


def test_a_salesperson_still_sees_what_they_sent_and_what_was_sent_to_them(
    ben, store_a, alice, carol_pro
):
    own = make_customer(store_a, ben, first_name="Nina", last_name="Own", salesperson=ben)
    mine = actions.send_referral(own, acting_user=ben, pro=carol_pro, interest="a CR-V")
    theirs = make_customer(store_a, alice, first_name="Theo", last_name="Theirs", salesperson=alice)
    to_me = actions.send_referral(theirs, acting_user=alice, to_user=ben, interest="a Ranger")
    ids = {item["id"] for item in ApiClient(ben).get("/referrals").json()["items"]}
    assert ids == {str(mine.public_id), str(to_me.public_id)}


def test_the_manager_still_sees_every_referral(ben, alices_referrals, mike):
    ids = {item["id"] for item in ApiClient(mike).get("/referrals").json()["items"]}
    assert {str(r.public_id) for r in alices_referrals} <= ids


@pytest.fixture
def alices_thank_you(store_a, alice, mike):
    walk_in = make_customer(store_a, mike, first_name="Una", last_name="Assigned")
    referral = actions.send_referral(
        walk_in, acting_user=mike, to_user=alice, interest="a Maverick"
    )
    actions.transition(referral, "win", acting_user=alice, value=Decimal("31000"))
    return ThankYou.objects.get(assigned_to=alice)


def test_only_the_owner_or_a_manager_marks_a_thank_you_sent(
    ben, alices_thank_you, alice, mike, client_for
):
    assert ApiClient(ben).get("/thank-yous?status=all").json() == []
    answer = client_for(ben).post(
        f"/referrals/thanks/{alices_thank_you.public_id}/send/", {"method": "goodwill"}
    )
    assert answer.status_code == 403
    with pytest.raises(PermissionDenied):
        thanks.send_thank_you(alices_thank_you, method="goodwill", acting_user=ben)
    alices_thank_you.refresh_from_db()
    assert alices_thank_you.status == ThankYou.Status.OPEN
    assert [t["id"] for t in ApiClient(alice).get("/thank-yous").json()] == [
        str(alices_thank_you.public_id)
    ]
    sent = thanks.send_thank_you(alices_thank_you, method="goodwill", acting_user=mike)
    assert sent.status == "done"
