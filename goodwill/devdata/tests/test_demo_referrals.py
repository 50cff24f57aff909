"""The demo has partnerships and referrals in every state at every store."""

import pytest
from django.db.models import Count

from goodwill.dealerships.models import Dealership, User
from goodwill.network.models import Partnership, Pro
from goodwill.referrals.models import Referral, Reward, ThankYou

pytestmark = pytest.mark.django_db


def test_the_demo_has_partnerships_and_referrals_in_every_state_at_every_store(client, demo):
    assert "referrals:" in demo.output and "network:" in demo.output
    stores = list(Dealership.objects.all())
    assert len(stores) == 8
    assert Partnership.objects.filter(status="agreed", partner_store__isnull=False).count() >= 20
    assert Pro.objects.filter(listed=False, user__isnull=True).exists()  # external pros
    # (Service's opportunities add internal referrals of their own: devdata/demo/service.py.)
    assert 300 <= Referral.objects.filter(opportunities__isnull=True).count() <= 600
    for store in stores:
        states = set(
            Referral.objects.filter(from_dealership=store).values_list("status", flat=True)
        )
        assert states == set(Referral.Status.values), store.name
        assert Referral.objects.filter(to_dealership=store).exclude(from_dealership=store).exists()
    assert Referral.objects.filter(kind="internal").count() >= 8 * 4
    assert Referral.objects.filter(to_dealership__isnull=True).exists()
    assert set(Reward.objects.values_list("status", flat=True)) == set(Reward.Status.values)
    assert set(ThankYou.objects.values_list("status", flat=True)) == {"open", "done"}
    # Some unacknowledged referrals were already reminded, as the worker would have done.
    assert Referral.objects.filter(status="sent", reminded_at__isnull=False).exists()
    # Alice has an inbox and the reciprocity page has numbers both ways.
    alice = User.objects.get(username="alice.ford")
    client.force_login(alice)
    assert "Lone Star Honda" in client.get("/referrals/reciprocity/").text
    per_store = Referral.objects.values("from_dealership").annotate(n=Count("id"))
    assert min(row["n"] for row in per_store) >= 40
