from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.conftest import PASSWORD, make_customer
from goodwill.fails import actions as fails_actions
from goodwill.fails.models import FailsCase
from goodwill.feedback.tests.helpers import sent_survey
from goodwill.floor.tests.conftest import failed_deal
from goodwill.myday.items import my_day
from goodwill.outreach import policy
from goodwill.referrals import actions as referral_actions

pytestmark = pytest.mark.django_db


def test_a_salesperson_lands_on_my_day_after_signing_in(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert client.get(response.url).url == reverse("myday:home")
    assert client.get("/", follow=True).redirect_chain[-1][0] == reverse("myday:home")


def test_my_day_lists_what_is_mine_most_urgent_first(client_for, alice, day):
    items = my_day(alice).items
    kinds = [item.kind for item in items]
    # Someone in the showroom first, then what is overdue, then today, then the rest.
    assert kinds[:2] == ["up", "turnover"] or kinds[:2] == ["turnover", "up"]
    assert kinds.index("referral") < kinds.index("appointment")
    late = next(i for i in items if i.id == str(day["late"].public_id))
    fresh = next(i for i in items if i.id == str(day["fresh"].public_id))
    assert late.overdue and not fresh.overdue
    assert items.index(late) < items.index(fresh)
    assert late.note == "Acknowledge within 4 business hours"

    page = client_for(alice).get(reverse("myday:home")).text
    assert page.index("Bea Back") < page.index("Rita Referred") < page.index("Fred Fresh")
    assert f'class="myday-item overdue" data-kind="referral" id="item-{late.id}"' in page
    assert "Overdue" in page and "Speaks Spanish" in page and "Test drive" in page
    assert reverse("referrals:acknowledge", kwargs={"referral_id": late.id}) in page


def test_a_follow_up_line_has_the_phone_the_consented_actions_and_the_cap(client_for, alice, day):
    line = next(i for i in my_day(alice).items if i.kind == "follow_up")
    assert line.overdue and line.phone == "+15125550199"
    assert line.cap == "0 of 2 contacts this week"
    actions = {a.label: a for a in line.actions}
    assert actions["Call"].allowed and actions["Call"].url == "tel:+15125550199"
    assert not actions["Text"].allowed
    assert "has not given consent to text message" in actions["Text"].reason
    assert not actions["Email"].allowed
    page = client_for(alice).get(reverse("myday:home")).text
    assert 'href="tel:+15125550199"' in page and "0 of 2 contacts this week" in page


def test_the_nav_shows_the_count_from_my_day(client_for, alice, day):
    client = client_for(alice)
    count = my_day(alice).count
    client.get(reverse("myday:home"))
    page = client.get(reverse("customers:list")).text
    assert f'<span class="nav-count" aria-label="{count} to do">{count}</span>' in page


def test_a_manager_sees_the_teams_overdue_items(client_for, mike, alice, day):
    team = my_day(mike).team
    assert {item.kind for item in team} == {"referral", "follow_up"}
    assert all(item.owner == alice.display_name and item.overdue for item in team)
    assert str(day["fresh"].public_id) not in {item.id for item in team}  # not late yet
    page = client_for(mike).get(reverse("myday:home")).text
    assert "Your team's overdue work" in page and "Rita Referred" in page
    assert not [item for item in my_day(alice).items if item.team]


def test_a_fails_specialist_sees_the_cases_they_claimed(store_a, alice, fiona):
    case = FailsCase.objects.get(deal=failed_deal(store_a, alice))
    fails_actions.claim(case, specialist=fiona)
    kinds = {item.kind for item in my_day(fiona).items}
    assert "fails_case" in kinds


def test_thank_yous_to_write_are_on_my_day(store_a, alice, mike):
    customer = make_customer(store_a, mike, first_name="Wendy", last_name="Won")
    referral = referral_actions.send_referral(
        customer, acting_user=alice, to_user=mike, interest="a Ranger"
    )
    referral_actions.transition(referral, "win", acting_user=mike, value=Decimal("41250"))
    thanks = referral.thank_yous.get()
    owner = thanks.assigned_to
    assert str(thanks.public_id) in {i.id for i in my_day(owner).items if i.kind == "thank_you"}


def test_another_stores_work_never_shows(store_b, bob, alice, day):
    assert not my_day(bob).items


def test_the_api_returns_the_same_list(alice, day):
    answer = ApiClient(alice).get("/my-day")
    assert answer.status_code == 200
    body = answer.json()
    assert [i["id"] for i in body["items"]] == [i.id for i in my_day(alice).items]
    assert body["count"] == my_day(alice).count and body["ack_business_hours"] == 4
    follow_up = next(i for i in body["items"] if i["kind"] == "follow_up")
    assert follow_up["cap"] == "0 of 2 contacts this week"


@pytest.mark.parametrize("who", ["alice", "mike", "fiona", "advisor", "dana"])
def test_my_day_answers_in_a_fixed_number_of_queries(
    request, client_for, who, day, fiona, advisor, dana, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    client = client_for(user)
    client.get(reverse("myday:home"))  # the session and the store's settings rows exist
    with django_assert_max_num_queries(18):
        assert client.get(reverse("myday:home")).status_code == 200


def test_the_query_count_does_not_grow_with_the_items(
    store_a, alice, mike, client_for, django_assert_max_num_queries
):
    for n in range(12):
        customer = make_customer(store_a, mike, first_name=f"Rex{n}", last_name="Many")
        referral_actions.send_referral(
            customer,
            acting_user=mike,
            to_user=alice,
            interest="a Maverick",
            at=timezone.now() - timedelta(days=2),
        )
    client = client_for(alice)
    client.get(reverse("myday:home"))
    with django_assert_max_num_queries(16):
        page = client.get(reverse("myday:home")).text
    assert page.count('data-kind="referral"') == 12


def test_the_lines_answer_agrees_with_may_ask(store_a, alice, day):
    paula = day["paula"]
    reach = policy.reach_many(store_a, [paula])[paula.pk]
    for channel in ("phone", "text", "email"):
        assert reach.open[channel].allowed == bool(policy.may_ask(paula, "follow_up", channel))


def test_a_detractors_recovery_task_is_on_the_managers_my_day(client, customer, alice, mike):
    _, token = sent_survey(customer, alice)
    client.post(f"/s/{token}/", {"score": "3", "comment": "Nobody called me back"})
    [item] = [i for i in my_day(mike).items if i.kind == "recovery"]
    assert (
        item.title == customer.display_name and item.detail == "Scored 3: “Nobody called me back”"
    )
    assert not [i for i in my_day(alice).items if i.kind == "recovery"]
