"""Fill-ins written in bulk (`customers.bulk_updates`, an import's batch) store what
`update_customer` stores one at a time: the same customer columns, contact points, other
contact details and "updated" history rows; a refused update changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from goodwill.customers import actions, bulk_updates
from goodwill.customers.models import Customer

pytestmark = pytest.mark.django_db

IGNORED = {"id", "public_id", "customer", "created_at", "updated_at", "at"}

# In order: a phone and an address; a refused update (a city too long, with a phone that
# must not be added either); an email, another contact detail, notes and a middle name; a
# second phone under another label.
UPDATES = [
    {"phones": {"work": "512 555 0142"}, "street": "12 Elm St", "reason": "Row 1"},
    {"phones": {"home": "512 555 0177"}, "city": "x" * 101, "reason": "Row 2"},
    {
        "emails": {"personal": "Ana.Lopez@Example.com"},
        "details": [("phone", "fax", "+15125550111")],
        "notes": "Imported, row 3:\nFirst name: Anna",
        "middle_name": "Q",
        "reason": "Row 3",
    },
    {"phones": {"home": "(512) 555-0123"}, "reason": "Row 4"},
]


def _snapshot(customer):
    def plain(obj):
        return {k: v for k, v in model_to_dict(obj).items() if k not in IGNORED}

    customer = Customer.objects.get(pk=customer.pk)
    return {
        "customer": plain(customer),
        "phones": [plain(p) for p in customer.phones.order_by("id")],
        "emails": [plain(e) for e in customer.emails.order_by("id")],
        "details": [plain(d) for d in customer.contact_details.order_by("id")],
        "events": [plain(e) for e in customer.events.order_by("id")],
    }


@pytest.mark.parametrize("phones", [{"mobile": "(512) 555-0199"}, {}])
def test_fill_ins_in_bulk_are_stored_as_update_customer_stores_them(store_a, alice, phones):
    one, two = (
        actions.create_customer(
            store_a,
            acting_user=alice,
            phones=phones,
            first_name="Ana",
            last_name="Lopez",
            confirm_new=True,
        )
        for _ in range(2)
    )
    refused_one, refused_two = [], []
    for update in UPDATES:
        try:
            actions.update_customer(one, acting_user=alice, **update)
        except ValidationError as exc:
            refused_one.append(exc.message_dict)
    pending = bulk_updates.lock_for_update(store_a, [two.pk])
    for update in UPDATES:
        try:
            pending[two.pk].update(acting_user=alice, **update)
        except ValidationError as exc:
            refused_two.append(exc.message_dict)
    bulk_updates.write_updates(pending.values())

    assert refused_two == refused_one and list(refused_two[0]) == ["city"]
    first, second = _snapshot(one), _snapshot(two)
    assert second == first
    assert second["customer"]["city"] == "" and second["customer"]["middle_name"] == "Q"
    assert [p["number"] for p in second["phones"]] == [
        *([] if not phones else ["+15125550199"]),
        "+15125550142",
        "+15125550123",
    ]
    assert second["customer"]["primary_phone"] == second["phones"][0]["number"]
    assert second["customer"]["primary_email"] == "Ana.Lopez@example.com"
    assert [e["reason"] for e in second["events"]] == ["", "Row 1", "Row 3", "Row 4"]
    assert Customer.objects.get(pk=two.pk).updated_at > two.updated_at


def test_a_fill_in_never_replaces_a_phone_or_email_under_a_taken_label(store_a, alice):
    customer = actions.create_customer(
        store_a, acting_user=alice, phones={"mobile": "(512) 555-0199"}, last_name="Ng"
    )
    pending = bulk_updates.lock_for_update(store_a, [customer.pk])[customer.pk]
    with pytest.raises(ValueError, match="taken"):
        pending.update(acting_user=alice, phones={"mobile": "(512) 555-0100"})
    bulk_updates.write_updates([pending])
    assert list(customer.phones.values_list("number", flat=True)) == ["+15125550199"]
    assert customer.events.count() == 1


def test_the_lock_reads_only_the_stores_customers(store_a, store_b, alice):
    ours = actions.create_customer(store_a, acting_user=alice, last_name="Ng")
    theirs = actions.create_customer(store_b, acting_user=None, last_name="Ng")
    assert list(bulk_updates.lock_for_update(store_a, [ours.pk, theirs.pk])) == [ours.pk]
