"""Texts and emails in the JSON API: send and list per customer, the store's templates, and
Twilio's inbound webhook (signed with the account's auth token; unsigned calls refused)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from twilio.request_validator import RequestValidator

from goodwill.api.idempotency import run_idempotent
from goodwill.api.schemas import Error, In, StaffRef, staff_ref
from goodwill.core import storewall
from goodwill.core.links import site_url
from goodwill.core.text import FREE_TEXT, ONE_LINE, check_text
from goodwill.customers.models import Customer
from goodwill.fails.models import FollowUp
from goodwill.messaging import actions
from goodwill.messaging.models import Message, MessageTemplate

router = Router(tags=["messages"])


class MessageOut(Schema):
    id: UUID
    customer_id: UUID
    channel: str
    direction: str = Field(description="out (we sent it) or in (the customer sent it)")
    status: str = Field(description="queued, sent, failed or received")
    subject: str
    body: str
    to_address: str
    from_address: str
    by: StaffRef | None
    at: datetime
    error: str


class MessageIn(In):
    customer_id: UUID
    channel: Literal["text", "email"] = "text"
    body: str = Field("", max_length=1600, description="Placeholders such as {first_name}")
    subject: str = Field("", max_length=150, description="Emails only")
    template_id: UUID | None = Field(None, description="Send this template (body may be empty)")
    follow_up_id: UUID | None = Field(None, description="The due follow-up this message makes")


class TemplateOut(Schema):
    id: UUID
    name: str
    channel: str
    subject: str
    body: str
    active: bool


class TemplateIn(In):
    name: str = Field(max_length=80)
    channel: Literal["text", "email"] = "text"
    subject: str = Field("", max_length=150)
    body: str = Field(max_length=1600)
    active: bool = True


def message_out(m: Message) -> dict:
    return {
        "id": m.public_id,
        "customer_id": m.customer.public_id,
        "channel": m.channel,
        "direction": m.direction,
        "status": m.status,
        "subject": m.subject,
        "body": m.body,
        "to_address": m.to_address,
        "from_address": m.from_address,
        "by": staff_ref(m.by) if m.by_id else None,
        "at": m.at,
        "error": m.error,
    }


def template_out(t: MessageTemplate) -> dict:
    return {
        "id": t.public_id,
        "name": t.name,
        "channel": t.channel,
        "subject": t.subject,
        "body": t.body,
        "active": t.active,
    }


def _customer(request, customer_id) -> Customer:
    return get_object_or_404(Customer.objects.visible_to(request.user), public_id=customer_id)


@router.get("/messages", response=list[MessageOut], summary="A customer's texts and emails")
def list_messages(request, customer_id: UUID, limit: int = 100):
    """Oldest last; at most `limit` (1–500) of the newest."""
    limit = min(max(limit, 1), 500)
    customer = _customer(request, customer_id)
    rows = (
        Message.objects.for_dealership(request.user.dealership_id)
        .filter(customer=customer)
        .select_related("by", "customer")
        .order_by("-at", "-id")[:limit]
    )
    return [message_out(m) for m in rows]


@router.post(
    "/messages",
    response={201: MessageOut, 404: Error, 422: Error},
    summary="Text or email a customer (consent, contact cap and quiet hours checked)",
)
def send_message(request, payload: MessageIn):
    """Refused with 422 and the reason in words when the customer has not agreed to the
    channel (or withdrew it by texting STOP), the contact cap is reached or it is quiet
    hours in the store's time zone."""
    customer = _customer(request, payload.customer_id)
    template = None
    if payload.template_id:
        template = get_object_or_404(
            MessageTemplate.objects.for_dealership(request.user.dealership_id),
            public_id=payload.template_id,
        )
    follow_up = None
    if payload.follow_up_id:
        follow_up = get_object_or_404(
            FollowUp.objects.for_dealership(request.user.dealership_id).filter(
                customer=customer, owner=request.user, status=FollowUp.Status.DUE
            ),
            public_id=payload.follow_up_id,
        )

    def create():
        message = actions.send_message(
            customer,
            channel=payload.channel,
            body=payload.body,
            subject=payload.subject,
            template=template,
            follow_up=follow_up,
            by=request.user,
        )
        return message_out(message)

    return run_idempotent(request, create, schema=MessageOut)


@router.get("/message-templates", response=list[TemplateOut], summary="The store's templates")
def list_templates(request):
    rows = MessageTemplate.objects.for_dealership(request.user.dealership_id)
    return [template_out(t) for t in rows]


@router.post("/message-templates", response={201: TemplateOut, 403: Error, 422: Error})
def add_template(request, payload: TemplateIn):
    """Managers only. Placeholders: {first_name}, {last_name}, {name}, {my_name},
    {my_first_name}, {store}, {store_phone}."""
    if not request.user.is_manager:
        raise HttpError(403, "Only a manager changes the store's message templates.")
    template = actions.save_template(
        request.user.dealership, acting_user=request.user, **payload.dict()
    )
    return Status(201, template_out(template))


@router.post(
    "/messages/inbound/twilio",
    auth=None,
    response={200: None, 403: Error},
    summary="Twilio's webhook for incoming texts (form-encoded, X-Twilio-Signature checked)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "From": {"type": "string", "maxLength": 40, "pattern": ONE_LINE},
                            "To": {"type": "string", "maxLength": 40, "pattern": ONE_LINE},
                            "Body": {"type": "string", "maxLength": 1600, "pattern": FREE_TEXT},
                            "MessageSid": {"type": "string", "maxLength": 64, "pattern": ONE_LINE},
                        },
                    }
                }
            }
        }
    },
)
def twilio_inbound(request):
    """Lands the text on the customer's timeline and in the My day of whoever wrote to them
    last. STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT withdraw text consent at once
    (confirmed by one text); START and UNSTOP give it back. Answers empty TwiML."""
    token = settings.GOODWILL_TWILIO_AUTH_TOKEN
    if not token:
        raise HttpError(403, "Incoming texts are off: GOODWILL_TWILIO_AUTH_TOKEN is not set.")
    signature = request.headers.get("X-Twilio-Signature", "")
    url = site_url(request.get_full_path()) if settings.GOODWILL_SITE_URL else None
    url = url or request.build_absolute_uri()
    if not signature or not RequestValidator(token).validate(url, request.POST.dict(), signature):
        raise HttpError(403, "The request is not signed by Twilio (X-Twilio-Signature).")
    form = request.POST
    try:
        for name in ("To", "From", "MessageSid"):
            check_text(form.get(name, ""), multiline=False)
        check_text(form.get("Body", ""))
        # Nobody signs Twilio's call in: the store is the one whose number was texted.
        with storewall.across_stores("Twilio's webhook finds the store by the number texted"):
            actions.receive_text(
                to=form.get("To", ""),
                sender=form.get("From", ""),
                body=form.get("Body", ""),
                provider_id=form.get("MessageSid", ""),
            )
    except ValidationError as exc:  # a malformed call: Twilio should not retry it
        raise HttpError(422, " ".join(exc.messages)) from exc
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', content_type="text/xml"
    )
