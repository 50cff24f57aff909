"""A new customer written in one statement: the API's create on PostgreSQL.

`create_customer` (actions) checks the duplicate rule with one lookup, then writes the
customer, its phones, its emails and its "created" history row with four INSERTs inside
BEGIN … COMMIT: seven round trips, and the ORM compiling each INSERT on every request.
`create_customer_at_once` makes the same checks in Python (`prepare_new_customer`, the very
function `create_customer` and the imports use), then writes the same four kinds of rows in
one statement guarded by the same-contact lookup (`core.one_statement`): one round trip.

It answers None, having written nothing, whenever it cannot decide alone, and the caller
takes the long way (`actions.create_customer`), which decides as it always did:
- the store already has one of these phones, emails or VINs (the long way finds the
  matches and explains them, or creates the customer when none of them is a match);
- a field does not pass its checks (the long way decides between its 409 and the 422);
- an assignment is asked for, another duplicate rule, or not PostgreSQL.

`customers/tests/test_writes.py` proves that both ways store the same rows."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from goodwill.core import one_statement
from goodwill.core.one_statement import Children
from goodwill.core.prepared import NotPreparable, loaded_as_prefetched
from goodwill.customers import duplicates as duplicate_rule
from goodwill.customers.actions import prepare_new_customer
from goodwill.customers.models import Customer, CustomerEmail, CustomerEvent, CustomerPhone


def create_customer_at_once(
    dealership,
    *,
    acting_user,
    phones: dict | None = None,
    emails: dict | None = None,
    confirm_new: bool = False,
    also=None,
    **fields,
) -> Customer | None:
    """`actions.create_customer(dealership, …)` for the API's fields, in one statement, or
    None (nothing written: take the long way). `also(customer, (phones, emails))`:
    [(model, row)] written in the same statement, once the customer holds its final values
    (the Idempotency-Key's row with the answer; phones and emails as the answer lists them,
    the customer has no key yet to read them by)."""
    if not one_statement.available() or {"salesperson", "service_advisor"} & set(fields):
        return None
    try:
        new = prepare_new_customer(
            dealership, acting_user=acting_user, phones=phones, emails=emails, **fields
        )
    except ValidationError:
        return None
    unless = None
    if not confirm_new:
        try:
            unless = duplicate_rule.same_contact_lookup(
                dealership, new.phones.values(), new.emails.values(), normalised=True
            )
        except NotPreparable:
            return None
    customer = new.customer
    phones_written = Children(CustomerPhone, new.phone_rows(), link="customer_id", key="label")
    emails_written = Children(CustomerEmail, new.email_rows(), link="customer_id", key="label")

    def more(customer):
        if also is None:
            return []
        contact = (
            [{"label": label, "number": n} for label, n in new.phones.items()],
            [{"label": label, "address": a} for label, a in new.emails.items()],
        )
        return [Children(model, [row]) for model, row in also(customer, contact)]

    written = one_statement.insert_family(
        customer,
        [
            phones_written,
            emails_written,
            Children(CustomerEvent, [new.event_row()], link="customer_id"),
        ],
        unless=unless,
        more=more,
    )
    if not written:
        return None
    # The answer reads them from here, as `create_customer` leaves them (`customer_out`).
    for name, model, children in (
        ("phones", CustomerPhone, phones_written),
        ("emails", CustomerEmail, emails_written),
    ):
        rows = []
        for row in children.rows:
            row = model(**{**row, "customer_id": customer.pk, "id": children.ids[row["label"]]})
            row._state.adding, row._state.db = False, customer._state.db
            rows.append(row)
        loaded_as_prefetched(customer, name, rows)
    return customer
