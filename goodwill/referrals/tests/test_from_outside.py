"""Referrals with someone outside Goodwill at one end (issue 14, point 6), as the ledger
sees them: a pro not on Goodwill who sent us a customer is credited and thanked; a pro not
on Goodwill we sent a customer to reports back through their link, and the step says so."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from goodwill.conftest import make_customer, make_staff
from goodwill.floor import actions as floor
from goodwill.floor.models import CreditLine
from goodwill.referrals import actions
from goodwill.referrals.models import Referral, ReferralEvent, ThankYou

pytestmark = pytest.mark.django_db


@pytest.fixture
def ben(store_a):
    return make_staff(store_a, "ben", "sales")


@pytest.fixture
def walt(store_a, mike):
    return make_customer(store_a, mike, first_name="Walt", phones={"mobile": "512-555-0170"})


def test_a_pro_not_on_goodwill_who_sent_us_a_customer_is_credited_and_thanked(
    store_a, alice, ben, mike, kim, walt
):
    start = timezone.now() - timedelta(hours=1)
    floor.clock_in(alice, at=start)
    floor.clock_in(ben, at=start + timedelta(minutes=1))
    referral = actions.send_referral(
        walt, acting_user=mike, interest="A Maverick", to_user=ben, referrer_pro=kim,
        referrer_kind=Referral.Referrer.PARTNER,
    )  # fmt: skip
    assert referral.from_outside and referral.kind == Referral.Kind.INTERNAL
    kim.refresh_from_db()
    assert kim.received_count == 1  # reciprocity: what Kim sent us
    up = floor.log_up(store_a, acting_user=mike, source="referral", referral=referral)
    deal = floor.take_up(up, user=ben)
    floor.mark_sold(deal, acting_user=ben, vehicle="2026 Maverick", gross=Decimal("1500"))
    lines = {(x.role, x.who): x.share for x in CreditLine.objects.filter(deal=deal)}
    assert lines == {
        ("referrer", "Kim Nguyen (Round Rock Kia)"): Decimal("10.00"),
        ("upper", "Ben Test"): Decimal("90.00"),
    }
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WON
    thanks = ThankYou.objects.get(referral=referral)  # Kim only: Mike logged it, referred nobody
    assert thanks.thank_whom == "Kim Nguyen (Round Rock Kia)"
    assert thanks.assigned_to == mike and thanks.dealership == store_a
    assert thanks.message.startswith("Dear Kim,")


def test_a_referral_from_outside_names_one_pro_not_on_goodwill_or_one_person(
    store_a, alice, kim, carol_pro, walt
):
    with pytest.raises(ValidationError) as exc:
        actions.send_referral(
            walt, acting_user=alice, interest="x", to_user=alice, from_outside=True
        )
    assert "one pro or one person" in exc.value.message_dict["referrer_pro"][0]
    with pytest.raises(ValidationError) as exc:
        actions.send_referral(
            walt, acting_user=alice, interest="x", to_user=alice, referrer_pro=carol_pro
        )
    assert "is on Goodwill" in exc.value.message_dict["referrer_pro"][0]
    with pytest.raises(ValidationError) as exc:
        actions.send_referral(walt, acting_user=alice, interest="x", pro=kim, referrer_pro=kim)
    assert "person or department" in exc.value.message_dict["pro"][0]
    assert not Referral.objects.exists()


def test_the_outside_pro_reports_through_their_link_and_the_step_says_so(
    store_a, alice, kim, customer
):
    referral = actions.send_referral(customer, acting_user=alice, interest="A Kia EV6", pro=kim)
    actions.transition(
        referral, "appointment", acting_user=None, via=ReferralEvent.VIA_PRO_LINK,
        note="Saturday 10am",
    )  # fmt: skip
    referral.refresh_from_db()
    assert referral.status == Referral.Status.APPOINTMENT
    step = referral.events.get(verb="appointment")
    assert step.actor is None and step.via == "pro_link"
    assert step.note == "Reported by Kim Nguyen (Round Rock Kia) through their link: Saturday 10am"
    with pytest.raises(ValidationError):
        actions.transition(
            referral, "send_back", acting_user=None, via="pro_link", reason="not for us"
        )


def test_only_a_referral_to_a_pro_not_on_goodwill_takes_a_link_report(
    store_a, alice, carol_pro, customer
):
    referral = actions.send_referral(customer, acting_user=alice, interest="A Civic", pro=carol_pro)
    with pytest.raises(PermissionDenied):
        actions.transition(referral, "contact", acting_user=None, via="pro_link")
    with pytest.raises(PermissionDenied):
        actions.transition(referral, "contact", acting_user=None)
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT
