"""Pros, partnerships and suggestions in the JSON API (same querysets and actions as pages)."""

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import Error, In, line, text_param
from goodwill.network import actions
from goodwill.network.models import Partnership, Pro
from goodwill.network.suggest import suggest

router = Router(tags=["network"])


class ProIn(In):
    store_name: str = Field(max_length=120)
    first_name: str = Field(max_length=80)
    last_name: str = Field("", max_length=80)
    title: str = Field("", max_length=80)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    makes: list[line(40)] = Field(min_length=1, max_length=10)
    specialties: list[line(60)] = Field(default_factory=list, max_length=20)
    street: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=50)
    postal_code: str = Field("", max_length=12)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    website: str = Field("", max_length=200)
    notes: str = Field("", max_length=5000)


class ProPatch(In):
    store_name: str | None = Field(None, max_length=120)
    first_name: str | None = Field(None, max_length=80)
    last_name: str | None = Field(None, max_length=80)
    title: str | None = Field(None, max_length=80)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    makes: list[line(40)] | None = Field(None, min_length=1, max_length=10)
    specialties: list[line(60)] | None = Field(None, max_length=20)
    notes: str | None = Field(None, max_length=5000)


class ProOut(Schema):
    id: UUID
    name: str
    store_name: str
    on_goodwill: bool
    first_name: str
    last_name: str
    title: str
    phone: str
    email: str
    makes: list[str]
    specialties: list[str]
    address: str
    latitude: float | None
    longitude: float | None
    notes: str
    referrals_sent: int
    referrals_received: int
    referrals_won: int
    partnership: str | None


class PartnershipOut(Schema):
    id: UUID
    pro_id: UUID | None
    proposer_store: str
    status: str
    terms: str
    created_at: datetime
    agreed_at: datetime | None


class PartnershipIn(In):
    terms: str = Field("", max_length=500)


class SuggestionOut(Schema):
    pro_id: UUID
    name: str
    store_name: str
    in_network: bool
    score: float
    distance_miles: float | None
    why: list[str]


class SuggestionsOut(Schema):
    makes: list[str]
    specialties: list[str]
    items: list[SuggestionOut]


def pro_out(p: Pro, partnership: str | None = None) -> dict:
    return {
        "id": p.public_id,
        "name": p.name,
        "store_name": p.store_name,
        "on_goodwill": p.on_goodwill,
        **{
            f: getattr(p, f)
            for f in (
                "first_name",
                "last_name",
                "title",
                "phone",
                "email",
                "makes",
                "specialties",
                "latitude",
                "longitude",
                "notes",
            )
        },
        "address": p.address_line,
        "referrals_sent": p.sent_count,
        "referrals_received": p.received_count,
        "referrals_won": p.won_count,
        "partnership": partnership,
    }


def partnership_out(p: Partnership, user) -> dict:
    mine = p.dealership_id == user.dealership_id
    return {
        "id": p.public_id,
        "pro_id": p.pro.public_id if mine else None,
        "proposer_store": p.dealership.name,
        "status": p.status,
        "terms": p.terms,
        "created_at": p.created_at,
        "agreed_at": p.agreed_at,
    }


def _get_pro(request, pro_id) -> Pro:
    return get_object_or_404(Pro.objects.visible_to(request.user), public_id=pro_id)


def _open_status(pro) -> str | None:
    p = pro.partnerships.filter(status__in=["proposed", "agreed"]).first()
    return p.status if p else None


@router.get("/pros", response=list[ProOut], summary="My network's pros")
def list_pros(request, make: str = text_param(40)):
    qs = Pro.objects.visible_to(request.user).filter(is_active=True, listed=False)
    if make:
        qs = qs.filter(make_rows__make=make.lower())
    statuses = dict(
        Partnership.objects.filter(
            dealership_id=request.user.dealership_id, status__in=["proposed", "agreed"]
        ).values_list("pro_id", "status")
    )
    return [pro_out(p, statuses.get(p.pk)) for p in qs[:500]]


@router.post("/pros", response={201: ProOut, 422: Error})
def create_pro(request, payload: ProIn):
    def create():
        pro = actions.record_pro(request.dealership, acting_user=request.user, **payload.dict())
        return pro_out(pro)

    return run_idempotent(request, create, schema=ProOut)


@router.get("/pros/{uuid:pro_id}", response=ProOut)
def get_pro(request, pro_id: UUID):
    pro = _get_pro(request, pro_id)
    return pro_out(pro, _open_status(pro))


@router.patch("/pros/{uuid:pro_id}", response={200: ProOut, 422: Error})
def update_pro(request, pro_id: UUID, payload: ProPatch):
    pro = _get_pro(request, pro_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    actions.update_pro(pro, acting_user=request.user, **fields)
    pro.refresh_from_db()
    return pro_out(pro, _open_status(pro))


@router.post(
    "/pros/{uuid:pro_id}/partnership",
    response={201: PartnershipOut, 422: Error},
    summary="Propose a partnership",
)
def propose(request, pro_id: UUID, payload: PartnershipIn):
    pro = _get_pro(request, pro_id)

    def create():
        partnership = actions.propose_partnership(
            pro, acting_user=request.user, terms=payload.terms
        )
        return partnership_out(partnership, request.user)

    return run_idempotent(request, create, schema=PartnershipOut)


def _get_partnership(request, partnership_id) -> Partnership:
    return get_object_or_404(
        Partnership.objects.read_by(request.user),
        public_id=partnership_id,
    )


@router.get("/partnerships", response=list[PartnershipOut])
def list_partnerships(request):
    qs = Partnership.objects.read_by(request.user)
    return [partnership_out(p, request.user) for p in qs[:500]]


def _answer(name, func):
    @router.post(
        f"/partnerships/{{uuid:partnership_id}}/{name}",
        response={200: PartnershipOut, 403: Error, 422: Error},
        operation_id=f"partnership_{name}",
        summary=f"Partnership: {name}",
    )
    def endpoint(request, partnership_id: UUID):
        partnership = _get_partnership(request, partnership_id)
        try:
            func(partnership, acting_user=request.user)
        except PermissionDenied as exc:
            return Status(403, {"detail": str(exc)})
        return partnership_out(_get_partnership(request, partnership_id), request.user)

    return endpoint


_answer(
    "accept",
    lambda p, acting_user: actions.answer_partnership(p, acting_user=acting_user, accept=True),
)
_answer(
    "decline",
    lambda p, acting_user: actions.answer_partnership(p, acting_user=acting_user, accept=False),
)
_answer("agreed", actions.mark_agreed)
_answer("end", actions.end_partnership)


@router.get("/suggestions", response=SuggestionsOut, summary="Best pros for what a shopper wants")
def suggestions(
    request,
    q: str = text_param(200, description="e.g. “a Toyota Tacoma”"),
    make: str = text_param(40),
    specialty: str = text_param(40),
    limit: int = Query(8, ge=1, le=50),
):
    wish, items = suggest(request.dealership, text=q, make=make, specialty=specialty, limit=limit)
    return {
        "makes": wish.makes,
        "specialties": wish.specialties,
        "items": [
            {
                "pro_id": s.pro.public_id,
                "name": s.pro.name,
                "store_name": s.pro.store_name,
                "in_network": s.in_network,
                "score": s.score,
                "distance_miles": round(s.distance_miles, 1)
                if s.distance_miles is not None
                else None,
                "why": s.why,
            }
            for s in items
        ],
    }
