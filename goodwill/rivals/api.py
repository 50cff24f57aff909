"""Rival offers in the JSON API: list (filters by customer, rival store, make, since), record
one (with an `Idempotency-Key` like every create), read one. The same action and scoped
queryset as the pages."""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import (
    Day,
    Error,
    In,
    Page,
    StaffRef,
    choices,
    column,
    offset_param,
    page_of,
    staff_ref,
    text_param,
)
from goodwill.customers.models import Customer
from goodwill.floor.models import Deal
from goodwill.rivals import actions
from goodwill.rivals.models import RivalOffer

router = Router(tags=["rivals"])

SourceName = choices(RivalOffer.Source)


class OfferOut(Schema):
    id: UUID
    customer_id: UUID
    deal_id: UUID | None = Field(description="Our deal the offer was made against, if any")
    rival_store: str
    make: str
    vehicle: str
    price: Decimal | None
    monthly_payment: Decimal | None
    term_months: int | None
    apr: Decimal | None = Field(description="Annual percentage rate, e.g. 5.9")
    offered_on: date
    source: SourceName = Field(description="How we know")
    source_detail: str = Field(description="Who or where (a partner's name, an ad's address)")
    notes: str
    recorded_by: StaffRef
    recorded_at: datetime


class OfferPage(Page[OfferOut]):
    pass


class OfferIn(In):
    customer_id: UUID = Field(description="The customer or referral partner it was offered to")
    deal_id: UUID | None = Field(None, description="Our deal with that customer, if any")
    rival_store: str = column(RivalOffer, "rival_store", min_length=1)
    make: str = column(RivalOffer, "make", min_length=1)
    vehicle: str = column(RivalOffer, "vehicle", "")
    price: Decimal | None = Field(None, gt=0, max_digits=10, decimal_places=2)
    monthly_payment: Decimal | None = Field(None, gt=0, max_digits=8, decimal_places=2)
    term_months: int | None = Field(None, ge=1, le=120)
    apr: Decimal | None = Field(None, ge=0, le=40, max_digits=5, decimal_places=2)
    offered_on: date = Field(description="When the rival made the offer (not in the future)")
    source: SourceName
    source_detail: str = column(RivalOffer, "source_detail", "")
    notes: str = column(RivalOffer, "notes", "")


def offer_out(o: RivalOffer) -> dict:
    return {
        "id": o.public_id,
        "customer_id": o.customer.public_id,
        "deal_id": o.deal.public_id if o.deal else None,
        "rival_store": o.rival_store,
        "make": o.make,
        "vehicle": o.vehicle,
        "price": o.price,
        "monthly_payment": o.monthly_payment,
        "term_months": o.term_months,
        "apr": o.apr,
        "offered_on": o.offered_on,
        "source": o.source,
        "source_detail": o.source_detail,
        "notes": o.notes,
        "recorded_by": staff_ref(o.recorded_by),
        "recorded_at": o.recorded_at,
    }


def _offers(request):
    return RivalOffer.objects.visible_to(request.user).select_related(
        "customer", "deal", "recorded_by"
    )


@router.get("/rival-offers", response=OfferPage, summary="Rival offers (newest offer first)")
def list_offers(
    request,
    customer_id: UUID | None = None,
    rival_store: str = text_param(120, description="Exactly this rival store (any case)"),
    make: str = text_param(40, description="Exactly this make (any case)"),
    since: Day | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    qs = _offers(request).order_by("-offered_on", "-id")
    if customer_id is not None:
        qs = qs.filter(customer__public_id=customer_id)
    if rival_store:
        qs = qs.filter(rival_store__iexact=rival_store.strip())
    if make:
        qs = qs.filter(make__iexact=make.strip())
    if since is not None:
        qs = qs.filter(offered_on__gte=since)
    return page_of(qs, limit=limit, offset=offset, out=offer_out)


@router.post(
    "/rival-offers",
    response={201: OfferOut, 422: Error},
    summary="Record what a rival store offered a customer or partner",
)
def create_offer(request, payload: OfferIn):
    def create():
        data = payload.dict()
        customer = (
            Customer.objects.visible_to(request.user)
            .filter(public_id=data.pop("customer_id"))
            .first()
        )
        if customer is None:
            raise ValidationError({"customer_id": ["Not found in your store."]})
        deal_id, deal = data.pop("deal_id"), None
        if deal_id is not None:
            deal = (
                Deal.objects.for_dealership(customer.dealership_id)
                .filter(public_id=deal_id, customer=customer)
                .first()
            )
            if deal is None:
                raise ValidationError({"deal_id": ["Not a deal of this customer."]})
        offer = actions.record_offer(customer, by=request.user, deal=deal, **data)
        return offer_out(_offers(request).get(pk=offer.pk))

    return run_idempotent(request, create, schema=OfferOut)


@router.get("/rival-offers/{uuid:offer_id}", response=OfferOut)
def get_offer(request, offer_id: UUID):
    return offer_out(get_object_or_404(_offers(request), public_id=offer_id))
