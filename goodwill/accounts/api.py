"""The store, its invitations and the caller's API tokens in the JSON API. `dealerships`
sits below the API layer, so its routes live here; every change goes through
`dealerships.actions` like the pages."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from pydantic import EmailStr

from goodwill.accounts.token_views import expiry, visible_tokens
from goodwill.api.idempotency import run_idempotent
from goodwill.api.models import ApiToken
from goodwill.api.schemas import Error, In, StaffRef, line, staff_ref
from goodwill.audit.actions import Verb, record
from goodwill.dealerships import actions
from goodwill.dealerships.models import Dealership, Invitation, User

router = Router(tags=["store"])

Role = Literal[tuple(User.Role.values)]
Department = Literal[tuple(Dealership.Department.values)]


class StoreOut(Schema):
    id: UUID
    name: str
    makes: list[str]
    specialties: list[str]
    departments: list[str]
    street: str
    city: str
    state: str
    postal_code: str
    latitude: float | None = Field(description="From the ZIP code, never typed")
    longitude: float | None
    phone: str
    website: str
    hours: str
    time_zone: str
    mfa_required_roles: list[Role]
    session_idle_minutes: int
    session_max_hours: int


class StorePatch(In):
    name: str | None = Field(None, min_length=1, max_length=120)
    makes: list[line(40)] | None = Field(None, min_length=1, max_length=40)
    specialties: list[line(60)] | None = Field(None, max_length=40)
    departments: list[Department] | None = None
    street: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=10, description="US ZIP code")
    phone: str | None = Field(None, max_length=20)
    website: str | None = Field(None, max_length=200)
    hours: str | None = Field(None, max_length=500)
    time_zone: str | None = Field(None, max_length=64, description="IANA, e.g. America/Chicago")
    mfa_required_roles: list[Role] | None = None
    session_idle_minutes: int | None = Field(None, ge=5, le=1440)
    session_max_hours: int | None = Field(None, ge=1, le=720)


SIGN_IN_FIELDS = {"mfa_required_roles", "session_idle_minutes", "session_max_hours"}


def _store_out(store) -> dict:
    return {
        "id": store.public_id,
        **{
            name: getattr(store, name)
            for name in StoreOut.model_fields
            if name not in {"id", "state"}
        },
        "state": store.region,
    }


@router.get("/store", response=StoreOut, summary="The caller's store: profile and sign-in rules")
def get_store(request):
    return _store_out(request.user.dealership)


@router.patch(
    "/store",
    response={200: StoreOut, 403: Error, 422: Error},
    summary="Change the store's profile or sign-in rules (dealer admins)",
)
def patch_store(request, payload: StorePatch):
    data = payload.dict(exclude_unset=True)
    store = request.user.dealership
    try:
        sign_in = {k: data.pop(k) for k in list(data) if k in SIGN_IN_FIELDS}
        if data:
            store = actions.update_store_profile(store, acting_user=request.user, **data)
        if sign_in:
            store = actions.update_sign_in_settings(store, acting_user=request.user, **sign_in)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    return _store_out(store)


# --------------------------------------------------------------------------- invitations
class InvitationIn(In):
    email: EmailStr
    role: Role
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)


class InvitationOut(Schema):
    id: UUID
    email: str
    role: Role
    first_name: str
    last_name: str
    status: Literal["pending", "accepted", "cancelled", "expired"]
    invited_by: StaffRef
    sent_at: datetime
    expires_at: datetime
    accepted_by: StaffRef | None


def _invitation_out(i: Invitation) -> dict:
    return {
        "id": i.public_id,
        "email": i.email,
        "role": i.role,
        "first_name": i.first_name,
        "last_name": i.last_name,
        "status": i.status,
        "invited_by": staff_ref(i.invited_by),
        "sent_at": i.sent_at,
        "expires_at": i.expires_at,
        "accepted_by": staff_ref(i.accepted_user),
    }


def _admin_only(request):
    if not request.user.is_dealer_admin:
        raise PermissionDenied("Only a dealer admin manages invitations.")


def _invitation(request, invitation_id) -> Invitation:
    return get_object_or_404(
        Invitation.objects.filter(dealership_id=request.user.dealership_id).select_related(
            "invited_by", "accepted_user"
        ),
        public_id=invitation_id,
    )


@router.get(
    "/invitations",
    response={200: list[InvitationOut], 403: Error},
    summary="The store's invitations, newest first (dealer admins)",
)
def list_invitations(request):
    try:
        _admin_only(request)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    rows = Invitation.objects.filter(dealership_id=request.user.dealership_id).select_related(
        "invited_by", "accepted_user"
    )[:500]
    return [_invitation_out(i) for i in rows]


@router.post(
    "/invitations",
    response={201: InvitationOut, 403: Error, 422: Error},
    summary="Invite by email with a role: the one-time link goes by email (dealer admins)",
)
def create_invitation(request, payload: InvitationIn):
    try:
        _admin_only(request)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})

    def create():
        invitation, _ = actions.invite_staff(
            request.user.dealership, acting_user=request.user, **payload.dict()
        )
        return _invitation_out(invitation)

    return run_idempotent(request, create, schema=InvitationOut)


@router.post(
    "/invitations/{invitation_id}/resend",
    response={200: InvitationOut, 403: Error, 404: Error, 422: Error},
    summary="Send a fresh link (the old one stops working) with a fresh expiry",
)
def resend_invitation(request, invitation_id: UUID):
    invitation = _invitation(request, invitation_id)
    try:
        actions.resend_invitation(invitation, acting_user=request.user)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    return _invitation_out(_invitation(request, invitation_id))


@router.post(
    "/invitations/{invitation_id}/cancel",
    response={200: InvitationOut, 403: Error, 404: Error, 422: Error},
    summary="Cancel an invitation: its link stops working",
)
def cancel_invitation(request, invitation_id: UUID):
    invitation = _invitation(request, invitation_id)
    try:
        actions.cancel_invitation(invitation, acting_user=request.user)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    return _invitation_out(_invitation(request, invitation_id))


# --------------------------------------------------------------------------- tokens
class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str = Field(description="The token starts with gw_ and these characters")
    owner: StaffRef
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]


class TokenIn(In):
    name: str = Field(min_length=1, max_length=80)
    expires_in_days: int | None = Field(90, ge=1, le=3650, description="null: never expires")


class NewTokenOut(TokenOut):
    token: str = Field(description="Shown once: only a fingerprint is kept")


def _token_out(t: ApiToken) -> dict:
    return {
        "id": t.public_id,
        "name": t.name,
        "prefix": t.prefix,
        "owner": staff_ref(t.user),
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "revoked_at": t.revoked_at,
        "status": t.status,
    }


@router.get(
    "/tokens",
    response=list[TokenOut],
    summary="The caller's API tokens; a dealer admin's `scope=store` lists the store's",
)
def list_tokens(request, scope: Literal["mine", "store"] = "mine"):
    rows = visible_tokens(request.user)
    if scope == "mine":
        rows = rows.filter(user=request.user)
    return [_token_out(t) for t in rows[:500]]


@router.post("/tokens", response={201: NewTokenOut}, summary="Issue a named token for the caller")
def create_token(request, payload: TokenIn):
    row, token = ApiToken.issue(
        request.user, name=payload.name, expires_at=expiry(payload.expires_in_days)
    )
    row.user = request.user
    record(request, Verb.TOKEN_CREATED, row, owner=request.user.username)
    return Status(201, {**_token_out(row), "token": token})


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: TokenOut, 404: Error},
    summary="Revoke one of the caller's tokens (a dealer admin: any of the store's)",
)
def revoke_token(request, token_id: UUID):
    token = get_object_or_404(visible_tokens(request.user), public_id=token_id)
    if token.revoke(by=request.user):
        record(request, Verb.TOKEN_REVOKED, token, owner=token.user.username)
    return _token_out(token)
