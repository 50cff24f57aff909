"""In a real browser: a referral sent at one store, worked by the pro at the other, and the
thank-you that follows — at phone width and desktop width."""

import pytest
from playwright.sync_api import expect

from goodwill.conftest import login, screenshot
from goodwill.referrals.models import Referral, ThankYou

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_a_referral_is_sent_won_by_the_pro_and_the_sender_sees_the_thank_you(
    page_at, alice, carol, customer, carol_pro, width
):
    sender = page_at(width)
    login(sender, "alice")
    sender.get_by_role("link", name="Referrals").click()
    sender.get_by_role("link", name="+ Send a referral").click()
    sender.select_option("#id_customer", label="Robert Kowalski")
    sender.select_option("#id_pro", label="Carol Test · Lone Star Honda (Honda)")
    sender.fill("#id_interest", "a Honda Civic for his daughter")
    sender.check("#id_share_directed")
    screenshot(sender, f"referral-form-{width}")
    sender.get_by_role("button", name="Send referral").click()
    sender.wait_for_selector("text=Referral sent.")
    screenshot(sender, f"referral-sent-{width}")
    referral = Referral.objects.get()
    assert referral.shared_full and referral.to_user == carol

    pro = page_at(width)
    login(pro, "carol")
    pro.get_by_role("link", name="Referrals").click()
    pro.get_by_role("link", name="Robert Kowalski").click()
    # The click navigates: wait for the page that shows the shared snapshot, not the old one.
    expect(pro.locator("text=(512) 555-0123")).to_be_visible()
    screenshot(pro, f"referral-received-{width}")
    pro.get_by_role("button", name="Acknowledge").click()
    pro.wait_for_selector("text=Acknowledge: saved.")
    pro.locator("summary", has_text="Won").click()
    pro.fill("#win-value", "27500")
    pro.get_by_role("button", name="Mark won").click()
    pro.wait_for_selector("#status >> text=Won")
    screenshot(pro, f"referral-won-{width}")
    pro.get_by_role("link", name="Referrals").first.click()
    tasks = pro.locator("#thank-you-tasks")
    assert "Thank Alice Test (Capital City Ford)" in tasks.inner_text()
    screenshot(pro, f"referral-thank-you-task-{width}")

    sender.goto(f"/referrals/{referral.public_id}/")
    assert sender.locator("#status").inner_text() == "Won"
    gratitude = sender.locator("li.thank-you")
    assert "Thank-you to Alice Test" in gratitude.inner_text()
    assert "Carol Test of Lone Star Honda writes it" in gratitude.inner_text()
    assert "Acknowledged" in sender.locator(".timeline").inner_text()
    screenshot(sender, f"referral-sender-sees-thanks-{width}")
    assert ThankYou.objects.get().assigned_to == carol
