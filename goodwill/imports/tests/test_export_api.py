"""Exports (ZIP of CSV per table + JSON + vCards, formula cells neutralised, a re-import
gives the same customers) and the imports API through ApiClient."""

import base64
import csv
import io
import json
import zipfile

import pytest
import vobject
from django.core.exceptions import ValidationError
from django.core.management import call_command

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer, make_staff
from goodwill.customers.actions import add_vehicle, set_consent
from goodwill.customers.models import Consent, Customer, Vehicle
from goodwill.imports import actions
from goodwill.imports.export import write_export
from goodwill.imports.tests.helpers import upload_bytes
from goodwill.jobs.testing import run_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled_store(store_a, alice, customer):
    add_vehicle(customer, acting_user=alice, vin="1FTFW1E84MFA12345")
    set_consent(customer, "email", granted=True, method="in_person", acting_user=alice)
    make_customer(
        store_a,
        alice,
        first_name='=HYPERLINK("http://evil.example")',
        last_name="@SUM(A1)",
        phones={"home": "512 555 0144"},
        notes="-2+3 looks like a formula",
        street="12 Oak St, Apt 4",
    )
    make_customer(
        store_a,
        alice,
        kind="business",
        company_name="Lone Star Rentals",
        first_name="",
        last_name="",
        phones={"work": "512 555 0150"},
        emails={"work": "fleet@lonestar.example"},
    )
    return store_a


def _comparable(store):
    rows = []
    for c in Customer.objects.filter(dealership=store).prefetch_related("phones", "emails"):
        rows.append(
            (
                c.kind,
                c.first_name,
                c.last_name,
                c.company_name,
                c.street,
                c.city,
                c.region,
                c.postal_code,
                c.notes,
                tuple(sorted((p.label, p.number) for p in c.phones.all())),
                tuple(sorted((e.label, e.address) for e in c.emails.all())),
            )
        )
    return sorted(rows)


def test_export_zip_has_every_table_json_and_vcards(filled_store):
    out = io.BytesIO()
    counts = write_export(filled_store, out)
    assert counts["customers"] == 3 and counts["vehicles"] == 1 and counts["consents"] == 1
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {
            "customers.csv",
            "customers.json",
            "customers.vcf",
            "vehicles.csv",
            "consents.csv",
            "assignments.csv",
            "history.csv",
            "README.txt",
        } <= names
        people = json.loads(zf.read("customers.json"))
        cards = list(vobject.readComponents(zf.read("customers.vcf").decode()))
        table = list(csv.reader(io.StringIO(zf.read("customers.csv").decode())))
    assert {p["first_name"] for p in people} >= {"Robert"}
    assert len(cards) == 3 and any(c.fn.value == "Lone Star Rentals" for c in cards)
    cells = [cell for row in table[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), "formulas neutralised"
    assert '\'=HYPERLINK("http://evil.example")' in cells
    assert "(512) 555-0123" in cells, "phone numbers are written plainly, as staff dial them"


def test_reimporting_the_export_into_an_empty_store_gives_the_same_customers(
    filled_store, store_c, carol
):
    out = io.BytesIO()
    write_export(filled_store, out)
    with zipfile.ZipFile(out) as zf:
        data = zf.read("customers.csv")
    batch = upload_bytes(store_c, carol, "customers.csv", data)
    assert batch.source_name == "Goodwill export"
    actions.run(batch, commit=True, acting_user=carol)
    assert batch.counts["invalid"] == 0
    assert _comparable(store_c) == _comparable(filled_store)


def test_reimporting_the_export_zip_brings_vehicles_and_consents_too(filled_store, store_c, carol):
    out = io.BytesIO()
    write_export(filled_store, out)
    batch = upload_bytes(store_c, carol, "export.zip", out.getvalue())
    actions.run(batch, commit=True, acting_user=carol)
    assert _comparable(store_c) == _comparable(filled_store)

    def related(store):
        return (
            sorted(
                Vehicle.objects.filter(dealership=store).values_list(
                    "customer__last_name", "vin", "year", "make", "model"
                )
            ),
            sorted(
                Consent.objects.filter(dealership=store).values_list(
                    "customer__last_name", "channel", "granted", "method", "recorded_at"
                )
            ),
        )

    assert related(store_c) == related(filled_store)
    assert related(store_c)[0], "the vehicle came along"
    actions.undo_import(batch, acting_user=carol)
    assert not Customer.objects.filter(dealership=store_c).exists()


def test_a_zip_that_is_not_an_export_is_refused(store_a, mike):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("other.csv", "a,b\n")
    with pytest.raises(ValidationError, match="Goodwill export with customers.csv"):
        upload_bytes(store_a, mike, "other.zip", buffer.getvalue())


def test_export_command_and_button(filled_store, dana, alice, client_for, tmp_path):
    target = tmp_path / "store.zip"
    out = io.StringIO()
    call_command("export", "--dealership", filled_store.slug, "--output", str(target), stdout=out)
    assert "3 customers" in out.getvalue() and zipfile.is_zipfile(target)
    client = client_for(dana)
    job_page = client.post("/imports/export/", follow=True)
    assert "Export of" in job_page.text  # the job page: the ZIP is written in the background
    [job] = run_jobs()
    page = client.get(job_page.redirect_chain[-1][0])
    assert f"/jobs/{job.public_id}/file/" in page.text and "Download goodwill-" in page.text
    response = client.get(f"/jobs/{job.public_id}/file/")
    assert response.status_code == 200
    assert (
        "customers.csv"
        in zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    )
    client.force_login(alice)
    assert client.post("/imports/export/").status_code == 403


def test_imports_api_upload_map_dry_run_commit_errors_undo(store_a, mike, alice):
    api = ApiClient(mike)
    body = {"filename": "api.csv", "content": "Given,Family,Cell\nAnn,Lee,512 555 0131\nBo,,12\n"}
    created = api.post("/imports", body, headers={"Idempotency-Key": "imp-1"})
    assert created.status_code == 201, created.content
    again = api.post("/imports", body, headers={"Idempotency-Key": "imp-1"})
    assert again.json()["id"] == created.json()["id"]
    batch_id = created.json()["id"]
    assert api.post(f"/imports/{batch_id}/dry-run").status_code == 422  # no name mapped
    mapped = api.patch(
        f"/imports/{batch_id}",
        {"mapping": {"Given": "first_name", "Family": "last_name", "Cell": "phone_mobile"}},
    )
    assert mapped.status_code == 200
    started = api.post(f"/imports/{batch_id}/dry-run")
    assert started.status_code == 202 and started.json()["status"] == "queued"
    run_jobs()
    dry = api.get(f"/jobs/{started.json()['id']}").json()
    assert dry["status"] == "done" and dry["result"]["counts"]["new"] == 2
    assert api.get(f"/imports/{batch_id}").json()["status"] == "checked"
    errors = api.get(f"/imports/{batch_id}/errors").json()
    assert errors[0]["row"] == 2 and errors[0]["column"] == "Cell"
    assert api.post(f"/imports/{batch_id}/commit").status_code == 202
    run_jobs()
    done = api.get(f"/imports/{batch_id}").json()
    assert done["status"] == "committed" and Customer.objects.count() == 2
    assert api.post(f"/imports/{batch_id}/commit").status_code == 422
    undone = api.post(f"/imports/{batch_id}/undo").json()
    assert undone["status"] == "undone" and Customer.objects.count() == 0
    b64 = base64.b64encode("First Name,Last Name\nJosé,Núñez\n".encode("cp1252")).decode()
    win = api.post("/imports", {"filename": "win.csv", "content_base64": b64}).json()
    assert win["encoding"] == "cp1252"
    bad = api.post("/imports", {"filename": "x.csv", "content": "one column only\n"})
    assert bad.status_code == 422 and "no comma" in bad.content.decode()
    assert ApiClient(alice).post("/imports", body).status_code == 403


def test_export_api(filled_store, dana, alice):
    api = ApiClient(dana)
    started = api.post("/exports")
    assert started.status_code == 202
    run_jobs()
    job = api.get(f"/jobs/{started.json()['id']}").json()
    assert job["status"] == "done" and job["result"]["counts"]["customers"] == 3
    response = api.get(job["file_url"].removeprefix("/api/v1"), check_schema=False)
    assert response.status_code == 200
    assert zipfile.is_zipfile(io.BytesIO(b"".join(response.streaming_content)))
    assert ApiClient(alice).post("/exports").status_code == 403


def test_a_salesperson_sees_no_import_api(store_a):
    sue = make_staff(store_a, "sue", "sales")
    assert ApiClient(sue).post("/exports").status_code == 403
