"""RO import from a DMS closed-RO export: mapping (guessed, editable, remembered), dry run
with counts and per-row errors, commit, undo."""

from pathlib import Path

import pytest

from goodwill.customers.models import Customer, Vehicle
from goodwill.imports.models import ImportBatch, ImportMapping
from goodwill.service import ro_import
from goodwill.service.models import Fleet, Opportunity, RepairOrder

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent / "fixtures" / "closed-ros-sample.csv"


def _upload(store, user, data: bytes, name="closed-ros.csv"):
    return ro_import.upload(store, acting_user=user, filename=name, chunks=[data])


def test_the_sample_export_maps_itself_dry_runs_commits_and_undoes(
    store_a, sue, django_capture_on_commit_callbacks
):
    batch = _upload(store_a, sue, SAMPLE.read_bytes())
    assert batch.target == ImportBatch.Target.REPAIR_ORDERS
    assert batch.mapping["RO Number"] == "number" and batch.mapping["Labor Sale"] == "labor"
    assert batch.mapping["Customer Name"] == "customer_name"
    assert ro_import.mapping_problems(batch.mapping, batch.headers) == []

    ro_import.run(batch, commit=False, acting_user=sue)
    assert batch.counts["rows"] == 14 and batch.counts["new"] == 14
    assert (
        batch.counts["customers"] == 5
    )  # Hill Country Plumbing, Raman, Whitfield, O'Neill, Lakeside
    assert not RepairOrder.objects.exists() and not Customer.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        ro_import.run(batch, commit=True, acting_user=sue)
    assert RepairOrder.objects.count() == 14
    plumbing = Customer.objects.get(company_name="Hill Country Plumbing LLC")
    assert plumbing.kind == "business" and Fleet.objects.filter(customer=plumbing).exists()
    raman = Customer.objects.get(last_name="Raman")
    assert raman.first_name == "Priya" and raman.primary_phone == "+15125550183"
    ro = RepairOrder.objects.get(number="72095")
    assert ro.days_down == 3 and ro.advisor_name == "Sam Patel"
    assert Opportunity.objects.exists()  # raised after the commit, not sent to sales
    assert not Opportunity.objects.filter(referral__isnull=False).exists()

    result = ro_import.undo(batch, acting_user=sue)
    assert result["repair_orders"] == 14 and result["customers"] == 5
    assert not RepairOrder.objects.exists() and not Vehicle.objects.exists()


def test_bad_rows_are_reported_per_row_and_column_and_the_rest_imports(store_a, sue):
    data = (
        b"RO Number,Open Date,Close Date,Customer Name,Model,Labor Sale,Home Phone\n"
        b'1,2026-08-01,2026-08-02,"DOE, JO",Escape,100,512-555-0111\n'
        b'2,not a date,,"DOE, JO",Escape,100,\n'
        b'3,2026-08-03,,"ROE, AL",Fusion,-5,\n'
        b'1,2026-08-04,,"DOE, JO",Escape,100,\n'
        b'4,2026-08-05,,"POE, ED",Focus,10,not a phone\n'
    )
    batch = _upload(store_a, sue, data)
    ro_import.run(batch, commit=True, acting_user=sue)
    assert (batch.counts["new"], batch.counts["invalid"], batch.counts["duplicate"]) == (2, 2, 1)
    errors = {(e.row, e.column): e.reason for e in batch.errors.all()}
    assert errors[(2, "Open Date")].startswith("Not a date")
    assert errors[(3, "Labor Sale")] == "An amount cannot be negative."
    assert errors[(4, "RO Number")] == "Already in the store: RO 1."
    assert errors[(5, "Home Phone")].startswith("Phone left out:")
    assert set(RepairOrder.objects.values_list("number", flat=True)) == {"1", "4"}


def test_the_mapping_is_editable_and_remembered_for_the_next_file(store_a, sue):
    data = b"Ticket,Opened On,Client,Unit,Amount\n9,2026-08-01,ACME CO,F-150,250\n"
    batch = _upload(store_a, sue, data)
    assert ro_import.mapping_problems(batch.mapping, batch.headers)
    mapping = {
        "Ticket": "number",
        "Opened On": "opened",
        "Client": "customer_name",
        "Unit": "model",
        "Amount": "total",
    }
    ro_import.set_mapping(batch, mapping)
    ro_import.run(batch, commit=True, acting_user=sue)
    assert RepairOrder.objects.get(number="9").labor == 250
    assert ImportMapping.objects.get(target="repair_orders").mapping == mapping
    again = _upload(store_a, sue, data.replace(b"9,", b"10,"))
    assert again.mapping == mapping


def test_the_pages_walk_upload_mapping_dry_run_and_commit(client_for, sue, alice, dana):
    client = client_for(sue)
    with SAMPLE.open("rb") as f:
        response = client.post("/service/imports/", {"file": f})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    page = client.get(f"/service/imports/{batch.public_id}/")
    assert "RO Number" in page.text and "Dry run" in page.text
    client.post(f"/service/imports/{batch.public_id}/", {"step": "dry_run"})
    page = client.get(f"/service/imports/{batch.public_id}/")
    assert "Would import" in page.text and "Import 14 ROs" in page.text
    client.post(f"/service/imports/{batch.public_id}/", {"step": "commit"})
    assert RepairOrder.objects.count() == 14
    assert client_for(alice).get("/service/imports/").status_code == 403
    # The customer import's pages do not list or open repair-order imports.
    assert client_for(dana).get(f"/imports/{batch.public_id}/").status_code == 404
