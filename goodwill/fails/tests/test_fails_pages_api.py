from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_staff
from goodwill.customers.actions import set_consent
from goodwill.fails import actions, cadence
from goodwill.fails.models import FailsCase, FollowUp
from goodwill.floor import actions as floor_actions
from goodwill.floor.models import Deal, FloorEvent
from goodwill.floor.tests.conftest import failed_deal
from goodwill.outreach.actions import hold_asks, record_ask
from goodwill.outreach.tests.factories import daytime

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(store_a, alice):
    return FailsCase.objects.get(deal=failed_deal(store_a, alice))


def test_the_queue_lists_waiting_cases_with_few_queries(
    client_for, store_a, alice, fiona, django_assert_max_num_queries
):
    for _ in range(8):
        failed_deal(store_a, alice)
    client = client_for(fiona)
    with django_assert_max_num_queries(10):
        page = client.get("/fails/").text
    assert page.count("Unclaimed") == 8
    assert "Payment too high" in page


def test_claim_step_and_recover_from_the_pages(client_for, case, fiona):
    client = client_for(fiona)
    client.post(f"/fails/{case.public_id}/claim/")
    response = client.post(f"/fails/{case.public_id}/step/", {"kind": "call_back", "notes": ""})
    assert response.status_code == 422 and "Say what happened" in response.text
    client.post(f"/fails/{case.public_id}/step/", {"kind": "call_back", "notes": "Called"})
    response = client.post(
        f"/fails/{case.public_id}/close/", {"status": "recovered", "vehicle": "2025 Ford Edge"}
    )
    assert response.url == f"/floor/deals/{case.deal.public_id}/"
    page = client.get(response.url).text
    assert "Worked the not-sold deal back" in page and "Recovered by Fiona Test" in page


def test_a_salesperson_cannot_claim(client_for, case, ben):
    assert client_for(ben).post(f"/fails/{case.public_id}/claim/").status_code == 403
    case.refresh_from_db()
    assert case.claimed_by is None


def test_the_api_claims_once_and_names_the_holder(case, fiona, store_a):
    gus = make_staff(store_a, "gus", "fails")
    assert ApiClient(fiona).post(f"/fails/{case.public_id}/claim").status_code == 200
    second = ApiClient(gus).post(f"/fails/{case.public_id}/claim")
    assert second.status_code == 422 and "Fiona Test" in str(second.json())
    queue = ApiClient(gus).get("/fails?show=open").json()
    assert queue[0]["claimed_by"]["name"] == "Fiona Test"


def test_the_api_steps_idempotently_and_closes_lost(case, fiona):
    api = ApiClient(fiona)
    api.post(f"/fails/{case.public_id}/claim")
    body = {"kind": "be_back", "appointment_at": (timezone.now() + timedelta(days=1)).isoformat()}
    first = api.post(f"/fails/{case.public_id}/steps", body, headers={"Idempotency-Key": "s1"})
    again = api.post(f"/fails/{case.public_id}/steps", body, headers={"Idempotency-Key": "s1"})
    assert first.status_code == 201 and first.json() == again.json()
    assert first.json()["appointment_id"]
    no_reason = api.post(f"/fails/{case.public_id}/close", {"status": "lost"})
    assert no_reason.status_code == 422
    closed = api.post(f"/fails/{case.public_id}/close", {"status": "lost", "reason": "Moved"})
    assert closed.json()["status"] == "lost"
    assert api.get(f"/fails/{case.public_id}").json()["steps"][0]["kind"] == "be_back"


def test_recovered_over_the_api_keeps_the_salesperson_share(case, fiona):
    api = ApiClient(fiona)
    api.post(f"/fails/{case.public_id}/claim")
    api.post(f"/fails/{case.public_id}/close", {"status": "recovered", "vehicle": "2025 Edge"})
    deal = api.get(f"/deals/{case.deal.public_id}").json()
    assert {c["role"]: c["share"] for c in deal["credit"]} == {"upper": "50.00", "fails": "50.00"}
    assert Deal.objects.get(pk=case.deal_id).recovered_by == fiona


def test_an_opted_out_customer_is_never_contacted(case, fiona, alice):
    set_consent(case.customer, "phone", granted=False, method="phone", acting_user=alice)
    actions.claim(case, specialist=fiona)
    # No channel allowed: the cadence is planned but blocked, never due.
    assert set(case.follow_ups.values_list("status", flat=True)) == {"blocked"}
    follow_up = case.follow_ups.first()
    response = ApiClient(fiona).post(f"/follow-ups/{follow_up.public_id}/contact", {})
    assert response.status_code == 422


def test_the_weekly_cap_refuses_a_third_contact(case, fiona, alice, store_a):
    for channel in ("phone", "text", "email"):
        set_consent(case.customer, channel, granted=True, method="phone", acting_user=alice)
    actions.claim(case, specialist=fiona)
    due = list(case.follow_ups.order_by("due_at"))
    assert [f.channel for f in due] == ["phone", "text", "phone", "email"]
    now = daytime(8, hour=10)  # store time, outside the quiet hours
    first = cadence.record_contact(due[0], by=fiona, now=now)
    cadence.record_contact(due[1], by=fiona, now=now + timedelta(hours=1))
    with pytest.raises(ValidationError, match="already contacted 2 times in the last 7 days"):
        cadence.record_contact(due[2], by=fiona, now=now + timedelta(hours=2))
    # Each contact is a follow-up in the one ask log, linked from its follow-up.
    assert first.kind == "follow_up" and first.follow_up == due[0] and first.by == fiona
    # The pacing job moves it to when the week frees up.
    changed = cadence.pace_follow_ups(now=now + timedelta(hours=2))
    due[2].refresh_from_db()
    assert changed >= 1 and due[2].due_at == now + timedelta(days=7)


def test_a_text_from_the_customer_page_counts_toward_the_fails_cap(case, fiona, alice):
    for channel in ("phone", "text"):
        set_consent(case.customer, channel, granted=True, method="phone", acting_user=alice)
    actions.claim(case, specialist=fiona)
    now = daytime(8, hour=10)
    record_ask(case.customer, "message", "text", by=alice, at=now)
    record_ask(case.customer, "message", "text", by=alice, at=now)
    follow_up = case.follow_ups.order_by("due_at").first()
    with pytest.raises(ValidationError, match="at most 2"):
        cadence.record_contact(follow_up, by=fiona, now=now + timedelta(hours=1))


def test_a_customer_on_hold_is_not_followed_up(case, fiona, alice):
    set_consent(case.customer, "phone", granted=True, method="phone", acting_user=alice)
    hold_asks(case.customer, "detractor", note="Scored 2 after the last visit")
    actions.claim(case, specialist=fiona)
    assert set(case.follow_ups.values_list("status", flat=True)) == {"blocked"}
    assert "not to be asked" in case.follow_ups.first().note


def test_withdrawn_consent_blocks_a_planned_follow_up(case, fiona, alice):
    set_consent(case.customer, "phone", granted=True, method="phone", acting_user=alice)
    actions.claim(case, specialist=fiona)
    set_consent(case.customer, "phone", granted=False, method="phone", acting_user=alice)
    planned = case.follow_ups.count()
    assert cadence.pace_follow_ups(now=timezone.now() + timedelta(days=30)) == planned
    assert set(case.follow_ups.values_list("status", flat=True)) == {FollowUp.Status.BLOCKED}
    # The job's change is in the history too: one event per follow-up, by nobody (the system).

    paced = FloorEvent.objects.filter(verb=FloorEvent.Verb.FOLLOW_UP_PACED, actor=None)
    assert paced.count() == planned
    assert {e.data["what"] for e in paced} == {"blocked"}
    assert {e.reason for e in paced} == {"Consent withdrawn."}
    # Run again: nothing is due any more, so nothing changes and no event is added.
    assert cadence.pace_follow_ups(now=timezone.now() + timedelta(days=30)) == 0
    assert paced.count() == planned


def test_a_no_show_starts_the_be_back_cadence_on_allowed_channels(store_a, alice, customer):

    set_consent(customer, "text", granted=True, method="in_person", acting_user=alice)
    appointment = floor_actions.set_appointment(
        customer,
        salesperson=alice,
        acting_user=alice,
        starts_at=timezone.now() + timedelta(hours=1),
    )
    floor_actions.set_appointment_status(appointment, "no_show", acting_user=alice)
    follow_ups = FollowUp.objects.filter(customer=customer, kind="be_back")
    assert follow_ups.count() == 3
    assert set(follow_ups.values_list("channel", "status")) == {("text", "due")}
    assert set(follow_ups.values_list("owner", flat=True)) == {alice.pk}
