"""The service advisor's introduction after a sale, with the advisor's card (vCard).

Sent on commit, by id. The customer's "email" consent is checked right before it leaves,
and the outcome (sent, or held back and why) is written to the customer's history."""

import logging

from django.core.mail import EmailMessage
from django.utils import timezone

from goodwill.core.contact import format_phone
from goodwill.customers.actions import record_event
from goodwill.customers.models import Consent
from goodwill.network.cards import staff_vcard
from goodwill.service.models import ServiceVisit

log = logging.getLogger(__name__)


def may_email(customer) -> bool:
    return Consent.objects.filter(
        customer=customer, channel=Consent.Channel.EMAIL, granted=True
    ).exists()


def introduction(visit: ServiceVisit) -> EmailMessage:
    customer, advisor, store = visit.customer, visit.advisor, visit.dealership
    when = timezone.localtime(visit.scheduled_for)
    phone = advisor.phone or store.phone
    body = "\n".join(
        [
            f"Hello {customer.first_name or customer.display_name},",
            "",
            f"Congratulations on your {visit.vehicle or 'new vehicle'}! I am "
            f"{advisor.display_name}, your service advisor at {store.name}. Whenever it needs "
            "anything, call or write to me directly.",
            "",
            f"Your first service is booked for {when:%A, %B %-d at %-I:%M %p}. If that does not "
            "suit you, reply and I will move it.",
            "",
            advisor.display_name,
            f"Service advisor, {store.name}",
            *([format_phone(phone)] if phone else []),
            *([advisor.email] if advisor.email else []),
            "",
            "My card is attached: add it to your contacts.",
        ]
    )
    message = EmailMessage(
        subject=f"Your service advisor at {store.name}",
        body=body,
        to=[customer.primary_email],
        reply_to=[advisor.email] if advisor.email else None,
    )
    filename = f"{advisor.display_name.replace(' ', '-')}.vcf"
    message.attach(filename, staff_vcard(advisor, store), "text/vcard")
    return message


def send_introduction(visit_pk: int) -> EmailMessage | None:
    visit = ServiceVisit.objects.select_related("customer", "advisor", "dealership", "vehicle").get(
        pk=visit_pk
    )
    customer = visit.customer
    held = ""
    if visit.advisor is None:
        held = "no service advisor in the store"
    elif not customer.primary_email:
        held = "no email address"
    elif not may_email(customer):
        held = "no email consent"
    if held:
        record_event(
            customer,
            "service_intro_held",
            actor=None,
            subject="Service advisor introduction",
            reason=f"Not emailed: {held}",
        )
        return None
    message = introduction(visit)
    message.send()
    record_event(
        customer,
        "service_intro_sent",
        actor=visit.advisor,
        subject=f"Introduction from {visit.advisor.display_name}",
        reason="Emailed with the advisor's card (email consent on file)",
    )
    return message
