"""Issue 12.2: the store's profile on its page and in the API; times in the store's zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.dealerships.models import StaffEvent
from goodwill.floor.reports import since
from goodwill.referrals.actions import add_business_hours

pytestmark = pytest.mark.django_db


def _profile(**changes):
    data = {
        "form": "profile",
        "profile-name": "Capital City Ford",
        "profile-makes": "Ford",
        "profile-postal_code": "78701",
        "profile-time_zone": "America/Chicago",
    }
    return data | {f"profile-{k}": v for k, v in changes.items()}


def test_the_store_page_is_a_real_page_where_an_admin_keeps_the_profile_true(
    client_for, dana, store_a
):
    client = client_for(dana)
    page = client.get(reverse("dealerships:settings"))
    assert page.status_code == 200 and "Sign-in rules" in page.text
    saved = client.post(
        reverse("dealerships:settings"),
        _profile(
            makes="Ford, chevy",
            specialties=["EV", "fleet"],
            postal_code="98101",
            time_zone="America/Los_Angeles",
            hours="Mon–Sat 9–8",
        ),
    )
    assert saved.status_code == 302
    store_a.refresh_from_db()
    assert store_a.makes == ["Ford", "Chevrolet"] and store_a.specialties == ["EV", "fleet"]
    assert (store_a.city, store_a.region) == ("Seattle", "WA")
    assert store_a.latitude == pytest.approx(47.6, abs=0.1)  # from the ZIP, never typed
    event = StaffEvent.objects.get(verb="profile_changed")
    assert event.actor == dana and event.changes["time_zone"] == [
        "America/Chicago",
        "America/Los_Angeles",
    ]
    assert "Seattle" in client.get(reverse("dealerships:settings")).text


def test_a_bad_zip_on_the_store_page_says_so_and_keeps_what_was_typed(client_for, dana, store_a):
    page = client_for(dana).post(
        reverse("dealerships:settings"), _profile(postal_code="00000", hours="Typed hours")
    )
    assert page.status_code == 200 and "not a US ZIP code" in page.text
    assert "Typed hours" in page.text
    store_a.refresh_from_db()
    assert store_a.hours == "" and not StaffEvent.objects.filter(verb="profile_changed").exists()


def test_only_a_dealer_admin_opens_the_store_page(client_for, mike):
    assert client_for(mike).get(reverse("dealerships:settings")).status_code == 403


def test_the_api_reads_and_patches_the_store(dana, alice, store_a):
    api = ApiClient(dana)
    assert api.get("/store").json()["makes"] == ["Ford"]
    patched = api.patch("/store", {"postal_code": "10001", "session_idle_minutes": 30})
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["city"] == "New York" and body["session_idle_minutes"] == 30
    bad = api.patch("/store", {"makes": ["  "], "postal_code": "00000"})
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {"makes", "postal_code"}
    assert ApiClient(alice).patch("/store", {"name": "Mine now"}).status_code == 403


def test_pages_run_in_the_store_time_zone(client_for, dana, store_a):
    store_a.time_zone = "Pacific/Honolulu"
    store_a.save(update_fields=["time_zone"])
    seen = {}

    def capture(sender, **kwargs):
        seen["zone"] = timezone.get_current_timezone_name()

    template_rendered.connect(capture)
    try:
        client_for(dana).get(reverse("dealerships:settings"))
    finally:
        template_rendered.disconnect(capture)
    assert seen["zone"] == "Pacific/Honolulu"


def test_reports_count_the_day_from_midnight_in_the_store_zone():
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        start = since("today")
    assert start.tzinfo.key == "America/Los_Angeles" and start.hour == 0


@override_settings(TIME_ZONE="America/Chicago")
def test_business_hours_are_the_receiving_store_hours_in_its_zone():
    # Friday 17:30 in Los Angeles is 19:30 in Chicago: the LA store still has 1.5 hours.
    start = datetime(2026, 3, 6, 17, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    due = add_business_hours(start, 2, tz=ZoneInfo("America/Los_Angeles"))
    assert due.astimezone(ZoneInfo("America/Los_Angeles")).hour == 9  # Saturday 9:30
    assert due.astimezone(ZoneInfo("America/Los_Angeles")).minute == 30
