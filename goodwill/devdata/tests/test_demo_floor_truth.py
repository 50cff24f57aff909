"""The demo tells the truth (issue 15, point 4): appointments fall inside business hours in
the store's own time zone, and referrals to a partner store ask for a make it sells."""

import pytest
from django.utils import timezone

from goodwill.floor.models import Appointment
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_the_demos_appointments_fall_inside_business_hours_in_the_stores_zone(demo):
    appointments = list(Appointment.objects.select_related("dealership"))
    assert appointments
    for a in appointments:
        local = timezone.localtime(a.starts_at, a.dealership.zone)
        assert 9 <= local.hour < 19, (a.dealership.name, local)


def test_the_demos_referrals_go_to_stores_that_sell_the_make_asked_for(demo):
    rows = Referral.objects.filter(kind="partner", to_dealership__isnull=False).exclude(make="")
    assert rows.exists()
    for r in rows.select_related("to_dealership"):
        makes = {m.lower() for m in r.to_dealership.makes}
        assert r.make.lower() in makes, (r.make, r.to_dealership.name, r.interest)
