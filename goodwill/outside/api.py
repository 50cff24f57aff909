"""Outside Goodwill in the JSON API: referrals someone not on Goodwill sent us (a call
centre or a DMS logs them; each becomes a referral credited to the sender and, when the
customer is there, an up), a new private link for a pro not on Goodwill (to text it), and
invitations of pros to join. The same actions and scoped querysets as the pages."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import (
    Error,
    In,
    Page,
    StaffRef,
    choices,
    narrowed,
    offset_param,
    page_of,
    staff_ref,
)
from goodwill.customers.models import Customer
from goodwill.dealerships.models import Dealership, User
from goodwill.network.models import Pro
from goodwill.outside import actions
from goodwill.outside.models import ProInvitation
from goodwill.referrals.models import Referral, ReferralEvent

router = Router(tags=["outside"])

HowName = Literal[tuple(c for c, _ in actions.How.CHOICES)]


class SenderIn(In):
    """A person (not a pro of the network) who sent the customer, and how to reach them."""

    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    company: str = Field("", max_length=150)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    relationship: choices(Customer.Relationship, exclude=("prospect", "pro")) = "partner"
    email_consent: bool = Field(
        False, description="They agreed we may email them (a thank-you when it works out)"
    )


class NewCustomerIn(In):
    first_name: str = Field("", max_length=80)
    last_name: str = Field("", max_length=80)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)


class OutsideReferralIn(In):
    pro_id: UUID | None = Field(None, description="A pro of our network not on Goodwill")
    sender: SenderIn | None = Field(None, description="Or a person, with how to reach them")
    customer_id: UUID | None = Field(None, description="A customer of our store")
    new_customer: NewCustomerIn | None = Field(None, description="Or a new customer")
    interest: str = Field(min_length=1, max_length=300)
    to_user_id: UUID | None = Field(None, description="Default: the sales department")
    how: HowName = "phone"
    note: str = Field("", max_length=900)
    arrived: bool = Field(False, description="The customer is here now: log the up too")
    confirm_new: bool = Field(False, description="Create the new customer even if one matches")


class SenderOut(Schema):
    kind: Literal["pro", "person"]
    pro_id: UUID | None
    customer_id: UUID | None
    name: str
    phone: str
    email: str


class OutsideReferralOut(Schema):
    id: UUID = Field(description="The referral's id (also at /api/v1/referrals/{id})")
    status: choices(Referral.Status)
    interest: str
    customer_id: UUID
    sender: SenderOut
    to: str
    to_user: StaffRef | None
    logged_by: StaffRef
    note: str
    sent_at: datetime
    up_id: UUID | None = Field(description="The up on the floor, once the customer came in")
    value: str | None


class OutsideReferralPage(Page[OutsideReferralOut]):
    pass


class ProLinkIn(In):
    referral_id: UUID = Field(description="A referral we sent to a pro not on Goodwill")


class ProLinkOut(Schema):
    id: UUID
    referral_id: UUID
    url: str = Field(description="The pro's private link: shown only in this answer")
    expires_at: datetime


class ProInvitationIn(In):
    pro_id: UUID
    note: str = Field("", max_length=500)


class ProInvitationOut(Schema):
    id: UUID
    pro_id: UUID
    email: str
    status: choices(ProInvitation.Status)
    invited_by: StaffRef
    note: str
    sent_at: datetime
    expires_at: datetime
    answered_at: datetime | None


class ProInvitationPage(Page[ProInvitationOut]):
    pass


def _sender_out(r: Referral) -> dict:
    if r.referrer_pro_id:
        p = r.referrer_pro
        return {"kind": "pro", "pro_id": p.public_id, "customer_id": None, "name": str(p),
                "phone": p.phone, "email": p.email}  # fmt: skip
    c = r.referrer_customer
    return {"kind": "person", "pro_id": None, "customer_id": c.public_id,
            "name": c.display_name, "phone": c.primary_phone, "email": c.primary_email}  # fmt: skip


def outside_out(r: Referral) -> dict:
    """Reads the prefetched `ups` and `sent_steps` of `_outside` (no query per row)."""
    up = next(iter(r.ups.all()), None)
    sent = next(iter(r.sent_steps), None)
    return {
        "id": r.public_id,
        "status": r.status,
        "interest": r.interest,
        "customer_id": r.customer.public_id,
        "sender": _sender_out(r),
        "to": r.to_display,
        "to_user": staff_ref(r.to_user),
        "logged_by": staff_ref(r.sent_by),
        "note": sent.note if sent else "",
        "sent_at": r.sent_at,
        "up_id": up.public_id if up else None,
        "value": str(r.value) if r.value is not None else None,
    }


def _pro(request, pro_id: UUID) -> Pro:
    """The pro a payload names: one of our network, else a 422 on `pro_id`."""
    pro = Pro.objects.visible_to(request.user).filter(public_id=pro_id).first()
    if pro is None:
        raise ValidationError({"pro_id": ["Not a pro of your network."]})
    return pro


def _outside(request):
    return (
        Referral.objects.visible_to(request.user)
        .filter(from_dealership_id=request.user.dealership_id, from_outside=True)
        .select_related("customer", "referrer_pro", "referrer_customer", "to_user", "sent_by")
        .prefetch_related(
            "ups",
            Prefetch(
                "events", queryset=ReferralEvent.objects.filter(verb="sent"), to_attr="sent_steps"
            ),
        )
    )


@router.get(
    "/outside-referrals",
    response=OutsideReferralPage,
    summary="Referrals someone not on Goodwill sent us (newest first)",
)
def list_outside_referrals(
    request,
    pro_id: UUID | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    qs = narrowed(_outside(request).order_by("-sent_at", "-id"), referrer_pro__public_id=pro_id)
    return page_of(qs, limit=limit, offset=offset, out=outside_out)


@router.post(
    "/outside-referrals",
    response={201: OutsideReferralOut, 422: Error},
    summary="Log a referral a pro or a person not on Goodwill sent us (credited to them)",
)
def create_outside_referral(request, payload: OutsideReferralIn):
    def create():
        user = request.user
        pro = customer = to_user = None
        if payload.pro_id is not None:
            pro = _pro(request, payload.pro_id)
        if payload.customer_id is not None:
            customer = (
                Customer.objects.visible_to(user).filter(public_id=payload.customer_id).first()
            )
            if customer is None:
                raise ValidationError({"customer_id": ["Not found in your store."]})
        if payload.to_user_id is not None:
            to_user = User.objects.filter(
                dealership_id=user.dealership_id, public_id=payload.to_user_id, is_active=True
            ).first()
            if to_user is None:
                raise ValidationError({"to_user_id": ["Not a staff member of your store."]})
        referral = actions.log_outside_referral(
            user.dealership,
            acting_user=user,
            interest=payload.interest,
            pro=pro,
            sender=payload.sender.model_dump() if payload.sender else None,
            customer=customer,
            new_customer=payload.new_customer.model_dump() if payload.new_customer else None,
            to_user=to_user,
            to_department="" if to_user else Dealership.Department.SALES,
            how=payload.how,
            note=payload.note,
            arrived=payload.arrived,
            confirm_new=payload.confirm_new,
        )
        return outside_out(_outside(request).get(pk=referral.pk))

    return run_idempotent(request, create, schema=OutsideReferralOut)


@router.get("/outside-referrals/{uuid:referral_id}", response=OutsideReferralOut)
def get_outside_referral(request, referral_id: UUID):
    return outside_out(get_object_or_404(_outside(request), public_id=referral_id))


@router.post(
    "/pro-links",
    response={201: ProLinkOut, 422: Error},
    summary="A new private link for the pro (not on Goodwill) of a referral we sent",
)
def create_pro_link(request, payload: ProLinkIn):
    referral = (
        Referral.objects.visible_to(request.user)
        .filter(from_dealership_id=request.user.dealership_id, public_id=payload.referral_id)
        .select_related("pro")
        .first()
    )
    if referral is None:
        raise ValidationError({"referral_id": ["Not a referral your store sent."]})
    link, token = actions.new_pro_link(referral, created_by=request.user)
    return Status(
        201,
        {
            "id": link.public_id,
            "referral_id": referral.public_id,
            "url": actions.pro_link_url(token),
            "expires_at": link.expires_at,
        },
    )


def invitation_out(i: ProInvitation) -> dict:
    return {
        "id": i.public_id,
        "pro_id": i.pro.public_id,
        "email": i.email,
        "status": i.status,
        "invited_by": staff_ref(i.invited_by),
        "note": i.note,
        "sent_at": i.sent_at,
        "expires_at": i.expires_at,
        "answered_at": i.answered_at,
    }


@router.get(
    "/pro-invitations",
    response=ProInvitationPage,
    summary="Our invitations to pros to join Goodwill (newest first)",
)
def list_pro_invitations(
    request,
    pro_id: UUID | None = None,
    limit: int = Query(50, ge=1, le=200),
    offset: int = offset_param(),
):
    qs = ProInvitation.objects.visible_to(request.user).select_related("pro", "invited_by")
    qs = narrowed(qs, pro__public_id=pro_id)
    return page_of(qs, limit=limit, offset=offset, out=invitation_out)


@router.post(
    "/pro-invitations",
    response={201: ProInvitationOut, 422: Error},
    summary="Invite a pro of our network to join Goodwill (an email with a join link)",
)
def create_pro_invitation(request, payload: ProInvitationIn):
    pro = _pro(request, payload.pro_id)
    invitation, _token = actions.invite_pro(pro, acting_user=request.user, note=payload.note)
    return Status(201, invitation_out(invitation))
