"""Many customers filled in at once (imports): `update_customer`'s checks, rows and history,
with the reads and the writes of a whole batch in a handful of statements.

An import's fill-in ("the same person as customer 42: add the new phone and the street") went
through `update_customer` one row at a time: a savepoint, the customer locked and read, its
phones, emails and other contact details read, the dealership read for the phone region, the
changed fields saved, each new phone and email inserted, the primary phone and email picked
and saved, the history row, the import's record — about 17 statements and 34 round trips a
fill-in, ~30 % of an import's wall time under load at 2 % fill-ins (`bench/bench_import.py`).

Here `lock_for_update` locks and reads every customer of the batch with their contact points
in four statements; `Pending.update` is `update_customer` on those values in memory (the same
checks, the same `changes` for the history row; a refused update leaves the customer as it
was, as the rolled-back savepoint did); `write_updates` writes what changed — one UPDATE for
the customers, one COPY per table for the new phones, emails, other contact details and the
"updated" history rows. A customer filled in twice in one batch sees its first fill-in, as
it did row by row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from goodwill.core.bulk import copy_rows
from goodwill.core.contact import normalise_email, normalise_phone
from goodwill.customers.actions import (
    CUSTOMER_FIELDS,
    _apply_fields,
    _detail_changes,
    _detail_rows,
)
from goodwill.customers.models import (
    ContactDetail,
    Customer,
    CustomerEmail,
    CustomerEvent,
    CustomerPhone,
)
from goodwill.customers.validation import validate_customer as _validate_customer


class Pending:
    """One customer of the batch: as loaded (locked), plus what the batch's fill-ins changed
    so far. `phones` / `emails` are {label: value} in id order (the new ones last, in the
    order they will be written), `details` the (kind, value) of its other contact details."""

    def __init__(self, customer: Customer, region: str):
        self.customer, self.region = customer, region
        self.phones: dict[str, str] = {}
        self.emails: dict[str, str] = {}
        self.details: list[tuple[str, str]] = []
        self.new_phones: dict[str, str] = {}
        self.new_emails: dict[str, str] = {}
        self.new_details: list[dict] = []
        self.events: list[dict] = []
        self.fields: set[str] = set()  # the columns to write

    def update(
        self,
        *,
        acting_user,
        phones: dict | None = None,
        emails: dict | None = None,
        reason: str = "",
        details: list | None = None,
        **fields,
    ) -> dict:
        """`update_customer` on this customer, in memory: returns the changes that go into
        its history row. A fill-in adds phones and emails under labels the customer does not
        use yet (a taken label raises ValueError: replacing is `update_customer`'s). Raises
        ValidationError and changes nothing when a check fails."""
        unknown = set(fields) - set(CUSTOMER_FIELDS)
        if unknown:
            raise TypeError(f"unknown customer fields: {sorted(unknown)}")
        c = self.customer
        kept = {name: getattr(c, name) for name in (*fields, "search_name")}
        try:
            changes = _apply_fields(c, fields)
            if changes:
                c.refresh_search_name()
                _validate_customer(c)
            add_phones, add_emails, contact = self._contact_points(phones or {}, emails or {})
            detail_rows = _detail_rows(c, details)
        except ValidationError:
            for name, value in kept.items():
                setattr(c, name, value)
            raise
        if changes:
            c.updated_at = timezone.now()
            self.fields.update((*changes, "search_name", "updated_at"))
        changes |= contact
        self.phones |= add_phones
        self.emails |= add_emails
        self.new_phones |= add_phones
        self.new_emails |= add_emails
        if contact:
            # The first of the customer's contact points by id, as `_sync_contact_points`
            # picks it (the new ones get the highest ids, in this order).
            c.primary_phone = next(iter(self.phones.values()), "")
            c.primary_email = next(iter(self.emails.values()), "")
            self.fields.update(("primary_phone", "primary_email"))
        if details:
            self.new_details += [
                {
                    "dealership_id": c.dealership_id,
                    "customer_id": c.pk,
                    "kind": d.kind,
                    "label": d.label,
                    "value": d.value,
                }
                for d in detail_rows
            ]
            self.details += [(d.kind, d.value) for d in detail_rows]
            changes |= _detail_changes(details)
        if changes:
            self.events.append(
                {
                    "dealership_id": c.dealership_id,
                    "customer_id": c.pk,
                    "actor_id": acting_user.pk if acting_user else None,
                    "at": timezone.now(),
                    "verb": CustomerEvent.Verb.UPDATED,
                    "subject": "",
                    "changes": changes,
                    "reason": reason,
                }
            )
        return changes

    def _contact_points(self, phones: dict, emails: dict) -> tuple[dict, dict, dict]:
        errors, changes = {}, {}
        added = {"phone": {}, "email": {}}
        kinds = (
            ("phone", phones, self.phones, lambda raw: normalise_phone(raw, self.region)),
            ("email", emails, self.emails, normalise_email),
        )
        for kind, given, taken, normalise in kinds:
            for label, raw in given.items():
                try:
                    value = normalise(raw)
                except ValidationError as exc:
                    errors[f"{kind}_{label}"] = exc.messages
                    continue
                if label in taken:
                    raise ValueError(f"the {label} {kind} is taken: a fill-in only adds")
                if value:
                    added[kind][label] = value
                    changes[f"{label} {kind}"] = ["", value]
        if errors:
            raise ValidationError(errors)
        return added["phone"], added["email"], changes


def lock_for_update(dealership, ids) -> dict[int, Pending]:
    """The store's customers with these ids, locked (`SELECT … FOR UPDATE`, as
    `update_customer` locks each), with their phones, emails and other contact details:
    four statements for the batch."""
    ids = sorted(set(ids))
    customers = Customer.objects.select_for_update().filter(dealership=dealership, pk__in=ids)
    pending = {c.pk: Pending(c, dealership.phone_region) for c in customers}
    scoped = {"dealership": dealership, "customer_id__in": ids}
    for cid, label, number in (
        CustomerPhone.objects.filter(**scoped)
        .order_by("id")
        .values_list("customer_id", "label", "number")
    ):
        pending[cid].phones[label] = number
    for cid, label, address in (
        CustomerEmail.objects.filter(**scoped)
        .order_by("id")
        .values_list("customer_id", "label", "address")
    ):
        pending[cid].emails[label] = address
    for cid, kind, value in (
        ContactDetail.objects.filter(**scoped)
        .order_by("id")
        .values_list("customer_id", "kind", "value")
    ):
        pending[cid].details.append((kind, value))
    return pending


@transaction.atomic
def write_updates(pending) -> None:
    """Write what the `Pending` customers' updates changed: the customers' changed columns
    in one UPDATE, then one COPY each for their new phones, emails, other contact details
    and "updated" history rows."""
    pending = list(pending)
    changed = [p for p in pending if p.fields]
    if changed:
        names = sorted(set().union(*(p.fields for p in changed)))
        Customer.objects.bulk_update([p.customer for p in changed], names)

    copy_rows(
        CustomerPhone,
        [
            {"dealership_id": c.dealership_id, "customer_id": c.pk, "number": n, "label": label}
            for p in pending
            for c in (p.customer,)
            for label, n in p.new_phones.items()
        ],
    )
    copy_rows(
        CustomerEmail,
        [
            {
                "dealership_id": c.dealership_id,
                "customer_id": c.pk,
                "address": a,
                "address_lower": a.lower(),
                "label": label,
            }
            for p in pending
            for c in (p.customer,)
            for label, a in p.new_emails.items()
        ],
    )
    copy_rows(ContactDetail, [row for p in pending for row in p.new_details])
    copy_rows(CustomerEvent, [row for p in pending for row in p.events])
