"""The bulk writes (imports) store what the per-row actions store: the same customer, contact
points and history rows, typed the same way (`core.bulk`: COPY on PostgreSQL)."""

import pytest
from django.forms.models import model_to_dict

from goodwill.core.bulk import copy_rows
from goodwill.customers import actions
from goodwill.customers.models import Customer, CustomerEvent, Vehicle
from goodwill.customers.vin import check_digit

pytestmark = pytest.mark.django_db

TYPED = {
    "first_name": "Ana",
    "last_name": "Lopez",
    "street": "12 Elm St",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78701",
    "notes": "Two lines\nof notes",
}


def _vin(serial: str) -> str:
    vin = f"1FTFW1ET0DFC{serial}"
    return vin[:8] + check_digit(vin) + vin[9:]


IGNORED = {"id", "public_id", "customer", "created_at", "updated_at", "at"}


def _snapshot(customer):
    def plain(obj):
        return {k: v for k, v in model_to_dict(obj).items() if k not in IGNORED}

    return {
        "customer": plain(customer),
        "phones": [plain(p) for p in customer.phones.order_by("label")],
        "emails": [plain(e) for e in customer.emails.order_by("label")],
        "events": [plain(e) for e in customer.events.order_by("id")],
        "vehicles": [plain(v) for v in customer.vehicles.order_by("id")],
    }


def test_a_customer_written_in_bulk_is_stored_as_create_customer_stores_it(store_a, alice):
    phones = {"mobile": "(512) 555-0199", "work": "512 555 0142"}
    emails = {"personal": "Ana.Lopez@Example.com"}
    one = actions.create_customer(
        store_a, acting_user=alice, phones=phones, emails=emails, reason="Typed", **TYPED
    )
    actions.add_vehicle(one, acting_user=alice, vin=_vin("10312"), color="Blue")
    new = actions.prepare_new_customer(
        store_a, acting_user=alice, phones=phones, emails=emails, reason="Typed", **TYPED
    )
    (bulk,) = actions.create_customers_bulk([new])
    vehicle = actions.prepare_vehicle(bulk, vin=_vin("10313"), color="Blue")
    actions.add_vehicles_bulk([vehicle], acting_user=alice)

    first, second = _snapshot(Customer.objects.get(pk=one.pk)), _snapshot(bulk)
    assert first["vehicles"][0].pop("vin") != second["vehicles"][0].pop("vin")
    for event in first["events"] + second["events"]:
        event["changes"].pop("vin", None)
        event.pop("subject")
    assert first == second
    assert [e["verb"] for e in second["events"]] == ["created", "vehicle_added"]
    assert second["phones"][0]["number"] == "+15125550199"
    assert second["emails"][0]["address"] == "Ana.Lopez@example.com"
    assert bulk.created_at and bulk.updated_at and bulk.public_id
    assert Vehicle.objects.get(pk=vehicle.pk).created_at


def test_copy_rows_refuses_a_column_the_model_does_not_have(store_a, customer):
    row = {"dealership_id": store_a.pk, "customer_id": customer.pk, "verb": "created"}
    with pytest.raises(TypeError, match="no columns"):
        copy_rows(CustomerEvent, [row | {"customer": customer}])
