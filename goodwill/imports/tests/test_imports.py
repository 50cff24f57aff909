"""Importing: the real tools' headers, dry run counts, commit, undo, mapping remembered per
source, error report, vCards, the pages and the command."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from goodwill.conftest import make_customer
from goodwill.customers.models import Customer
from goodwill.imports import actions
from goodwill.imports.models import ImportBatch, ImportMapping
from goodwill.imports.tests.helpers import upload_bytes, upload_file
from goodwill.jobs.testing import run_jobs

pytestmark = pytest.mark.django_db

REAL = {
    "salesforce_Contact_data_export.csv": ("Salesforce contacts", 3, 0),
    "salesforce_Lead_data_export.csv": ("Salesforce leads", 2, 0),
    "hubspot_contacts_export.csv": ("HubSpot", 4, 0),
    "google_contacts_export.csv": ("Google Contacts", 3, 1),
    "outlook_contacts_export.csv": ("Outlook", 3, 0),
    "dealer_dms_reynolds_customers.csv": ("Reynolds & Reynolds DMS", 3, 0),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_exports_map_themselves_and_import(store_a, mike, name):
    source, rows, invalid = REAL[name]
    batch = upload_file(store_a, mike, name)
    assert batch.source_name == source
    assert {"first_name", "last_name", "email_personal"} <= set(batch.mapping.values())
    actions.run(batch, commit=True, acting_user=mike)
    assert batch.counts["rows"] == rows and batch.counts["invalid"] == invalid
    bob = Customer.objects.filter(dealership=store_a, last_name="Kowalski").get()
    assert bob.first_name in ("Robert", "Bob")
    assert bob.phones.exists() and bob.emails.exists()
    assert bob.events.filter(reason=f"Imported from {name}").exists()


def test_reynolds_quirks(store_a, mike):
    batch = upload_file(store_a, mike, "dealer_dms_reynolds_customers.csv")
    actions.run(batch, commit=True, acting_user=mike)
    bob = Customer.objects.get(dealership=store_a, last_name="Kowalski")
    assert bob.street == "1200 Oak Hollow Dr, Apt 4B" and bob.postal_code == "78704-0000"
    fleet = Customer.objects.get(dealership=store_a, company_name="Lone Star Rentals")
    assert fleet.kind == "business" and fleet.first_name == ""


def test_one_person_from_every_tool_is_one_customer_filled_in(store_a, mike):
    """Bob Kowalski is in every sample file: the second file on fills him in, never
    duplicates him when the phone or email is the same."""
    for name in (
        "salesforce_Contact_data_export.csv",
        "outlook_contacts_export.csv",
        "dealer_dms_reynolds_customers.csv",
    ):
        batch = upload_file(store_a, mike, name)
        actions.run(batch, commit=True, acting_user=mike)
    assert Customer.objects.filter(dealership=store_a, last_name="Kowalski").count() == 1
    assert batch.counts["updated"] >= 1


def test_dry_run_counts_and_changes_nothing(store_a, alice, mike):
    make_customer(
        store_a,
        alice,
        first_name="Robert",
        last_name="Kowalski",
        phones={"mobile": "512 555 0199"},
        street="1200 Oak Hollow Dr",
    )
    make_customer(
        store_a, alice, first_name="Robert", last_name="Lopez", phones={}, street="9 Elm St"
    )
    data = (
        b"First Name,Last Name,Phone,Street\n"
        b"Robert,Kowalski,512-555-0199,\n"  # same phone and name: fill in
        b"Bob,Lopez,,9 Elm St\n"  # nickname, same address: a likely duplicate
        b"Zoe,Newman,512 555 0111,\n"  # new
        b",,512 555 0112,\n"  # no name: invalid
        b"Amy,Bad,12,\n"  # a phone that is not one: imported without it
    )
    batch = upload_bytes(store_a, mike, "mixed.csv", data)
    before = Customer.objects.count()
    actions.run(batch, commit=False, acting_user=mike)
    assert {k: batch.counts[k] for k in ("rows", "new", "updated", "duplicate", "invalid")} == {
        "rows": 5,
        "new": 2,
        "updated": 1,
        "duplicate": 1,
        "invalid": 1,
    }
    assert Customer.objects.count() == before and batch.status == "checked"
    reasons = {(e.row, e.column): e.reason for e in batch.errors.all()}
    assert "No name" in reasons[(4, "")]
    assert "not a phone number" in reasons[(5, "Phone")] or "digits" in reasons[(5, "Phone")]


def test_commit_then_undo_the_whole_import(store_a, alice, mike):
    robert = make_customer(
        store_a, alice, first_name="Robert", last_name="Kowalski", phones={"mobile": "512 555 0199"}
    )
    data = (
        b"First Name,Last Name,Phone,Email,Street,VIN,Make\n"
        b"Robert,Kowalski,512-555-0199,rk@example.com,1 Main St,,\n"
        b"Zoe,Newman,512 555 0111,,,1FTFW1E84MFA12345,Ford\n"
    )
    batch = upload_bytes(store_a, mike, "commit.csv", data)
    actions.run(batch, commit=True, acting_user=mike)
    robert.refresh_from_db()
    assert robert.street == "1 Main St" and robert.emails.get().address == "rk@example.com"
    zoe = Customer.objects.get(first_name="Zoe")
    assert zoe.vehicles.get().vin == "1FTFW1E84MFA12345"
    with pytest.raises(ValidationError, match="already committed"):
        actions.run(batch, commit=True, acting_user=mike)
    result = actions.undo_import(batch, acting_user=mike)
    assert result == {"deleted": 1, "restored": 1, "already_gone": 0}
    robert.refresh_from_db()
    assert robert.street == "" and not robert.emails.exists() and robert.phones.count() == 1
    assert not Customer.objects.filter(first_name="Zoe").exists()
    batch.refresh_from_db()
    assert batch.status == "undone" and batch.undone_by == mike


def test_mapping_is_checked_and_remembered_per_source(store_a, mike):
    data = b"Given,Family,Cell\nAnn,Lee,512 555 0131\n"
    batch = upload_bytes(store_a, mike, "odd.csv", data)
    assert batch.mapping == {"Given": "", "Family": "", "Cell": "phone_mobile"}
    with pytest.raises(ValidationError, match="Required: map a column to First name"):
        actions.run(batch, commit=False, acting_user=mike)
    with pytest.raises(ValidationError, match="Required"):
        actions.set_mapping(batch, {"Cell": "phone_mobile"})
    actions.set_mapping(
        batch, {"Given": "first_name", "Family": "last_name", "Cell": "phone_mobile"}
    )
    assert ImportMapping.objects.filter(dealership=store_a).count() == 1
    again = upload_bytes(store_a, mike, "odd-next-week.csv", b"Given,Family,Cell\nBo,Kim,\n")
    assert again.mapping["Given"] == "first_name" and again.mapping["Family"] == "last_name"


def test_vcards_as_address_books_write_them(store_a, mike):
    batch = upload_file(store_a, mike, "address-book.vcf")
    assert batch.format == "vcard"
    actions.run(batch, commit=True, acting_user=mike)
    assert batch.counts["new"] == 4 and batch.counts["invalid"] == 0
    juergen = Customer.objects.get(last_name="Müller")
    assert juergen.first_name == "Jürgen" and juergen.street == "12 Straße am Park"
    assert "after 5pm, long note that wraps" in juergen.notes
    assert sorted(juergen.phones.values_list("number", flat=True)) == [
        "+15125550161",
        "+15125550162",
    ]
    apple = Customer.objects.get(last_name="Appleseed")
    assert apple.company_name == "Apple Inc." and apple.primary_email == "johnny@example.com"
    linh = Customer.objects.get(last_name="Nguyen")
    assert linh.phones.get().label == "work" and linh.emails.get().label == "work"
    assert Customer.objects.filter(last_name="Card").exists(), "a card missing END:VCARD"


def test_pages_upload_map_dry_run_report_commit_undo(client_for, store_a, mike, alice):
    client = client_for(mike)
    data = b"Given,Family,Cell\nAnn,Lee,512 555 0131\nBen,,12\n"
    response = client.post("/imports/upload/", {"file": io.BytesIO(data)}, follow=True)
    batch = ImportBatch.objects.get()
    assert response.redirect_chain[-1][0] == f"/imports/{batch.public_id}/"
    assert "Goes into" in response.text
    mapping = {
        "map-0": "first_name",
        "map-1": "last_name",
        "map-2": "phone_mobile",
        "on_duplicate": "create",
    }
    page = client.post(f"/imports/{batch.public_id}/dry-run/", mapping, follow=True)
    assert "Dry run of" in page.text and 'data-status="queued"' in page.text  # the job page
    assert "See its progress" in client.get(f"/imports/{batch.public_id}/").text
    run_jobs()
    page = client.get(f"/imports/{batch.public_id}/")
    assert "Dry run: what would happen" in page.text and "Download the error report" in page.text
    report = client.get(f"/imports/{batch.public_id}/errors.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert rows[1][:3] == ["2", "Cell", "12"]
    job_page = client.post(f"/imports/{batch.public_id}/commit/", follow=True)
    job_url = job_page.redirect_chain[-1][0]
    run_jobs()
    poll = client.get(job_url, headers={"HX-Request": "true"})  # the job page's next poll
    assert poll["HX-Redirect"] == f"/imports/{batch.public_id}/"
    done = client.get(job_url, follow=True)
    assert done.redirect_chain[-1][0] == f"/imports/{batch.public_id}/"
    assert "Imported: 2 new customers" in done.text and "Undo this import" in done.text
    undone = client.post(f"/imports/{batch.public_id}/undo/", follow=True)
    assert "Import undone: 2 customers removed" in undone.text
    client.force_login(alice)
    assert client.get("/imports/").status_code == 403


def test_upload_page_refuses_bad_files_clearly(client_for, mike):
    client = client_for(mike)
    response = client.post("/imports/upload/", {"file": io.BytesIO(b"")}, follow=True)
    assert "empty" in response.text
    assert client.get("/imports/").status_code == 200


def test_import_command_with_progress(store_a, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("First Name,Last Name,Email\nAnn,Lee,ann@example.com\n,,\nBo,,bad@\n")
    out = io.StringIO()
    call_command("import", str(path), "--dealership", store_a.slug, "--dry-run", stdout=out)
    assert "rows/s" in out.getvalue() and "2 rows: 2 new" in out.getvalue()
    assert Customer.objects.count() == 0
    call_command("import", str(path), "--dealership", store_a.slug, stdout=out)
    assert Customer.objects.count() == 2
    assert (tmp_path / "people-errors.csv").exists()
    # -v 2: progress lines (every 50,000 rows, and at the end) on stderr, for long runs.
    err = io.StringIO()
    call_command(
        "import", str(path), "--dealership", store_a.slug, "--dry-run", "-v", "2", stderr=err
    )
    assert "progress: 2 rows, " in err.getvalue() and " MB (peak " in err.getvalue()
