"""Merges: one customer kept, every row pointing at the other moved (found generically),
field-by-field choices recorded, consents merged conservatively, and a full undo."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from goodwill.api.testing import ApiClient
from goodwill.conftest import make_customer
from goodwill.customers.actions import add_vehicle, assign, set_consent
from goodwill.customers.models import Consent, Customer, CustomerPhone, Vehicle
from goodwill.dedupe import actions
from goodwill.dedupe.models import DuplicateCluster, Merge

pytestmark = pytest.mark.django_db
VIN_A = "1FTFW1E84MFA12345"


@pytest.fixture
def pair(store_a, alice, mike, customer):
    """Robert (kept) and Bob (merged): overlapping phone, own email, vehicles, consents."""
    robert = customer
    add_vehicle(robert, acting_user=alice, vin=VIN_A)
    set_consent(robert, "email", granted=True, method="in_person", acting_user=alice)
    bob = make_customer(
        store_a,
        mike,
        first_name="Bob",
        phones={"mobile": "512 555 0123", "home": "512 555 0140"},
        emails={"work": "bob@kowalski-plumbing.example"},
        street="12 Oak St",
        notes="Prefers mornings",
    )
    add_vehicle(bob, acting_user=mike, vin="", make="Ford", model="Ranger", year=2019)
    set_consent(bob, "email", granted=False, method="phone", acting_user=mike)
    set_consent(bob, "text", granted=True, method="phone", acting_user=mike)
    assign(bob, "service", mike, acting_user=mike, reason="Service customer")
    return robert, bob


def _snapshot(customer):
    return {
        "fields": Customer.objects.filter(pk=customer.pk)
        .values(
            "first_name",
            "last_name",
            "street",
            "notes",
            "salesperson",
            "service_advisor",
            "primary_phone",
            "primary_email",
            "public_id",
        )
        .get(),
        "phones": sorted(customer.phones.values_list("label", "number")),
        "emails": sorted(customer.emails.values_list("label", "address")),
        "vehicles": sorted(customer.vehicles.values_list("pk", flat=True)),
        "consents": sorted(customer.consents.values_list("channel", "granted", "method")),
        "assignments": sorted(customer.assignments.values_list("pk", flat=True)),
        "events": sorted(customer.events.values_list("pk", flat=True)),
    }


def test_every_foreign_key_to_customer_is_moved_by_a_merge():
    """Found from model meta, so models other apps add later are covered without a list."""
    found = {(m._meta.label, f.name) for m, f in actions.customer_relations()}
    expected = {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is Customer
        and not getattr(model, "MERGE_LEAVES_IN_PLACE", False)
    }
    assert found == expected
    assert ("customers.Vehicle", "customer") in found and ("customers.Consent", "customer") in found


def test_merge_moves_everything_and_undo_restores_it(store_a, dana, pair):
    robert, bob = pair
    before_robert, before_bob = _snapshot(robert), _snapshot(bob)
    record = actions.merge_customers(
        robert,
        bob,
        acting_user=dana,
        choices={"street": "merged", "notes": "both"},
        reason="Same person",
    )
    assert not Customer.objects.filter(pk=bob.pk).exists()
    robert.refresh_from_db()
    assert robert.street == "12 Oak St" and robert.notes == "Prefers mornings"
    assert robert.vehicles.count() == 2
    # The shared number is not doubled; Bob's home number and work email come along.
    assert sorted(robert.phones.values_list("number", flat=True)) == [
        "+15125550123",
        "+15125550140",
    ]
    assert robert.emails.filter(address="bob@kowalski-plumbing.example").exists()
    consents = {c.channel: c.granted for c in robert.consents.all()}
    assert consents == {"email": False, "text": True}, "a withdrawal wins"
    # An empty field takes the merged customer's value unless the admin chose otherwise.
    assert robert.service_advisor.username == "mike"
    assert robert.assignments.filter(role="service").exists()
    assert set(before_bob["events"]) < set(robert.events.values_list("pk", flat=True))
    assert robert.events.filter(verb="merged").exists()
    assert record.fields["street"] == {"choice": "merged", "old": "", "new": "12 Oak St"}
    assert record.fields["first_name"]["choice"] == "survivor"

    restored = actions.undo_merge(record, acting_user=dana, reason="Oops")
    assert restored.pk == bob.pk and restored.public_id == bob.public_id
    robert.refresh_from_db()
    after_robert, after_bob = _snapshot(robert), _snapshot(restored)
    undo_events = set(
        robert.events.filter(verb__in=["merged", "merge_undone"]).values_list("pk", flat=True)
    )
    after_robert["events"] = sorted(set(after_robert["events"]) - undo_events)
    after_bob["events"] = sorted(
        set(after_bob["events"])
        - set(restored.events.filter(verb="merge_undone").values_list("pk", flat=True))
    )
    assert after_robert == before_robert
    assert after_bob == before_bob
    record.refresh_from_db()
    assert record.is_undone and record.undone_by == dana
    with pytest.raises(ValidationError, match="already undone"):
        actions.undo_merge(record, acting_user=dana)


def test_merge_refuses_nonsense(store_a, store_b, dana, bob, customer, outsider_customer):
    with pytest.raises(ValidationError):
        actions.merge_customers(customer, customer, acting_user=dana)
    with pytest.raises(ValidationError):
        actions.merge_customers(customer, outsider_customer, acting_user=dana)
    other = make_customer(store_a, dana, first_name="Rob", phones={})
    with pytest.raises(ValidationError):
        actions.merge_customers(customer, other, acting_user=dana, choices={"public_id": "merged"})
    assert Customer.objects.filter(pk=other.pk).exists()


def test_merge_and_undo_from_the_review_screen(client_for, store_a, dana, pair):
    robert, bob = pair
    actions.run_dedupe(store_a, acting_user=dana)
    cluster = DuplicateCluster.objects.get(dealership=store_a)
    client = client_for(dana)
    detail = client.get(f"/duplicates/clusters/{cluster.public_id}/?keep={robert.public_id}")
    assert "Merge Bob Kowalski into Robert Kowalski" in detail.text
    response = client.post(
        f"/duplicates/clusters/{cluster.public_id}/merge/",
        {"survivor": robert.public_id, "merged": bob.public_id, "choice_street": "merged"},
        follow=True,
    )
    assert "Bob Kowalski merged into Robert Kowalski" in response.text
    assert "Undo this merge" in response.text
    cluster.refresh_from_db()
    assert cluster.status == "merged"
    record = Merge.objects.get()
    undone = client.post(f"/duplicates/merges/{record.public_id}/undo/", follow=True)
    assert "Merge undone: Bob Kowalski is back." in undone.text
    cluster.refresh_from_db()
    assert cluster.status == "open"
    assert Vehicle.objects.filter(customer_id=bob.pk).count() == 1
    assert "undone" in client.get("/duplicates/merges/").text


def test_api_merge_is_idempotent_and_undoable(store_a, dana, pair):
    robert, bob = pair
    api = ApiClient(dana)
    body = {
        "survivor_id": str(robert.public_id),
        "merged_id": str(bob.public_id),
        "choices": {"notes": "merged"},
    }
    first = api.post("/duplicates/merges", body, headers={"Idempotency-Key": "m-1"})
    assert first.status_code == 201, first.content
    again = api.post("/duplicates/merges", body, headers={"Idempotency-Key": "m-1"})
    assert again.json() == first.json() and Merge.objects.count() == 1
    data = first.json()
    assert data["fields"]["notes"]["new"] == "Prefers mornings"
    assert data["moved"]["customers.vehicle"] == 1
    assert api.get(f"/duplicates/merges/{data['id']}").json()["undone_at"] is None
    undone = api.post(f"/duplicates/merges/{data['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert CustomerPhone.objects.filter(customer_id=bob.pk).count() == 2
    assert Consent.objects.get(customer=robert, channel="email").granted is True
    assert api.post(f"/duplicates/merges/{data['id']}/undo").status_code == 422
    bad = api.post("/duplicates/merges", {**body, "choices": {"notes": "whatever"}})
    assert bad.status_code == 422


def test_contact_points_with_taken_labels_are_relabelled_and_put_back(store_a, dana, alice):
    robert = make_customer(store_a, alice, phones={"mobile": "512 555 0101"})
    bob = make_customer(
        store_a, alice, first_name="Bob", phones={"mobile": "512 555 0102", "home": "512 555 0103"}
    )
    before = sorted(bob.phones.values_list("label", "number"))
    record = actions.merge_customers(robert, bob, acting_user=dana)
    assert sorted(robert.phones.values_list("label", "number")) == [
        ("home", "+15125550102"),
        ("mobile", "+15125550101"),
        ("work", "+15125550103"),
    ]
    restored = actions.undo_merge(record, acting_user=dana)
    assert sorted(restored.phones.values_list("label", "number")) == before
    assert list(robert.phones.values_list("label", "number")) == [("mobile", "+15125550101")]


def test_scores_say_what_they_mean_and_the_merge_page_shows_each_fields_before_and_after(
    client_for, store_a, dana, pair
):
    robert, bob = pair
    actions.run_dedupe(store_a, acting_user=dana)
    client = client_for(dana)
    assert "% likely the same person</span>" in client.get("/duplicates/").text
    check = client.get("/duplicates/check/", {"first_name": "Bob", "last_name": "Kowalski"})
    assert "% likely the same person</span>" in check.text
    record = actions.merge_customers(
        robert, bob, acting_user=dana, choices={"street": "merged", "notes": "both"}
    )
    page = client.get(f"/duplicates/merges/{record.public_id}/").text
    table = page.split('data-testid="merge-fields"')[1].split("</table>")[0]
    rows = {
        cells[0]: cells[1:]
        for row in table.split("<tr")[2:]
        if (cells := [c.split(">", 1)[1].split("</")[0] for c in row.split("<t")[1:]])
    }
    # Before (Robert's), Bob's, after, what happened.
    assert rows["Street"][:3] == ["—", "12 Oak St", "<strong>12 Oak St"]
    assert rows["Street"][3].startswith("Changed: taken from the merged record")
    assert rows["Notes"][1] == "Prefers mornings" and "Changed: both joined" in rows["Notes"][3]
    assert rows["First name"][:3] == ["Robert", "Bob", "Robert"]
    assert "Unchanged (kept)" in rows["First name"][3]
    assert "Service advisor" in rows and rows["Service advisor"][1] == "Mike Test"
    assert " customer events</li>" in page or " customer event</li>" in page
    assert "1 customer events" not in page
