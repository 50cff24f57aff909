"""See delight as pictures: the NPS-by-month chart, departments, staff and (for a dealer
group's admins) stores month by month, promoters who referred, earned referrals per
salesperson; each figure opens the answers or referrals behind it and downloads as CSV."""

import csv
import io

import pytest
from django.core.management import call_command

from goodwill.conftest import make_customer, make_staff
from goodwill.dealerships.actions import set_group
from goodwill.feedback import delight, reports
from goodwill.feedback.tests.helpers import answer

pytestmark = pytest.mark.django_db


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_departments_and_staff_are_laid_out_month_by_month(store_a, answers, alice):
    starts = delight.month_starts(store_a)
    assert len(starts) == 12 and starts[-1].day == 1
    sales, service = delight.departments_over_time(store_a)
    assert (sales.label, sales.total["nps"], service.total["nps"]) == ("Sales", 25, -100)
    assert [c["answers"] for c in sales.cells][-1] == 4 and len(sales.cells) == 12
    assert sales.cells[-1]["bucket"] == "mid" and service.cells[-1]["bucket"] == "low"
    staff = {s.label: s for s in delight.staff_over_time(store_a)}
    assert staff["Alice Test"].total["nps"] == 67
    assert staff["Alice Test"].link == f"staff={alice.public_id}"
    assert staff["Alice Test"].spark  # a trend line with the month that has answers


def test_the_report_draws_the_charts_and_every_figure_opens_what_is_behind_it(
    client_for, answers, customer, alice, mike
):
    client = client_for(mike)
    page = client.get("/surveys/report/")
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="nps-by-month-chart"' in text and "<rect" in text
    month = delight.month_starts(mike.dealership)[-1].strftime("%Y-%m")
    # the month's bar, the department's and the staff member's cells open their answers
    assert f'href="/surveys/?month={month}"' in text
    assert f"/surveys/?month={month}&amp;department=service" in text
    assert f"/surveys/?month={month}&amp;staff={alice.public_id}" in text
    behind = client.get(f"/surveys/?month={month}&department=service")
    assert "scored 6" in behind.text and "scored 10" not in behind.text
    # promoters who referred: the list opens that promoter's referrals
    assert f"/surveys/referrals/?referrer={customer.public_id}" in text
    referrals = client.get(f"/surveys/referrals/?referrer={customer.public_id}")
    assert referrals.status_code == 200 and "Fay" in referrals.text
    # earned referrals per salesperson open the referrals in their name
    earned = client.get(f"/surveys/referrals/?staff={alice.public_id}&earned=1")
    assert "Fay" in earned.text and "earned" in earned.text
    assert "Fay" in client.get("/surveys/referrals/?promoters=1").text
    assert "Fay" not in client.get("/surveys/referrals/?others=1").text


def test_promoters_who_referred_and_earned_referrals_per_salesperson(store_a, answers, customer):
    [promoter] = delight.promoters_who_referred(store_a)
    assert promoter["customer_id"] == customer.public_id
    assert (promoter["score"], promoter["referrals"], promoter["earned"]) == (10, 1, 1)
    assert reports.referral_rate(store_a)["promoters"]["referred"] == 1
    [alice_row] = delight.earned_by_salesperson(store_a)
    assert (alice_row["name"], alice_row["earned"], alice_row["width"]) == ("Alice Test", 1, 100)


def test_every_figure_downloads_as_csv_that_no_spreadsheet_runs(client_for, store_a, answers, mike):
    evil = make_staff(store_a, "eve", "sales", first_name="=cmd|'/c calc'!A1")
    answer(answers[0], evil, 10, "deal:evil")
    client = client_for(mike)
    month = delight.month_starts(store_a)[-1].strftime("%Y-%m")
    departments = _csv(client.get("/surveys/report/?csv=departments"))
    assert departments[0] == ["department", "month", "answers", "promoters", "passives",
                              "detractors", "nps"]  # fmt: skip
    assert ["Service", month, "1", "0", "0", "1", "-100"] in departments
    staff_months = _csv(client.get("/surveys/report/?csv=staff-months"))
    assert any(r[0].startswith("'=cmd") and r[1] == month for r in staff_months[1:])
    staff = _csv(client.get("/surveys/report/?csv=staff"))
    assert ["Alice Test", "3", "2", "1", "0", "67", "1"] in staff
    assert _csv(client.get("/surveys/report/?csv=promoters"))[1][3:] == ["1", "1", "0"]
    assert _csv(client.get("/surveys/report/?csv=earned"))[1] == ["Alice Test", "1", "0"]
    assert _csv(client.get("/surveys/report/?csv=recovery"))[1] == ["2", "0", "0", "2"]
    rates = _csv(client.get("/surveys/report/?csv=rates"))
    assert rates[1] == ["promoters", "2", "1", "50"]  # Ann was a promoter already
    assert _csv(client.get("/surveys/report/?csv=months"))[1][1:] == ["6", "3", "1", "2", "17"]


def test_a_group_admin_sees_each_stores_nps_but_opens_only_their_own_answers(
    client_for, store_a, store_b, answers, dana, bob, mike
):
    answer(make_customer(store_b, bob, first_name="Olivia"), bob, 2, "deal:b1")
    assert not client_for(dana).get("/surveys/report/").context["stores"]  # no group yet
    call_command("group", "Capital Auto Group", stores="a-ford,b-toyota", stdout=io.StringIO())
    dana.refresh_from_db()
    page = client_for(dana).get("/surveys/report/")
    assert "Across Capital Auto Group" in page.text
    stores = {s.label: s for s in page.context["stores"]}
    assert stores["Capital City Ford"].total["nps"] == 0
    assert stores["Hill Country Toyota"].total["nps"] == -100
    assert stores["Hill Country Toyota"].link is None  # figures only: no link into store B
    assert "Olivia" not in page.text and "scored 2" not in page.text
    rows = _csv(client_for(dana).get("/surveys/report/?csv=stores"))
    assert any(r[0] == "Hill Country Toyota" and r[-1] == "-100" for r in rows)
    # a manager who is not a dealer admin sees only their store
    assert "Across" not in client_for(mike).get("/surveys/report/").text
    set_group(store_b, "")
    dana.refresh_from_db()
    assert [s.label for s in delight.stores_over_time(dana)] == ["Capital City Ford"]


def test_only_managers_open_delight_and_its_referrals(client_for, alice):
    assert client_for(alice).get("/surveys/report/").status_code == 403
    assert client_for(alice).get("/surveys/referrals/").status_code == 403
