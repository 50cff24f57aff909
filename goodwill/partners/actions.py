"""Every change to a partner goes through here: one transaction, the change, its
PartnerEvent and (for a partner who is a customer) the customer's history together.

Partners are made three ways: staff add one (a body shop, a fleet manager, a pro), a
referral credited to a customer makes that customer a partner (`receivers`), and a pro who
sends a referral to a store that has their card becomes that store's partner. A partner's
first sale sets `became_customer_at` and keeps the partner row: a customer and a partner."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone

from goodwill.customers.actions import record_event
from goodwill.customers.models import Customer, CustomerEvent
from goodwill.network.models import Pro
from goodwill.partners.models import Partner, PartnerEvent

EDITABLE = ("kind", "note", "is_active")


def _event(partner, verb, *, actor, at, changes=None, note=""):
    return PartnerEvent.objects.create(
        dealership_id=partner.dealership_id,
        partner=partner,
        actor=actor,
        at=at,
        verb=verb,
        changes=changes or {},
        note=note[:300],
    )


def customers_since(customer_ids) -> dict[int, object]:
    """{customer id: when they became a customer} from their history (first sale, or the
    line that made them one), in one query: for partners marked customers by hand."""
    return dict(
        CustomerEvent.objects.filter(customer_id__in=list(customer_ids))
        .filter(
            Q(verb=CustomerEvent.Verb.SOLD)
            | Q(verb=CustomerEvent.Verb.UPDATED, changes__relationship__1="customer")
        )
        .values("customer_id")
        .annotate(first=Min("at"))
        .values_list("customer_id", "first")
        .order_by()
    )


def customer_since(customer: Customer):
    """When a customer became one: their first sale, else the history line that made them a
    customer, else when they were entered as one. None for a prospect, friend, partner."""
    # Read from the database: the caller's instance may predate a sale in this transaction.
    relationship, created_at = Customer.objects.values_list("relationship", "created_at").get(
        pk=customer.pk
    )
    if relationship != Customer.Relationship.CUSTOMER:
        return None
    events = CustomerEvent.objects.filter(customer=customer).order_by("at", "id")
    first = events.filter(verb=CustomerEvent.Verb.SOLD).values_list("at", flat=True).first()
    if first is None:
        first = (
            events.filter(verb=CustomerEvent.Verb.UPDATED, changes__relationship__1="customer")
            .values_list("at", flat=True)
            .first()
        )
    return first or created_at


def kind_for(customer: Customer | None, pro: Pro | None) -> str:
    if customer is None:
        return Partner.Kind.PRO
    if customer.kind == Customer.Kind.BUSINESS:
        return Partner.Kind.BUSINESS
    return Partner.Kind.PERSON


@transaction.atomic
def add_partner(
    dealership,
    *,
    acting_user=None,
    customer: Customer | None = None,
    pro: Pro | None = None,
    kind: str = "",
    note: str = "",
    at=None,
) -> Partner:
    """Make a customer of the store, or the store's card of a pro, a referral partner.
    Raises ValidationError per field (someone of another store, already a partner)."""
    store_id = getattr(dealership, "pk", dealership)
    if acting_user is not None and acting_user.dealership_id != store_id:
        raise PermissionDenied("Not your store.")
    errors = {}
    if customer is None and pro is None:
        errors["customer_id"] = ["Pick a customer of your store or a pro of your network."]
    if customer is not None and customer.dealership_id != store_id:
        errors["customer_id"] = ["Pick a customer of your store."]
    if pro is not None and pro.dealership_id != store_id:
        errors["pro_id"] = ["Pick a pro of your network."]
    kind = kind or kind_for(customer, pro)
    if kind not in Partner.Kind.values:
        errors["kind"] = [f"Use one of {Partner.Kind.values}."]
    if errors:
        raise ValidationError(errors)
    existing = Partner.objects.filter(dealership_id=store_id)
    if customer is not None and existing.filter(customer=customer).exists():
        raise ValidationError({"customer_id": [f"{customer.display_name} is already a partner."]})
    if pro is not None and existing.filter(pro=pro).exists():
        raise ValidationError({"pro_id": [f"{pro.name} is already a partner."]})
    at = at or timezone.now()
    partner = Partner.objects.create(
        dealership_id=store_id,
        kind=kind,
        customer=customer,
        pro=pro,
        since=at,
        became_customer_at=customer_since(customer) if customer is not None else None,
        note=note[:500],
        created_by=acting_user,
    )
    _event(partner, "added", actor=acting_user, at=at, changes={"kind": ["", kind]}, note=note)
    if customer is not None:
        record_event(
            customer,
            CustomerEvent.Verb.PARTNER_ADDED,
            actor=acting_user,
            at=at,
            subject=Partner.Kind(kind).label,
            reason=note[:300],
        )
    return partner


def ensure_partner(dealership, *, customer=None, pro=None, at=None, reason: str = "") -> Partner:
    """The partner row of this customer or pro, made on their first referral (no one typed
    it: no acting user). Safe to call for every referral."""
    rows = Partner.objects.filter(dealership_id=getattr(dealership, "pk", dealership))
    found = rows.filter(customer=customer).first() if customer else rows.filter(pro=pro).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return add_partner(dealership, customer=customer, pro=pro, note=reason, at=at)
    except (ValidationError, IntegrityError):
        # Another request made them a partner between our read and our insert.
        return rows.get(customer=customer) if customer else rows.get(pro=pro)


@transaction.atomic
def update_partner(partner: Partner, *, acting_user, **fields) -> Partner:
    """Change the kind, the note, or whether they are still a partner (deactivated, never
    deleted); old → new in the partner's history."""
    if acting_user.dealership_id != partner.dealership_id:
        raise PermissionDenied("Not your store's partner.")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown partner fields: {sorted(unknown)}")
    if "kind" in fields and fields["kind"] not in Partner.Kind.values:
        raise ValidationError({"kind": [f"Use one of {Partner.Kind.values}."]})
    partner = (
        Partner.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=partner.pk)
    )
    changes = {}
    for name, value in fields.items():
        if name == "note":
            value = (value or "").strip()[:500]
        old = getattr(partner, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(partner, name, value)
    if not changes:
        return partner
    partner.save(update_fields=[*changes, "updated_at"])
    at = timezone.now()
    verb = "updated"
    if "is_active" in changes:
        verb = "reactivated" if partner.is_active else "deactivated"
    _event(partner, verb, actor=acting_user, at=at, changes=changes)
    if partner.customer_id:
        record_event(
            partner.customer,
            CustomerEvent.Verb.PARTNER_UPDATED,
            actor=acting_user,
            at=at,
            subject=PartnerEvent.LABELS[verb],
            changes=changes,
        )
    return partner


def note_purchase(customer: Customer, *, at, staff=None) -> int:
    """A partner bought: they are a customer from now on, and still a partner. Returns how
    many partner rows learned it (0 for someone who is no partner, or was a customer)."""
    noted = 0
    for partner in Partner.objects.select_for_update().filter(
        dealership_id=customer.dealership_id, customer=customer, became_customer_at__isnull=True
    ):
        partner.became_customer_at = at
        partner.save(update_fields=["became_customer_at", "updated_at"])
        _event(partner, "bought", actor=staff, at=at)
        record_event(
            customer,
            CustomerEvent.Verb.PARTNER_BOUGHT,
            actor=staff,
            at=at,
            subject="Customer and still a referral partner",
        )
        noted += 1
    return noted
