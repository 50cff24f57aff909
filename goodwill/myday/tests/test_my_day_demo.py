"""My day on the demo: every role of the Ford store lands on a page with work on it, in a
bounded number of queries, and the store can text (a number and templates)."""

import pytest
from django.urls import reverse

from goodwill.dealerships.models import Dealership, User
from goodwill.messaging.models import MessageTemplate, MessagingSettings
from goodwill.myday.items import my_day

pytestmark = pytest.mark.django_db


def test_every_role_of_the_demo_lands_on_my_day(demo, client, django_assert_max_num_queries):
    ford = Dealership.objects.get(slug="ford")
    assert MessagingSettings.objects.get(dealership=ford).sms_number
    assert MessageTemplate.objects.filter(dealership=ford).count() == 3
    seen = {}
    for role in User.Role.values:
        user = User.objects.filter(dealership=ford, role=role, is_active=True).first()
        if user is None:
            continue
        client.force_login(user)
        client.get(reverse("myday:home"))
        with django_assert_max_num_queries(20):
            assert client.get(reverse("myday:home")).status_code == 200
        seen[role] = len(my_day(user).items)
    assert seen["sales"] > 0 and seen["sales_mgr"] > 0, seen
