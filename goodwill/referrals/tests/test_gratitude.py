"""Say thank you: a task with a ready-made note when a referral is won, and rewards that
enter an approval list guarded against abuse."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from goodwill.conftest import make_customer, make_staff
from goodwill.customers.actions import update_customer
from goodwill.referrals import actions
from goodwill.referrals.models import Referral, ReferralPolicy, Reward, ThankYou

pytestmark = pytest.mark.django_db


def _won(customer, alice, pro, winner, *, hours_later=5, reward=None, **kw):
    sent = timezone.now() - timedelta(hours=hours_later)
    kw.setdefault("interest", "a Honda Civic")
    referral = actions.send_referral(customer, acting_user=alice, pro=pro, at=sent, **kw)
    actions.transition(
        referral, "win", acting_user=winner, value=Decimal("25000"), reward_amount=reward
    )
    return referral


def test_a_won_referral_gives_the_pro_a_thank_you_task_for_the_sender(
    customer, alice, carol_pro, carol, client_for
):
    referral = _won(customer, alice, carol_pro, carol)
    task = ThankYou.objects.get(referral=referral)
    assert task.dealership_id == carol.dealership_id and task.assigned_to == carol
    assert task.thank_whom == "Alice Test (Capital City Ford)"
    assert task.message.startswith("Dear Alice,") and "Robert" in task.message
    client = client_for(carol)
    assert "Thank <strong>Alice Test (Capital City Ford)" in client.get("/referrals/").text
    client.post(
        f"/referrals/thanks/{task.public_id}/send/",
        {"message": "Alice — thank you!", "method": "goodwill"},
    )
    task.refresh_from_db()
    assert task.status == ThankYou.Status.DONE and task.done_by == carol
    assert task.message == "Alice — thank you!" and task.method == "goodwill"
    assert task.to_user == alice
    assert referral.events.filter(verb="thanked", actor=carol).exists()


def test_a_customer_who_brought_a_friend_is_thanked_by_the_sender(
    store_a, customer, alice, carol_pro, carol
):
    friend = make_customer(
        store_a,
        alice,
        first_name="Frank",
        last_name="Friend",
        relationship="friend",
        phones={"mobile": "(512) 555-0166"},
    )
    referral = _won(
        customer, alice, carol_pro, carol, referrer_kind="friend", referrer_customer=friend
    )
    mine = ThankYou.objects.get(referral=referral, dealership=store_a)
    assert mine.assigned_to == alice and mine.thank_whom == "Frank Friend"
    assert mine.thank_whom_kind == "friend"
    assert ThankYou.objects.filter(referral=referral).count() == 2


def test_a_reward_enters_the_approval_list_and_a_manager_decides(
    store_c, customer, alice, carol_pro, carol, client_for
):
    referral = _won(customer, alice, carol_pro, carol, reward=Decimal("150"))
    reward = Reward.objects.get(referral=referral)
    assert reward.dealership == store_c and reward.status == Reward.Status.PENDING
    assert reward.payee == "Alice Test (Capital City Ford)" and not reward.flagged
    with pytest.raises(PermissionDenied):
        actions.decide_reward(reward, acting_user=carol, decision="approve")
    boss = make_staff(store_c, "hank", "sales_mgr")
    client = client_for(boss)
    assert "$150" in client.get("/referrals/thanks/").text
    client.post(f"/referrals/rewards/{reward.public_id}/decide/", {"decision": "reject"})
    reward.refresh_from_db()
    assert reward.status == Reward.Status.PENDING  # a rejection needs a reason
    client.post(f"/referrals/rewards/{reward.public_id}/decide/", {"decision": "approve"})
    client.post(f"/referrals/rewards/{reward.public_id}/decide/", {"decision": "paid"})
    reward.refresh_from_db()
    assert reward.status == Reward.Status.PAID and reward.decided_by == boss
    verbs = list(referral.events.values_list("verb", flat=True))
    assert "reward_proposed" in verbs and "reward_approved" in verbs and "reward_paid" in verbs


def test_the_store_default_reward_applies_when_none_is_typed(
    store_c, customer, alice, carol_pro, carol
):
    ReferralPolicy.objects.create(dealership=store_c, default_reward=Decimal("100"))
    referral = _won(customer, alice, carol_pro, carol)
    assert referral.rewards.get().amount == Decimal("100")


def test_no_reward_for_referring_oneself(store_a, customer, alice, carol_pro, carol):
    referral = _won(
        customer,
        alice,
        carol_pro,
        carol,
        reward=Decimal("100"),
        referrer_kind="customer",
        referrer_customer=customer,
    )
    assert not referral.rewards.exists()
    assert "Self-referral" in referral.events.get(verb="reward_refused").note


def test_no_reward_when_the_referrer_shares_the_customers_phone(
    store_a, customer, alice, carol_pro, carol
):
    twin = make_customer(
        store_a, alice, first_name="Bobby", last_name="K", phones={"mobile": "(512) 555-0123"}
    )
    referral = _won(
        customer,
        alice,
        carol_pro,
        carol,
        reward=Decimal("100"),
        referrer_kind="customer",
        referrer_customer=twin,
    )
    assert not referral.rewards.exists()


def test_no_reward_for_someone_already_a_customer_of_the_receiving_store(
    store_c, customer, alice, carol_pro, carol
):
    make_customer(
        store_c, carol, first_name="Robert", last_name="Kowalski", relationship="customer"
    )
    referral = _won(
        customer, alice, carol_pro, carol, reward=Decimal("100"), direction_method="in_person"
    )
    assert not referral.rewards.exists()
    assert "already a customer" in referral.events.get(verb="reward_refused").note


def test_no_reward_for_an_internal_referral_of_an_existing_customer(store_a, customer, alice, mike):
    type(customer).objects.filter(pk=customer.pk).update(
        relationship="customer", created_at=timezone.now() - timedelta(days=400)
    )
    customer.refresh_from_db()
    referral = actions.send_referral(
        customer,
        acting_user=alice,
        to_department="service",
        interest="tires",
        at=timezone.now() - timedelta(days=1),
    )
    actions.transition(
        referral, "win", acting_user=mike, value=Decimal("600"), reward_amount=Decimal("25")
    )
    assert not referral.rewards.exists()


def test_suspicious_rewards_are_flagged_for_review(customer, alice, carol_pro, carol):
    quick = _won(customer, alice, carol_pro, carol, hours_later=0, reward=Decimal("1500"))
    reward = quick.rewards.get()
    assert reward.flagged
    assert "less than an hour" in reward.flag_reason and "above $1,000" in reward.flag_reason


def test_many_rewards_to_the_same_referrer_are_flagged(customer, alice, carol_pro, carol):
    rewards = [
        _won(customer, alice, carol_pro, carol, reward=Decimal("50")).rewards.get()
        for _ in range(4)
    ]
    assert [r.flagged for r in rewards] == [False, False, False, True]
    assert "3 rewards to the same referrer" in rewards[-1].flag_reason


def test_rewards_need_a_positive_amount(customer, alice, carol_pro, carol):
    referral = actions.send_referral(customer, acting_user=alice, pro=carol_pro, interest="x")
    with pytest.raises(ValidationError) as exc:
        actions.transition(
            referral, "win", acting_user=carol, value=Decimal("1"), reward_amount=Decimal("0")
        )
    assert "reward_amount" in exc.value.message_dict
    assert Referral.objects.get().status == Referral.Status.SENT


def test_referral_partners_page_shows_what_they_sent_and_when_they_became_customers(
    store_a, customer, alice, carol_pro, client_for
):

    friend = make_customer(
        store_a,
        alice,
        first_name="Frank",
        last_name="Friend",
        relationship="friend",
        phones={"mobile": "(512) 555-0166"},
    )
    actions.send_referral(
        customer,
        acting_user=alice,
        pro=carol_pro,
        interest="a Civic",
        referrer_kind="friend",
        referrer_customer=friend,
    )
    # The page moved to the partners app; the old address leads there.
    page = client_for(alice).get("/referrals/partners/", follow=True).text
    assert "Frank Friend" in page and "1 referred" in page and "Not a customer (yet)" in page
    update_customer(friend, acting_user=alice, relationship="customer")
    page = client_for(alice).get("/referrals/partners/", follow=True).text
    assert "Became a customer" in page
