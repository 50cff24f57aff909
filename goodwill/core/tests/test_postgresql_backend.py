"""`goodwill.core.postgresql`: with parameters bound by the server, no statement may carry
more than 65,535 of them; bulk writes are cut below that."""

import pytest
from django.db import connection

from goodwill.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's protocol limit")
def test_a_bulk_insert_of_more_parameters_than_a_statement_carries_is_cut(store_a, alice):
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    count = 65_535 // len(fields) + 500  # more rows than one statement may carry
    entries = [
        AuditEntry(dealership=store_a, user=alice, verb="viewed", object_kind="customer")
        for _ in range(count)
    ]
    AuditEntry.objects.bulk_create(entries)
    assert AuditEntry.objects.filter(dealership=store_a, verb="viewed").count() >= count
    assert connection.ops.bulk_batch_size(fields, entries) * len(fields) <= 65_535
