"""Every history line has a declared kind: `CustomerEvent.Verb` is the one list."""

import pytest

from goodwill.customers.actions import record_event
from goodwill.customers.models import CustomerEvent

pytestmark = pytest.mark.django_db


def test_an_undeclared_history_verb_is_refused_before_anything_is_written(customer, alice):
    before = CustomerEvent.objects.count()
    with pytest.raises(ValueError, match="undeclared customer history verb 'teleported'"):
        record_event(customer, "teleported", actor=alice)
    assert CustomerEvent.objects.count() == before


def test_every_declared_verb_has_a_label_and_the_subject_fits_its_column(customer, alice):
    for verb in CustomerEvent.Verb:
        assert verb.label and verb.label != verb.value
    event = record_event(customer, CustomerEvent.Verb.SOLD, actor=alice, subject="x" * 500)
    assert event.verb_label == "Sold"
    assert len(event.subject) == CustomerEvent._meta.get_field("subject").max_length
