"""The bulk writes (imports) store what the per-row actions store: the same customer, contact
points and history rows, typed the same way (`core.bulk`: COPY on PostgreSQL)."""

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goodwill.core.bulk import copy_rows
from goodwill.customers import actions, validation
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


def _full_clean_answer(customer, only):
    try:
        customer.full_clean(
            exclude=validation.unchecked_fields(frozenset(only)),
            validate_unique=False,
            validate_constraints=False,
        )
        if not (customer.first_name or customer.last_name or customer.company_name):
            raise ValidationError({"__all__": ["A customer needs a name or a company name."]})
    except ValidationError as exc:
        return exc.message_dict
    return "valid"


def _around(limit):
    return st.one_of(
        st.sampled_from(["", " ", "x" * (limit - 1), "x" * limit, "x" * (limit + 1)]),
        st.text(max_size=limit + 2),
    )


given_fields = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["person", "business", "", "robot", "PERSON"]),
        "relationship": st.sampled_from(["customer", "friend", "", "enemy"]),
        "first_name": _around(80),
        "middle_name": _around(80),
        "last_name": _around(80),
        "company_name": _around(150),
        "street": _around(200),
        "city": _around(100),
        "region": _around(50),
        "postal_code": _around(12),
        "notes": st.sampled_from(["", "n" * 5000, "n" * 5001]),
        "primary_phone": _around(20),
        "primary_email": _around(254),
    },
)


@given(fields=given_fields)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_new_customer_checks_agree_with_full_clean(store_a, fields):
    """A new customer's checks refuse what full_clean refuses, with its messages, and pass
    what it passes, whether or not they take the quick path for plain text fields."""
    only = (*fields, "search_name")
    customer = Customer(dealership=store_a, **fields)
    customer.refresh_search_name()
    try:
        validation.validate_customer(customer, only=only)
        ours = "valid"
    except ValidationError as exc:
        ours = exc.message_dict
    reference = Customer(dealership=store_a, **fields)
    reference.refresh_search_name()
    assert ours == _full_clean_answer(reference, only)


def test_a_new_customer_with_a_field_too_long_or_a_wrong_choice_is_refused(store_a, alice):
    for fields, key in [
        ({"first_name": "x" * 81}, "first_name"),
        ({"last_name": "Ng", "city": "x" * 101}, "city"),
        ({"last_name": "Ng", "kind": "robot"}, "kind"),
        ({"last_name": "Ng", "postal_code": "1234567890123"}, "postal_code"),
    ]:
        with pytest.raises(ValidationError) as refused:
            actions.prepare_new_customer(store_a, acting_user=alice, phones={}, emails={}, **fields)
        assert key in refused.value.message_dict
