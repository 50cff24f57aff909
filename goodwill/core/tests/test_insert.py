"""One statement for a new row and its children must write exactly what saving them one by
one writes, on PostgreSQL (the statement) and SQLite (the fallback) alike."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from goodwill.core.insert import insert_with_children
from goodwill.customers.models import Customer, CustomerEmail, CustomerEvent, CustomerPhone

pytestmark = pytest.mark.django_db(transaction=True)

SKIP = {"id", "public_id", "customer", "created_at", "updated_at", "at"}


def _family(store, actor, last_name):
    customer = Customer(
        dealership=store,
        created_by=actor,
        first_name="Ana",
        last_name=last_name,
        relationship="prospect",
        primary_phone="+15125550142",
    )
    customer.refresh_search_name()
    children = [
        CustomerPhone(dealership=store, customer=customer, number="+15125550142", label="mobile"),
        CustomerPhone(dealership=store, customer=customer, number="+15125550143", label="work"),
        CustomerEmail(
            dealership=store, customer=customer, address="a@example.com", address_lower="a@x"
        ),
        CustomerEvent(
            dealership=store,
            customer=customer,
            actor=actor,
            at=timezone.now(),
            verb="created",
            changes={"first_name": ["", "Ana"], "n": 1},
            reason="Walk-in",
        ),
    ]
    return customer, children


def _rows(customer):
    stored = Customer.objects.get(pk=customer.pk)
    related = [
        *CustomerPhone.objects.filter(customer=stored).order_by("id"),
        *CustomerEmail.objects.filter(customer=stored).order_by("id"),
        *CustomerEvent.objects.filter(customer=stored).order_by("id"),
    ]
    clean = lambda obj: {k: v for k, v in model_to_dict(obj).items() if k not in SKIP}  # noqa: E731
    return clean(stored), [(type(o).__name__, clean(o)) for o in related]


def test_one_statement_writes_what_saving_row_by_row_writes(store_a, alice):
    together, children = _family(store_a, alice, "Together")
    with CaptureQueriesContext(connection) as queries:
        insert_with_children(together, children)
    assert len(queries) == (1 if connection.vendor == "postgresql" else 1 + len(children))
    assert together.pk and not together._state.adding
    assert all(c.pk and c.customer_id == together.pk and not c._state.adding for c in children)
    assert [c.pk for c in children[:2]] == sorted(c.pk for c in children[:2])

    one_by_one, others = _family(store_a, alice, "Together")
    one_by_one.save()
    for child in others:
        child.customer = one_by_one
        child.save()
    assert _rows(together) == _rows(one_by_one)
    stored = Customer.objects.get(pk=together.pk)
    assert stored.public_id == together.public_id and stored.created_at == together.created_at


def test_a_failing_child_leaves_nothing_behind(store_a, alice):
    customer, children = _family(store_a, alice, "Clash")
    children[1].label = "mobile"  # two phones with one label: the unique constraint refuses
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_with_children(customer, children)
    assert not Customer.objects.filter(last_name="Clash").exists()
    assert not CustomerPhone.objects.exists()


def test_a_child_that_does_not_point_at_the_parent_is_refused(store_a, alice):
    customer, _ = _family(store_a, alice, "Lone")
    stranger = CustomerPhone(dealership=store_a, number="+15125550199", label="mobile")
    with pytest.raises(ValueError, match="does not point at"):
        insert_with_children(customer, [stranger])
