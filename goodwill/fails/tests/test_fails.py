from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.conftest import make_staff
from goodwill.fails import actions
from goodwill.fails.models import FailsCase, FailsStep, FollowUp
from goodwill.floor.models import CreditLine, Deal, FloorEvent
from goodwill.floor.tests.conftest import failed_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(store_a, alice):
    return FailsCase.objects.get(deal=failed_deal(store_a, alice))


def test_only_fails_specialists_and_managers_claim(case, alice, fiona):
    with pytest.raises(ValidationError):
        actions.claim(case, specialist=alice)
    actions.claim(case, specialist=fiona)
    case.refresh_from_db()
    assert case.claimed_by == fiona and case.status == FailsCase.Status.CLAIMED
    assert FloorEvent.objects.filter(verb="fails_claimed", actor=fiona).exists()


def test_a_claimed_case_cannot_be_claimed_again(case, fiona, store_a):
    other = make_staff(store_a, "gus", "fails")
    actions.claim(case, specialist=fiona)
    with pytest.raises(ValidationError, match="Already claimed by Fiona Test"):
        actions.claim(case, specialist=other)


def test_steps_need_the_claim_except_save_a_deal(case, fiona, mike):
    actions.add_step(case, "save_a_deal", actor=mike, notes="Desk tried $20 less")
    with pytest.raises(ValidationError, match="Claim the case first"):
        actions.add_step(case, "call_back", actor=fiona, notes="Voicemail")
    actions.claim(case, specialist=fiona)
    actions.add_step(case, "call_back", actor=fiona, notes="Voicemail")
    with pytest.raises(ValidationError) as exc:
        actions.add_step(case, "new_numbers", actor=fiona, notes="")
    assert "notes" in exc.value.message_dict
    assert list(case.steps.values_list("kind", flat=True)) == ["save_a_deal", "call_back"]


def test_a_be_back_step_sets_an_appointment(case, fiona):
    actions.claim(case, specialist=fiona)
    when = timezone.now() + timedelta(days=2)
    step = actions.add_step(case, "be_back", actor=fiona, appointment_at=when)
    assert step.appointment.starts_at == when.replace(second=0, microsecond=0)
    assert step.appointment.deal == case.deal


def test_recovered_deal_splits_credit_and_the_salesperson_keeps_their_share(case, fiona):
    actions.claim(case, specialist=fiona)
    actions.add_step(case, "new_numbers", actor=fiona, notes="Longer term")
    actions.close(case, "recovered", actor=fiona, vehicle="2025 Ford Edge", gross=Decimal("900"))
    deal = Deal.objects.get(pk=case.deal_id)
    assert deal.outcome == Deal.Outcome.SOLD and deal.recovered_by == fiona
    lines = {(x.who, x.role): x.share for x in CreditLine.objects.filter(deal=deal)}
    assert lines == {("Alice Test", "upper"): Decimal("50.00"), ("Fiona Test", "fails"): 50}
    assert "keeps 50%" in CreditLine.objects.get(deal=deal, role="upper").why
    case.refresh_from_db()
    assert case.status == "recovered"
    assert not FollowUp.objects.filter(case=case, status="due").exists()
    event = FloorEvent.objects.get(verb="fails_recovered")
    assert event.data["reason"] == "Payment too high"


def test_lost_needs_a_reason(case, fiona):
    actions.claim(case, specialist=fiona)
    with pytest.raises(ValidationError) as exc:
        actions.close(case, "lost", actor=fiona)
    assert "reason" in exc.value.message_dict
    actions.close(case, "lost", actor=fiona, reason="Bought elsewhere")
    with pytest.raises(ValidationError, match="closed"):
        actions.add_step(case, "call_back", actor=fiona, notes="x")
    assert FailsStep.objects.count() == 0
