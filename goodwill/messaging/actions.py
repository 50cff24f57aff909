"""Every write of texts and emails: send (consent, cap and quiet hours through
`outreach.policy.may_ask` + `outreach.actions.record_ask`), receive (the webhook), STOP and
START, templates and the store's texting number. One transaction each, with the customer's
history line; delivery leaves in a job after commit (`jobs.deliver`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from goodwill.core.contact import format_phone, try_normalise_phone
from goodwill.customers.actions import record_event, set_consent
from goodwill.customers.models import Consent, Customer, CustomerEvent
from goodwill.dealerships.models import StaffEvent
from goodwill.fails import cadence
from goodwill.fails.models import FollowUp
from goodwill.jobs.queue import enqueue
from goodwill.messaging.models import (
    PLACEHOLDERS,
    Message,
    MessageTemplate,
    MessagingSettings,
    placeholders_in,
)
from goodwill.outreach import policy
from goodwill.outreach.actions import record_ask
from goodwill.outreach.models import Ask

# Carrier keywords (CTIA): these withdraw text consent at once; START/UNSTOP give it back.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
V = CustomerEvent.Verb


def sms_number(dealership) -> str:
    """The number this store texts from: its own, else the installation's."""
    row = MessagingSettings.objects.filter(dealership_id=dealership.pk).first()
    return (row.sms_number if row else "") or settings.GOODWILL_SMS_FROM


def fill(text: str, *, customer, by, dealership) -> str:
    """A template's text with its placeholders filled in."""
    values = {
        "first_name": customer.first_name or customer.display_name,
        "last_name": customer.last_name,
        "name": customer.display_name,
        "my_name": by.display_name if by else dealership.name,
        "my_first_name": (by.first_name or by.display_name) if by else dealership.name,
        "store": dealership.name,
        "store_phone": format_phone(dealership.phone) if dealership.phone else "",
    }
    return text.format_map(values)


def _check_placeholders(field: str, text: str) -> dict:
    try:
        unknown = placeholders_in(text) - set(PLACEHOLDERS)
    except ValueError:
        return {field: ["A { or } is not closed; write placeholders as {first_name}."]}
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        names = ", ".join("{" + n + "}" for n in sorted(unknown))
        return {field: [f"Unknown placeholder {names}; use {allowed}."]}
    return {}


@transaction.atomic
def send_message(
    customer: Customer,
    *,
    channel: str,
    body: str,
    by,
    subject: str = "",
    template: MessageTemplate | None = None,
    follow_up: FollowUp | None = None,
    at=None,
) -> Message:
    """Send a text or an email written by `by` to the customer. Refused (ValidationError on
    `channel`, in words) without consent, over the contact cap or in quiet hours; it counts
    toward the cap. Sent from a follow-up's line, it is that follow-up's contact."""
    if by.dealership_id != customer.dealership_id:
        raise PermissionDenied("Not your store's customer.")
    if channel not in Message.Channel.values:
        raise ValidationError({"channel": [f"Use one of {Message.Channel.values}."]})
    store = customer.dealership
    errors = {}
    if template is not None:
        body = body or template.body
        subject = subject or template.subject
    body = body.strip()
    if not body:
        errors["body"] = ["Write the message (or pick a template)."]
    errors |= _check_placeholders("body", body) | _check_placeholders("subject", subject)
    if channel == Message.Channel.EMAIL and not subject.strip() and not errors:
        subject = f"From {by.display_name} at {store.name}"
    from_address = sms_number(store) if channel == Message.Channel.TEXT else ""
    if channel == Message.Channel.TEXT and not from_address:
        errors["channel"] = [
            "This store has no texting number yet: a manager sets it on the Message templates page."
        ]
    if errors:
        raise ValidationError(errors)
    body = fill(body, customer=customer, by=by, dealership=store)[:1600]
    subject = fill(subject, customer=customer, by=by, dealership=store)[:150]
    at = at or timezone.now()
    kind = Ask.Kind.FOLLOW_UP if follow_up is not None else Ask.Kind.MESSAGE
    decision = policy.may_ask(customer, kind, channel, at=at)
    if not decision:
        raise ValidationError({"channel": [decision.reason]})
    # Decides again under the customer's lock (two senders at once cannot pass the cap).
    ask = record_ask(
        customer,
        kind,
        channel,
        by=by,
        at=at,
        source=follow_up.get_kind_display() if follow_up else f"{Ask.Channel(channel).label}",
        note=body[:300],
    )
    customer.refresh_from_db(fields=["primary_phone", "primary_email"])
    message = Message.objects.create(
        dealership_id=customer.dealership_id,
        customer=customer,
        channel=channel,
        direction=Message.Direction.OUT,
        status=Message.Status.QUEUED,
        subject=subject if channel == Message.Channel.EMAIL else "",
        body=body,
        to_address=customer.primary_phone
        if channel == Message.Channel.TEXT
        else customer.primary_email,
        from_address=from_address,
        by=by,
        at=at,
        template=template,
        ask=ask,
    )
    record_event(
        customer,
        V.TEXT_SENT if channel == Message.Channel.TEXT else V.EMAIL_SENT,
        actor=by,
        at=at,
        subject=message.to_address if channel == Message.Channel.TEXT else subject,
        reason=body[:300],
    )
    if follow_up is not None:
        cadence.record_contact(follow_up, by=by, note=body[:300], now=at, ask=ask)
    enqueue(
        "messaging.deliver",
        dealership=store,
        user=by,
        title="Send a message",
        message_id=message.pk,
    )
    return message


@dataclass
class Inbound:
    message: Message | None
    reply: str = ""  # the one confirmation texted back (STOP/START), if any


def _store_and_customer(to: str, sender: str):
    """The store a text to `to` from `sender` belongs to, and its customer: the store whose
    number it is (the last one that texted `sender` when stores share the installation's
    number), and there the customer last texted at that number, else the one with it."""
    last_out = Message.objects.filter(
        to_address=sender, channel=Message.Channel.TEXT, direction=Message.Direction.OUT
    ).select_related("customer__dealership")
    own = MessagingSettings.objects.filter(sms_number=to).select_related("dealership").first()
    if own is not None:
        last = last_out.filter(dealership=own.dealership).order_by("-at", "-id").first()
        if last is not None:
            return own.dealership, last.customer
        return own.dealership, Customer.objects.with_contact(own.dealership, phone=sender)
    if to and to == settings.GOODWILL_SMS_FROM:
        last = last_out.filter(from_address=to).order_by("-at", "-id").first()
        if last is not None:
            return last.customer.dealership, last.customer
    return None, None


@transaction.atomic
def receive_text(*, to: str, sender: str, body: str, provider_id: str = "", at=None) -> Inbound:
    """A text from a customer (the provider's webhook): on their timeline and in the My day
    of whoever last wrote to them (else their salesperson). STOP words withdraw text consent
    at once and START words give it back, each confirmed by one text."""
    sender = try_normalise_phone(sender) or sender
    to = try_normalise_phone(to) or to
    store, customer = _store_and_customer(to, sender)
    if customer is None:
        return Inbound(None)
    at = at or timezone.now()
    last_writer = (
        Message.objects.filter(customer=customer, direction=Message.Direction.OUT, by__isnull=False)
        .order_by("-at", "-id")
        .values_list("by_id", flat=True)
        .first()
    )
    message = Message.objects.create(
        dealership_id=customer.dealership_id,
        customer=customer,
        channel=Message.Channel.TEXT,
        direction=Message.Direction.IN,
        status=Message.Status.RECEIVED,
        body=body[:1600],
        to_address=to,
        from_address=sender,
        recipient_id=last_writer or customer.salesperson_id,
        at=at,
        provider_id=provider_id[:64],
    )
    record_event(customer, V.TEXT_RECEIVED, actor=None, at=at, subject=sender, reason=body[:300])
    word = body.strip().strip(".!").upper()
    consent = Consent.objects.filter(customer=customer, channel=Consent.Channel.TEXT).first()
    reply = ""
    if word in STOP_WORDS and (consent is None or consent.granted):
        set_consent(
            customer,
            Consent.Channel.TEXT,
            granted=False,
            method=Consent.Method.TEXT,
            acting_user=None,
            at=at,
            wording=f"Texted “{body.strip()[:40]}” to {to}",
        )
        reply = (
            f"{store.name}: you will get no more texts from us. Reply START to receive texts again."
        )
    elif word in START_WORDS and (consent is None or not consent.granted):
        set_consent(
            customer,
            Consent.Channel.TEXT,
            granted=True,
            method=Consent.Method.TEXT,
            acting_user=None,
            at=at,
            wording=f"Texted “{body.strip()[:40]}” to {to}",
        )
        reply = f"{store.name}: texts are back on. Reply STOP to stop them."
    if reply:
        # The one confirmation the carriers require: not an ask, so no consent check and
        # no cap; sent once because a repeated STOP changes nothing and is not confirmed.
        confirmation = Message.objects.create(
            dealership_id=customer.dealership_id,
            customer=customer,
            channel=Message.Channel.TEXT,
            direction=Message.Direction.OUT,
            status=Message.Status.QUEUED,
            body=reply,
            to_address=sender,
            from_address=to,
            at=at,
        )
        enqueue(
            "messaging.deliver",
            dealership=store,
            title="Confirm a text opt-out",
            message_id=confirmation.pk,
        )
    return Inbound(message, reply)


@transaction.atomic
def mark_read(customer, *, user) -> int:
    """The recipient opened the conversation: its replies leave their My day."""
    return Message.objects.filter(
        dealership_id=customer.dealership_id,
        customer=customer,
        direction=Message.Direction.IN,
        read_at__isnull=True,
        recipient=user,
    ).update(read_at=timezone.now())


def _check_manager(user, dealership) -> None:
    if not user.is_manager or user.dealership_id != dealership.pk:
        raise PermissionDenied("Only a manager of the store changes its message templates.")


@transaction.atomic
def save_template(
    dealership,
    *,
    acting_user,
    name: str,
    body: str,
    channel: str = "text",
    subject: str = "",
    active: bool = True,
    template: MessageTemplate | None = None,
) -> MessageTemplate:
    """Create or change a store's template; placeholders are checked against the list."""
    _check_manager(acting_user, dealership)
    errors = _check_placeholders("body", body) | _check_placeholders("subject", subject)
    if channel not in MessageTemplate.Channel.values:
        errors["channel"] = [f"Use one of {MessageTemplate.Channel.values}."]
    if not name.strip():
        errors["name"] = ["Give the template a name."]
    if not body.strip():
        errors["body"] = ["Write the template's text."]
    if errors:
        raise ValidationError(errors)
    row = template or MessageTemplate(dealership=dealership)
    row.name, row.body, row.channel = name.strip()[:80], body.strip(), channel
    row.subject, row.active, row.updated_by = subject.strip()[:150], active, acting_user
    created = row.pk is None
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"name": ["The store already has a template with this name."]}
        ) from exc
    _staff_event(
        acting_user,
        "message_template_" + ("added" if created else "changed"),
        {"template": ["", row.name]},
    )
    return row


def _staff_event(user, verb: str, changes: dict) -> None:
    StaffEvent.objects.create(
        dealership_id=user.dealership_id, user=user, actor=user, verb=verb, changes=changes
    )


@transaction.atomic
def set_sms_number(dealership, *, acting_user, number: str) -> MessagingSettings:
    _check_manager(acting_user, dealership)
    normalised = ""
    if number.strip():
        normalised = try_normalise_phone(number, dealership.phone_region or "US")
        if not normalised:
            raise ValidationError({"sms_number": ["Enter a phone number, e.g. (512) 555-0100."]})
    row, _ = MessagingSettings.objects.select_for_update().get_or_create(dealership=dealership)
    old, row.sms_number = row.sms_number, normalised
    try:
        with transaction.atomic():
            row.save(update_fields=["sms_number"])
    except IntegrityError as exc:
        raise ValidationError({"sms_number": ["Another store texts from this number."]}) from exc
    if old != normalised:
        _staff_event(acting_user, "texting_number_changed", {"sms_number": [old, normalised]})
    return row
