"""Duplicates in the JSON API: the entry-time match check, duplicate clusters (find,
review, dismiss), merges and their undo. Merges and clusters are a dealer admin's."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import Error, In, Page, choices, line, offset_param
from goodwill.customers.duplicates import find_likely_matches
from goodwill.customers.models import Customer
from goodwill.dedupe import actions
from goodwill.dedupe.jobs import find_duplicates
from goodwill.dedupe.models import DuplicateCluster, Merge
from goodwill.jobs.api import JobOut, job_out
from goodwill.jobs.queue import enqueue

router = Router(tags=["duplicates"])

Choice = Literal["survivor", "merged", "both"]


class MatchCheckIn(In):
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    company_name: str = Field("", max_length=150)
    phones: list[line(40)] = Field(default_factory=list, max_length=5)
    emails: list[line(254)] = Field(default_factory=list, max_length=5)
    vin: str = Field("", max_length=20)
    street: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=12)


class MatchOut(Schema):
    customer_id: UUID
    display_name: str
    score: int = Field(description="Match probability in per cent")
    likely: bool
    reasons: list[str]


class MemberOut(Schema):
    customer_id: UUID
    display_name: str
    phone: str
    email: str


class ClusterOut(Schema):
    id: UUID
    status: str
    score: float
    reasons: list[str]
    members: list[MemberOut]
    created_at: datetime


class ClusterPage(Page[ClusterOut]):
    pass


class RunOut(Schema):
    id: UUID
    customers_scanned: int
    pairs_compared: int
    clusters_found: int
    seconds: float


class MergeIn(In):
    survivor_id: UUID
    merged_id: UUID
    cluster_id: UUID | None = None
    choices: dict[str, Choice] = Field(
        default_factory=dict, description="Per field: keep the survivor's value or take the merged"
    )
    reason: str = Field("", max_length=300)


class FieldChoiceOut(Schema):
    choice: str
    old: str | None
    new: str | None


class MergeOut(Schema):
    id: UUID
    survivor_id: UUID | None
    merged_id: UUID
    survivor_name: str
    merged_name: str
    fields: dict[str, FieldChoiceOut]
    moved: dict[str, int]
    merged_at: datetime
    undone_at: datetime | None


def _admin(request):
    if not request.user.is_dealer_admin:
        raise HttpError(403, "Only a dealer admin can review duplicates and merge customers.")


@router.post(
    "/duplicates/match-check",
    response={200: list[MatchOut], 422: Error},
    summary="Likely existing matches",
)
def match_check(request, payload: MatchCheckIn):
    """Before creating a customer: who in this store may already be this person, and why.
    Only customers the caller may see are returned."""
    matches = find_likely_matches(request.dealership, **payload.dict())
    visible = set(
        Customer.objects.visible_to(request.user)
        .filter(pk__in=[m.customer.pk for m in matches])
        .values_list("pk", flat=True)
    )
    return [
        {
            "customer_id": m.customer.public_id,
            "display_name": m.customer.display_name,
            "score": m.score,
            "likely": m.likely,
            "reasons": m.reasons,
        }
        for m in matches
        if m.customer.pk in visible
    ]


def _cluster_out(cluster, by_id) -> dict:
    people = [by_id[m.customer_id] for m in cluster.members.all() if m.customer_id in by_id]
    return {
        "id": cluster.public_id,
        "status": cluster.status,
        "score": cluster.score,
        "reasons": cluster.reasons,
        "members": [
            {
                "customer_id": p.public_id,
                "display_name": p.display_name,
                "phone": p.primary_phone,
                "email": p.primary_email,
            }
            for p in people
        ],
        "created_at": cluster.created_at,
    }


def _customers_of(dealership, clusters) -> dict:
    ids = {m.customer_id for c in clusters for m in c.members.all()}
    return {c.pk: c for c in Customer.objects.for_dealership(dealership).filter(pk__in=ids)}


@router.get("/duplicates/clusters", response={200: ClusterPage, 403: Error})
def list_clusters(
    request,
    status: choices(DuplicateCluster.Status) = "open",
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    _admin(request)
    rows = list(
        DuplicateCluster.objects.for_dealership(request.dealership)
        .filter(status=status)
        .prefetch_related("members")[offset : offset + limit + 1]
    )
    by_id = _customers_of(request.dealership, rows)
    return {
        "items": [_cluster_out(c, by_id) for c in rows[:limit]],
        "limit": limit,
        "offset": offset,
        "has_more": len(rows) > limit,
    }


def _get_cluster(request, cluster_id) -> DuplicateCluster:
    return get_object_or_404(
        DuplicateCluster.objects.for_dealership(request.dealership), public_id=cluster_id
    )


@router.get("/duplicates/clusters/{uuid:cluster_id}", response={200: ClusterOut, 403: Error})
def get_cluster(request, cluster_id: UUID):
    cluster = _get_cluster(request, cluster_id)
    _admin(request)
    return _cluster_out(cluster, _customers_of(request.dealership, [cluster]))


@router.post(
    "/duplicates/clusters/{uuid:cluster_id}/dismiss",
    response={200: ClusterOut, 403: Error, 422: Error},
)
def dismiss_cluster(request, cluster_id: UUID):
    """These are different people: not proposed together again."""
    cluster = _get_cluster(request, cluster_id)
    _admin(request)
    cluster = actions.dismiss_cluster(cluster, acting_user=request.user)
    return _cluster_out(cluster, _customers_of(request.dealership, [cluster]))


@router.post(
    "/duplicates/runs",
    response={202: JobOut, 403: Error},
    summary="Find duplicates in the store (a background job)",
)
def start_run(request):
    """Starts the bulk pass as a background job (scoring a large store takes minutes): poll
    `GET /jobs/{id}`; its result counts the customers scanned and the groups found, which
    `GET /duplicates/clusters` then lists. Replaces the open proposals; never merges."""
    _admin(request)

    def create():
        job = enqueue(
            find_duplicates,
            dealership=request.dealership,
            user=request.user,
            title="Find duplicates",
        )
        return job_out(job)

    return run_idempotent(request, create, schema=JobOut, status=202)


def _merge_out(record: Merge) -> dict:
    survivor = Customer.objects.filter(pk=record.survivor_id).values_list("public_id", flat=True)
    moved: dict[str, int] = {}
    for item in record.moved:
        moved[item["model"]] = moved.get(item["model"], 0) + len(item["pks"])
    return {
        "id": record.public_id,
        "survivor_id": survivor.first(),
        "merged_id": record.merged_public_id,
        "survivor_name": record.survivor_name,
        "merged_name": record.merged_name,
        "fields": {
            name: {
                "choice": e["choice"],
                "old": None if e["old"] is None else str(e["old"]),
                "new": None if e["new"] is None else str(e["new"]),
            }
            for name, e in record.fields.items()
        },
        "moved": moved,
        "merged_at": record.merged_at,
        "undone_at": record.undone_at,
    }


@router.post("/duplicates/merges", response={201: MergeOut, 403: Error, 422: Error})
def create_merge(request, payload: MergeIn):
    """Keep `survivor_id`, merge `merged_id` into it. Undo with POST …/merges/{id}/undo."""
    _admin(request)
    store = Customer.objects.for_dealership(request.dealership)

    def create():
        # Looked up inside: a replayed request finds the merged customer gone and must still
        # get the first answer back.
        survivor = get_object_or_404(store, public_id=payload.survivor_id)
        merged = get_object_or_404(store, public_id=payload.merged_id)
        cluster = _get_cluster(request, payload.cluster_id) if payload.cluster_id else None
        record = actions.merge_customers(
            survivor,
            merged,
            acting_user=request.user,
            choices=payload.choices,
            reason=payload.reason,
            cluster=cluster,
        )
        return _merge_out(record)

    return run_idempotent(request, create, schema=MergeOut)


def _get_merge(request, merge_id) -> Merge:
    return get_object_or_404(Merge.objects.for_dealership(request.dealership), public_id=merge_id)


@router.get("/duplicates/merges/{uuid:merge_id}", response={200: MergeOut, 403: Error})
def get_merge(request, merge_id: UUID):
    record = _get_merge(request, merge_id)
    _admin(request)
    return _merge_out(record)


@router.post(
    "/duplicates/merges/{uuid:merge_id}/undo", response={200: MergeOut, 403: Error, 422: Error}
)
def undo_merge(request, merge_id: UUID):
    """Restore the merged customer and everything that moved; the survivor's fields and
    consents return to what they were."""
    record = _get_merge(request, merge_id)
    _admin(request)
    actions.undo_merge(record, acting_user=request.user)
    record.refresh_from_db()
    return _merge_out(record)
