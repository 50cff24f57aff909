"""See delight: NPS by month, department and staff member with CSV and drill-down, recovered
detractors, promoters' referral rate against everyone else's."""

import csv
import io

import pytest

from goodwill.feedback import reports

pytestmark = pytest.mark.django_db


def test_nps_by_month_department_and_staff(store_a, answers, alice, mike):
    [month] = reports.by_month(store_a)
    assert (month["answers"], month["promoter"], month["detractor"]) == (5, 2, 2)
    assert month["nps"] == 0
    departments = {d["department"]: d["nps"] for d in reports.by_department(store_a)}
    assert departments == {"sales": 25, "service": -100}
    staff = {s["name"]: s for s in reports.by_staff(store_a)}
    assert staff["Alice Test"]["nps"] == 67 and staff["Alice Test"]["earned"] == 1
    assert staff["Mike Test"]["nps"] == -100
    rates = reports.referral_rate(store_a)
    assert rates["promoters"] == {"customers": 2, "referred": 1, "rate": 50}
    assert rates["others"]["referred"] == 0 and rates["others"]["customers"] == 3


def test_the_report_page_drills_down_and_downloads_csv(client_for, answers, alice, mike):
    client = client_for(mike)
    page = client.get("/surveys/report/")
    assert page.status_code == 200 and "Alice Test" in page.text
    [month] = reports.by_month(mike.dealership)
    detractors = client.get(f"/surveys/?month={month['month']:%Y-%m}&category=detractor")
    assert "scored 3" in detractors.text and "scored 10" not in detractors.text
    download = client.get("/surveys/report/?csv=staff")
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][0] == "staff" and ["Alice Test", "3", "2", "1", "0", "67", "1"] in rows
    months = list(csv.reader(io.StringIO(client.get("/surveys/report/?csv=months").text)))
    assert months[1][1:] == ["5", "2", "1", "2", "0"]
    assert client_for(alice).get("/surveys/report/").status_code == 403
