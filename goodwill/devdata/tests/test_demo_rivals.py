"""The demo's rival offers: on lost deals (so the Fails queue shows them) and from partners,
believable numbers, several rival stores and makes per store."""

import pytest

from goodwill.dealerships.models import Dealership, User
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


def test_the_demo_pages_show_rival_offers_and_the_groups_delight(demo, client):
    dana = User.objects.get(username="dana.ford")
    client.force_login(dana)
    queue = client.get("/fails/?show=all")
    assert queue.status_code == 200 and "Rival: <strong>" in queue.text
    report = client.get("/rivals/?days=365")
    assert report.status_code == 200 and len(report.context["rows"]) >= 3
    delight = client.get("/surveys/report/")
    assert delight.status_code == 200 and "Across Capital Auto Group" in delight.text
    assert {s.label for s in delight.context["stores"]} == {
        "Capital City Ford", "Riverside Chevrolet", "Lakeway Chrysler Dodge Jeep Ram",
    }  # fmt: skip
    assert delight.context["promoters"] and delight.context["earned"]
