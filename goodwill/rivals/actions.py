"""The one write of the rivals app: record what a rival store offered a customer or partner,
with its line in the customer's history, in one transaction."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from goodwill.customers.actions import record_event
from goodwill.customers.models import Customer, CustomerEvent
from goodwill.dealerships.places import clean_makes
from goodwill.rivals.models import RivalOffer

# Fields a person types about an offer (the form, the API): the one list.
OFFER_FIELDS = (
    "rival_store",
    "make",
    "vehicle",
    "price",
    "monthly_payment",
    "term_months",
    "apr",
    "offered_on",
    "source",
    "source_detail",
    "notes",
)
# An offer heard of this long after it was made tells the Fails Department nothing new.
OLDEST_DAYS = 3 * 365


def one_line(value) -> str:
    return " ".join(str(value or "").split())


def known_spelling(dealership, rival_store: str) -> str:
    """The spelling this store already uses for that rival ("round rock toyota" → "Round
    Rock Toyota"), so the report counts one rival once whoever typed it."""
    earlier = (
        RivalOffer.objects.for_dealership(dealership)
        .filter(rival_store__iexact=rival_store)
        .order_by("id")
        .values_list("rival_store", flat=True)
        .first()
    )
    return earlier or rival_store


def _check(dealership, fields: dict, *, deal, customer, today: date) -> dict[str, list[str]]:
    """Every problem at once, one message per field, before anything is written."""
    errors: dict[str, list[str]] = {}
    if not fields["rival_store"]:
        errors["rival_store"] = ["Which store made the offer?"]
    if not fields["make"]:
        errors["make"] = ["Which make (e.g. Toyota)?"]
    if fields["price"] is None and fields["monthly_payment"] is None:
        errors["price"] = ["Give the rival's price or their monthly payment."]
    for name, what in (("price", "A price"), ("monthly_payment", "A monthly payment")):
        if fields[name] is not None and fields[name] <= 0:
            errors[name] = [f"{what} is more than $0."]
    if fields["apr"] is not None and not 0 <= fields["apr"] <= 40:
        errors["apr"] = ["An APR is between 0 and 40 (e.g. 5.9)."]
    term = fields["term_months"]
    if term is not None and not 1 <= term <= 120:
        errors["term_months"] = ["A term is 1 to 120 months."]
    elif term is not None and fields["monthly_payment"] is None:
        errors["term_months"] = ["A term goes with a monthly payment."]
    offered_on = fields["offered_on"]
    if offered_on is None:
        errors["offered_on"] = ["When was it offered?"]
    elif offered_on > today:
        errors["offered_on"] = ["An offer someone heard of cannot be in the future."]
    elif offered_on < today - timedelta(days=OLDEST_DAYS):
        errors["offered_on"] = ["That is more than three years ago."]
    if fields["source"] not in RivalOffer.Source.values:
        errors["source"] = ["Say how we know: " + ", ".join(RivalOffer.Source.labels) + "."]
    if deal is not None and deal.customer_id != customer.pk:
        errors["deal"] = ["That deal is another customer's."]
    return errors


@transaction.atomic
def record_offer(customer: Customer, *, by, deal=None, at=None, **typed) -> RivalOffer:
    """Record a rival's offer on `customer` (a customer or a referral partner) as `by` heard
    it. Raises `ValidationError` with a message per field and writes nothing on bad input."""
    unknown = set(typed) - set(OFFER_FIELDS)
    if unknown:
        raise TypeError(f"unknown offer fields: {sorted(unknown)}")
    if by.dealership_id != customer.dealership_id:
        raise ValidationError({"customer": ["Not a customer of your store."]})
    at = at or timezone.now()
    store = customer.dealership
    fields = {name: typed.get(name) for name in OFFER_FIELDS}
    for name in ("rival_store", "vehicle", "source_detail"):
        fields[name] = one_line(fields[name])
    fields["notes"] = (fields["notes"] or "").strip()
    fields["source"] = fields["source"] or ""
    fields["make"] = (clean_makes([fields["make"] or ""]) or [""])[0]
    for name in ("price", "monthly_payment", "apr"):
        if fields[name] is not None:
            fields[name] = Decimal(fields[name])
    errors = _check(store, fields, deal=deal, customer=customer, today=store.local_now().date())
    if errors:
        raise ValidationError(errors)
    fields["rival_store"] = known_spelling(store, fields["rival_store"])
    offer = RivalOffer(
        dealership_id=customer.dealership_id,
        customer=customer,
        deal=deal,
        recorded_by=by,
        recorded_at=at,
        **fields,
    )
    # Lengths, digits and the named constraints, each message on its field.
    offer.full_clean(exclude=["dealership", "customer", "deal", "recorded_by"])
    offer.save()
    record_event(
        customer,
        CustomerEvent.Verb.RIVAL_OFFER,
        actor=by,
        at=at,
        subject=f"{offer.rival_store} · {offer.make} {offer.vehicle}".strip(),
        changes={"rival_offer": ["", offer.terms]},
        reason=offer.get_source_display()[:300],
    )
    return offer
