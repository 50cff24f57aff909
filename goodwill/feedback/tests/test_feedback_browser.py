"""Surveys in a real browser at a phone's and a desk's width: a promoter answers from the
emailed link and introduces a friend, who appears as an earned referral credited to them; a
detractor's answer becomes the manager's recovery task, with no invitation."""

import pytest
from django.core import mail

from goodwill.conftest import login, make_customer, screenshot
from goodwill.feedback.models import RecoveryTask
from goodwill.feedback.tests.helpers import allow_email, link_in, run_survey_jobs, sell
from goodwill.outreach.models import Ask
from goodwill.referrals.models import Referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _emailed_link(customer, salesperson) -> str:
    allow_email(customer, salesperson)
    sell(customer, salesperson)
    before = len(mail.outbox)
    run_survey_jobs()
    [message] = [m for m in mail.outbox[before:] if customer.primary_email in m.to]
    path, _ = link_in(message)
    return path


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_a_promoter_answers_and_introduces_a_friend_credited_as_earned(
    page_at, customer, alice, mike, width
):
    path = _emailed_link(customer, alice)
    page = page_at(width)
    page.goto(path)
    page.wait_for_selector("h1:has-text('How did we do, Robert?')")
    assert "Alice Test" in page.locator(".who").inner_text()
    _fits(page, width)
    page.locator("label.score", has_text="10").click()
    page.fill("#id_comment", "Alice made it easy")
    screenshot(page, f"feedback-survey-{width}")
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_selector("h1:has-text('Thank you, Robert!')")
    assert page.locator(".qr svg").count() == 1
    assert "/r/" in page.locator("#referral-url").input_value()
    _fits(page, width)
    page.fill("#id_friend-first_name", "Maria")
    page.fill("#id_friend-last_name", "Lopez")
    page.fill("#id_friend-phone", "512-555-0199")
    page.fill("#id_friend-email", "maria.l@example.com")
    page.fill("#id_friend-interest", "a family SUV")
    page.locator("label", has_text="My friend agreed").click()
    screenshot(page, f"feedback-thanks-promoter-{width}")
    page.get_by_role("button", name="Introduce my friend").click()
    page.wait_for_selector("text=we will be in touch with your friend")

    referral = Referral.objects.get(referrer_customer=customer)
    assert referral.earned and referral.to_user == alice
    assert Ask.objects.filter(customer=customer, kind="referral_invite").count() == 1
    page.context.clear_cookies()
    login(page, "alice")
    page.goto(f"/referrals/{referral.public_id}/")
    came = page.locator("dt:has-text('How it came') + dd").inner_text()
    assert "Referral card or link" in came and "earned" in came
    assert "introduced by Robert Kowalski" in page.content()
    screenshot(page, f"feedback-referral-earned-{width}")
    _fits(page, width)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_detractor_becomes_the_managers_recovery_task_and_is_not_invited(
    page_at, store_a, alice, mike, width
):
    unhappy = make_customer(
        store_a, alice, first_name="Dora", last_name="Grumble", emails={"home": "dora@example.com"}
    )
    path = _emailed_link(unhappy, alice)
    page = page_at(width)
    page.goto(path)
    page.locator("label.score", has_text="3").click()
    page.fill("#id_comment", "Waited two hours for the paperwork")
    page.get_by_role("button", name="Send my answer").click()
    page.wait_for_selector("h1:has-text('Thank you, Dora!')")
    assert "A manager has your comment" in page.content()
    assert page.locator(".qr").count() == 0 and page.locator("#introduce").count() == 0
    screenshot(page, f"feedback-thanks-detractor-{width}")
    assert not Ask.objects.filter(customer=unhappy, kind="referral_invite").exists()

    page.context.clear_cookies()
    login(page, "mike")
    page.goto("/surveys/recovery/")
    page.get_by_role("link", name="Dora Grumble").click()
    page.wait_for_selector("text=Waited two hours for the paperwork")
    page.fill("#id_action_taken", "Called Dora, apologised, paid for her first oil change")
    page.locator("label", has_text="Yes, won back").click()
    screenshot(page, f"feedback-recovery-{width}")
    page.get_by_role("button", name="Close", exact=True).click()
    page.wait_for_selector("text=Recovery of Dora Grumble closed.")
    task = RecoveryTask.objects.get(customer=unhappy)
    assert task.manager == mike and task.won_back is True
    _fits(page, width)
