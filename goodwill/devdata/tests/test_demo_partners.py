"""The demo's referral partners: body shops and fleet managers who refer, thanked by letter,
and partners who bought after they started referring — customers now, still partners."""

import pytest
from django.db.models import F

from goodwill.partners.models import Partner
from goodwill.referrals.models import ThankYou

pytestmark = pytest.mark.django_db


def test_the_demo_has_partners_who_became_customers_and_stayed_partners(demo):
    assert "partners:" in demo.output
    bought = Partner.objects.filter(became_customer_at__gt=F("since"), is_active=True)
    assert bought.count() >= 2
    assert all(p.customer.relationship == "customer" for p in bought.select_related("customer"))
    assert Partner.objects.filter(kind="body_shop").exists()
    assert Partner.objects.filter(kind="fleet").exists()
    assert Partner.objects.filter(customer__referrals_made__isnull=False).distinct().count() >= 10
    assert ThankYou.objects.filter(
        method="letter", to_customer__partner_roles__isnull=False
    ).exists()
