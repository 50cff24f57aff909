"""Referral partners in the JSON API: list, read (with what they referred, thank-yous and
rewards), add and change. The same actions and scoped querysets as the pages."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import Error, In, Page, choices, offset_param, page_of
from goodwill.customers.models import Customer
from goodwill.network.models import Pro
from goodwill.partners import actions, ledger
from goodwill.partners.models import Partner

router = Router(tags=["partners"])

KindName = choices(Partner.Kind)


class PartnerOut(Schema):
    id: UUID
    name: str
    kind: KindName
    customer_id: UUID | None = Field(description="Their customer record, when they have one")
    pro_id: UUID | None = Field(description="The store's card of the pro, when they are one")
    is_customer: bool = Field(description="A customer of the store too (and still a partner)")
    became_customer_at: datetime | None
    since: datetime
    is_active: bool
    note: str
    referred: int
    won: int


class PartnerReferralOut(Schema):
    id: UUID
    name: str = Field(description="The referred person as shared (the snapshot)")
    interest: str
    status: str
    value: Decimal | None
    earned: bool
    sent_at: datetime


class PartnerThankYouOut(Schema):
    id: UUID
    referral_id: UUID
    status: str
    method: str = Field(description="goodwill, email, letter; '' while to write")
    done_at: datetime | None


class PartnerRewardOut(Schema):
    id: UUID
    referral_id: UUID
    amount: Decimal
    status: str


class PartnerDetailOut(PartnerOut):
    referrals: list[PartnerReferralOut]
    thank_yous: list[PartnerThankYouOut]
    rewards: list[PartnerRewardOut]


class PartnerPage(Page[PartnerOut]):
    pass


class PartnerIn(In):
    customer_id: UUID | None = None
    pro_id: UUID | None = None
    kind: choices(Partner.Kind, blank=True) = Field(
        "", description="'' picks it from who they are (person, business, pro)"
    )
    note: str = Field("", max_length=500)


class PartnerPatch(In):
    kind: KindName = None
    note: str = Field(None, max_length=500)
    is_active: bool = None


def partner_out(p: Partner, counts=None) -> dict:
    counts = counts or {"sent": 0, "won": 0}
    return {
        "id": p.public_id,
        "name": p.display_name,
        "kind": p.kind,
        "customer_id": p.customer.public_id if p.customer_id else None,
        "pro_id": p.pro.public_id if p.pro_id else None,
        "is_customer": p.is_customer,
        "became_customer_at": p.became_customer_at,
        "since": p.since,
        "is_active": p.is_active,
        "note": p.note,
        "referred": counts["sent"],
        "won": counts["won"],
    }


def _partners(request):
    return Partner.objects.visible_to(request.user).select_related("customer", "pro")


def _detail(request, partner) -> dict:
    book = ledger.ledger_of(partner, request.user)
    return partner_out(partner, {"sent": book.sent, "won": book.won}) | {
        "referrals": [
            {
                "id": r.public_id,
                # Our own customer's name when we logged it; else the snapshot we were shown.
                "name": r.customer.display_name
                if r.from_dealership_id == partner.dealership_id
                else r.shared_name,
                "interest": r.interest,
                "status": r.status,
                "value": r.value,
                "earned": r.earned,
                "sent_at": r.sent_at,
            }
            for r in book.referrals
        ],
        "thank_yous": [
            {
                "id": t.public_id,
                "referral_id": t.referral.public_id,
                "status": t.status,
                "method": t.method,
                "done_at": t.done_at,
            }
            for t in book.thank_yous
        ],
        "rewards": [
            {
                "id": w.public_id,
                "referral_id": w.referral.public_id,
                "amount": w.amount,
                "status": w.status,
            }
            for w in book.rewards
        ],
    }


@router.get("/partners", response=PartnerPage, summary="Referral partners (newest first)")
def list_partners(
    request,
    kind: KindName | None = None,
    is_customer: bool | None = None,
    active: bool | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    rows = _partners(request).order_by("-since", "-id")
    if kind:
        rows = rows.filter(kind=kind)
    if active is not None:
        rows = rows.filter(is_active=active)
    if is_customer is not None:
        customers = Q(became_customer_at__isnull=False) | Q(
            customer__relationship=Customer.Relationship.CUSTOMER
        )
        rows = rows.filter(customers) if is_customer else rows.exclude(customers)
    page = page_of(rows, limit=limit, offset=offset, out=lambda p: p)
    counts = ledger.counts_for(page["items"])
    page["items"] = [partner_out(p, counts[p.pk]) for p in page["items"]]
    return page


@router.get("/partners/{uuid:partner_id}", response=PartnerDetailOut)
def get_partner(request, partner_id: UUID):
    return _detail(request, get_object_or_404(_partners(request), public_id=partner_id))


@router.post(
    "/partners",
    response={201: PartnerDetailOut, 422: Error},
    summary="Make a customer of the store or a pro of the network a referral partner",
)
def create_partner(request, payload: PartnerIn):
    def create():
        customer = pro = None
        if payload.customer_id is not None:
            customer = (
                Customer.objects.visible_to(request.user)
                .filter(public_id=payload.customer_id)
                .first()
            )
            if customer is None:
                raise ValidationError({"customer_id": ["Not found in your store."]})
        if payload.pro_id is not None:
            pro = Pro.objects.visible_to(request.user).filter(public_id=payload.pro_id).first()
            if pro is None:
                raise ValidationError({"pro_id": ["Not found in your network."]})
        partner = actions.add_partner(
            request.user.dealership,
            acting_user=request.user,
            customer=customer,
            pro=pro,
            kind=payload.kind,
            note=payload.note,
        )
        return _detail(request, _partners(request).get(pk=partner.pk))

    return run_idempotent(request, create, schema=PartnerDetailOut)


@router.patch(
    "/partners/{uuid:partner_id}",
    response={200: PartnerDetailOut, 422: Error},
    summary="Change a partner's kind or note, or end the partnership (is_active false)",
)
def update_partner(request, partner_id: UUID, payload: PartnerPatch):
    partner = get_object_or_404(_partners(request), public_id=partner_id)
    fields = payload.dict(exclude_unset=True)
    errors = {
        n: ["May not be null."] for n in ("kind", "is_active") if n in fields and fields[n] is None
    }
    if errors:
        raise ValidationError(errors)
    if "note" in fields and fields["note"] is None:
        fields["note"] = ""  # null clears the note
    actions.update_partner(partner, acting_user=request.user, **fields)
    return _detail(request, _partners(request).get(pk=partner.pk))
