"""The store's time limit for acknowledging a referral, counted in its own business hours."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_staff
from goodwill.dealerships.models import StaffEvent
from goodwill.referrals import actions
from goodwill.referrals.models import ReferralPolicy

CT = ZoneInfo("America/Chicago")


@pytest.mark.django_db
def test_by_default_saturday_is_business_time(customer, alice, carol_pro):
    """Dealerships sell on Saturdays: sent Friday 5 PM, 4 hours means Saturday 11 AM."""
    friday_5pm = datetime(2026, 11, 20, 17, 0, tzinfo=CT)
    referral = actions.send_referral(
        customer, acting_user=alice, pro=carol_pro, interest="a Honda Civic", at=friday_5pm
    )
    assert referral.ack_due_at == datetime(2026, 11, 21, 11, 0, tzinfo=CT)


@pytest.mark.django_db
def test_a_manager_sets_the_limit_and_hours_and_new_referrals_follow_them(
    client_for, customer, alice, carol_pro, store_c
):
    boss = make_staff(store_c, "hank", "sales_mgr")
    client = client_for(boss)
    assert "Acknowledge within" in client.get("/referrals/settings/").text
    response = client.post(
        "/referrals/settings/",
        {
            "ack_business_hours": "2",
            "opens_at": "08:00",
            "closes_at": "20:00",
            "open_days": ["0", "1", "2", "3", "4", "5", "6"],
            "default_reward": "50",
        },
    )
    assert response.status_code == 302
    policy = ReferralPolicy.objects.get(dealership=store_c)
    assert (policy.ack_business_hours, policy.open_days) == (2, [0, 1, 2, 3, 4, 5, 6])
    event = StaffEvent.objects.get(verb="referral_policy_changed")
    assert event.actor == boss and event.changes["ack_business_hours"] == ["4", "2"]

    sunday_7pm = datetime(2026, 11, 22, 19, 0, tzinfo=CT)
    referral = actions.send_referral(
        customer, acting_user=alice, pro=carol_pro, interest="a Honda Pilot", at=sunday_7pm
    )
    # One hour on Sunday (closes at 8 PM), the second when Monday opens at 8 AM.
    assert referral.ack_due_at == datetime(2026, 11, 23, 9, 0, tzinfo=CT)


@pytest.mark.django_db
def test_bad_settings_are_refused_per_field_and_nothing_changes(client_for, store_c):
    boss = make_staff(store_c, "hank", "sales_mgr")
    response = client_for(boss).post(
        "/referrals/settings/",
        {"ack_business_hours": "0", "opens_at": "18:00", "closes_at": "09:00", "open_days": []},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "ack_business_hours" in errors and "open_days" in errors
    assert "close after it opens" in response.text
    assert not ReferralPolicy.objects.filter(dealership=store_c).exists()
    assert not StaffEvent.objects.filter(verb="referral_policy_changed").exists()


@pytest.mark.django_db
def test_salespeople_read_the_limit_but_cannot_change_it(client_for, carol, store_c):
    client = client_for(carol)
    page = client.get("/referrals/settings/").text
    assert "within <strong>4 business hours</strong>" in page
    assert "9:00 AM to 7:00 PM, Mon, Tue, Wed, Thu, Fri, Sat." in page
    assert client.post("/referrals/settings/", {"ack_business_hours": "1"}).status_code == 403
    with pytest.raises(actions.PermissionDenied):
        actions.update_policy(store_c, acting_user=carol, ack_business_hours=1)


@settings(deadline=None, max_examples=150)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(CT)
    ),
    hours=st.integers(min_value=1, max_value=72),
    days=st.sets(st.integers(min_value=0, max_value=6), min_size=1),
    opens=st.integers(min_value=0, max_value=22),
    length=st.integers(min_value=1, max_value=12),
)
def test_the_due_time_is_always_inside_business_hours_and_counts_them_exactly(
    start, hours, days, opens, length
):
    closes = min(opens + length, 23)
    policy = ReferralPolicy(open_days=sorted(days), opens_at=time(opens), closes_at=time(closes))
    due = actions.add_business_hours(start, hours, policy=policy, tz=CT)
    assert due > start and due.weekday() in days
    assert time(opens) < due.timetz().replace(tzinfo=None) <= time(closes)
    # Walk the hours between start and due, minute by 15: open time adds up to `hours`.
    counted, t = timedelta(0), start
    step = timedelta(minutes=15)
    while t < due:
        local = t.astimezone(CT)
        opened = local.weekday() in days and time(opens) <= local.time() < time(closes)
        counted += min(step, due - t) if opened else timedelta(0)
        t += step
    assert abs(counted - timedelta(hours=hours)) <= step


@pytest.mark.django_db
def test_the_settings_in_the_api(store_c, carol):

    boss = make_staff(store_c, "hank", "sales_mgr")
    api = ApiClient(boss)
    assert api.get("/referral-settings").json()["open_days"] == [0, 1, 2, 3, 4, 5]
    changed = api.patch("/referral-settings", {"ack_business_hours": 2, "closes_at": "20:00"})
    assert changed.status_code == 200
    assert changed.json()["ack_business_hours"] == 2 and changed.json()["closes_at"] == "20:00:00"
    bad = api.patch("/referral-settings", {"opens_at": "21:00"})
    assert bad.status_code == 422 and "close after it opens" in str(bad.json())
    assert (
        ApiClient(carol).patch("/referral-settings", {"ack_business_hours": 9}).status_code == 403
    )
    assert ReferralPolicy.objects.get(dealership=store_c).ack_business_hours == 2
