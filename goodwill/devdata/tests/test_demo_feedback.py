"""The demo's year of surveys: sent under the ask policy, a Net Promoter score that climbs,
promoters' friends credited as earned referrals, detractors recovered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from goodwill.dealerships.models import Dealership
from goodwill.feedback.models import RecoveryTask, Survey, SurveyResponse
from goodwill.referrals.models import Referral

pytestmark = pytest.mark.django_db


def _nps(rows) -> float:
    scores = list(rows.values_list("score", flat=True))
    assert len(scores) >= 20
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def test_the_demo_has_a_year_of_surveys_with_a_rising_nps_and_recovered_detractors(demo):
    assert "feedback:" in demo.output
    ford = Dealership.objects.get(slug="ford")
    surveys = Survey.objects.filter(dealership=ford)
    assert surveys.filter(status="sent").count() >= 80
    assert surveys.filter(status="not_sent").exists()  # the ask policy said no to some
    oldest = surveys.order_by("event_at").first().event_at
    assert oldest < timezone.now() - timedelta(days=300)
    answers = SurveyResponse.objects.filter(dealership=ford)
    half = timezone.now() - timedelta(days=180)
    assert _nps(answers.filter(answered_at__gte=half)) > _nps(answers.filter(answered_at__lt=half))
    tasks = RecoveryTask.objects.filter(dealership=ford)
    assert tasks.filter(status="closed", won_back=True).exists()
    assert tasks.filter(status="closed", won_back=False).exists()
    friends = Referral.objects.filter(source="card", referrer_kind="customer").exclude(
        referrer_customer=None
    )
    assert friends.exists() and all(r.earned for r in friends)
    group = set(
        Dealership.objects.filter(group__name="Capital Auto Group").values_list("slug", flat=True)
    )
    assert group == {"ford", "chevy", "cdjr"}
