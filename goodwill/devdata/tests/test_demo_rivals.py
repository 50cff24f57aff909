"""The demo's rival offers: on lost deals (so the Fails queue shows them) and from partners,
believable numbers, several rival stores and makes per store."""

import pytest

from goodwill.dealerships.models import Dealership
from goodwill.rivals.models import RivalOffer

pytestmark = pytest.mark.django_db


def test_the_demo_records_rival_offers_on_lost_deals_and_from_partners(demo):
    assert "rivals:" in demo.output
    ford = Dealership.objects.get(slug="ford")
    offers = RivalOffer.objects.filter(dealership=ford)
    assert offers.filter(deal__outcome="not_sold").count() >= 5
    assert offers.filter(deal__fails_case__status__in=["open", "claimed"]).exists()
    assert RivalOffer.objects.filter(source="partner", customer__relationship="partner").exists()
    assert offers.values("rival_store").distinct().count() >= 3
    assert offers.values("make").distinct().count() >= 2
    for offer in offers:
        assert offer.price is not None or offer.monthly_payment is not None
        if offer.monthly_payment is not None:
            assert 250 <= offer.monthly_payment <= 1500, offer.terms
        if offer.price is not None:
            assert 20000 <= offer.price <= 70000, offer.terms
