"""Emails of the referral lifecycle, through Django's email system (console backend in the
demo, SMTP in production). Called on commit, with ids: they reload what they need.

Consent is checked here, right before each message leaves: the customer's "email" consent
for the introduction; a pro's business address needs none."""

import logging

from django.core.mail import EmailMessage

from goodwill.core.contact import format_phone
from goodwill.core.links import site_url
from goodwill.customers.models import Consent
from goodwill.jobs.queue import enqueue
from goodwill.jobs.registry import job
from goodwill.network.cards import card_lines, pro_vcard, qr_png, staff_vcard, vcard_filename
from goodwill.network.models import Pro
from goodwill.referrals import signals
from goodwill.referrals.adf import referral_adf
from goodwill.referrals.models import Referral, ThankYou

log = logging.getLogger(__name__)


def _referral(pk) -> Referral:
    return Referral.objects.select_related(
        "customer", "pro", "sent_by", "to_user", "from_dealership", "to_dealership"
    ).get(pk=pk)


def may_email(customer) -> bool:
    return Consent.objects.filter(
        customer=customer, channel=Consent.Channel.EMAIL, granted=True
    ).exists()


def send_referral_emails(referral_pk) -> list[EmailMessage]:
    referral = _referral(referral_pk)
    sent = []
    if referral.kind == Referral.Kind.PARTNER:
        message = customer_introduction(referral)
        if message:
            sent.append(message)
        if referral.to_user_id is None and referral.pro.email:
            sent.append(external_pro_lead(referral))
    if referral.to_user_id and referral.to_user.email:
        sent.append(inbox_notice(referral))
    for message in sent:
        message.send()
    return sent


def customer_introduction(referral) -> EmailMessage | None:
    """The customer's card in hand: who to see, how to reach them, the vCard and a QR code."""
    customer, pro = referral.customer, referral.pro
    if not customer.primary_email or not may_email(customer):
        return None
    sender = referral.sent_by
    vcard = pro_vcard(pro)
    body = "\n".join(
        [
            f"Hello {customer.first_name or customer.display_name},",
            "",
            f"As promised, here is the person I trust for {referral.interest}:",
            "",
            *("  " + line for line in card_lines(pro)),
            "",
            f"{pro.first_name} knows you are coming"
            + (
                " and has your contact details, as you asked."
                if referral.shared_full
                else ". I only passed on your first name: call or drop by when it suits you."
            ),
            "Their card is attached (open it to save the contact); the QR code holds the same.",
            "",
            "If anything is not right, call me.",
            "",
            sender.display_name,
            referral.from_dealership.name,
            format_phone(referral.from_dealership.phone) if referral.from_dealership.phone else "",
        ]
    )
    message = EmailMessage(
        subject=f"Meet {pro.name} at {pro.store_name}",
        body=body,
        to=[customer.primary_email],
        reply_to=[sender.email] if sender.email else None,
    )
    message.attach(vcard_filename(pro), vcard, "text/vcard")
    message.attach("card-qr.png", qr_png(vcard), "image/png")
    return message


def sender_signature(sender) -> str:
    """The sender's own words: the line at the foot of their card ("My card"), if any."""
    return (
        Pro.objects.filter(user=sender, listed=True).values_list("card_line", flat=True).first()
        or ""
    )


def external_pro_lead(referral) -> EmailMessage:
    """A pro not on Goodwill: a readable message plus the ADF/XML lead for their own CRM."""
    pro, sender = referral.pro, referral.sent_by
    lines = [
        f"Hello {pro.first_name},",
        "",
        f"{sender.display_name} of {referral.from_dealership.name} is sending you a customer, "
        "card in hand:",
        "",
        f"  Name: {referral.shared_name}",
        f"  Looking for: {referral.interest}",
    ]
    if referral.shared_phone:
        lines.append(f"  Phone: {format_phone(referral.shared_phone)}")
    if referral.shared_email:
        lines.append(f"  Email: {referral.shared_email}")
    if referral.shared_note:
        lines.append(f"  Note: {referral.shared_note}")
    if not referral.shared_full:
        lines.append(
            "  (They have your card and will get in touch; only their first name was shared.)"
        )
    for _receiver, extra in signals.external_lead_lines.send(sender=Referral, referral=referral):
        lines += ["", *(extra or [])]
    lines += [
        "",
        "The lead is attached as ADF/XML, ready for your CRM.",
        "Please let me know how it goes.",
        *([signature, ""] if (signature := sender_signature(sender)) else [""]),
        sender.display_name,
        referral.from_dealership.name,
    ]
    message = EmailMessage(
        subject=f"Referral: {referral.shared_name} — {referral.interest}",
        body="\n".join(lines),
        to=[pro.email],
        reply_to=[sender.email] if sender.email else None,
    )
    message.attach("lead.adf.xml", referral_adf(referral), "application/xml")
    message.attach("sender.vcf", staff_vcard(sender, referral.from_dealership), "text/vcard")
    return message


def inbox_notice(referral) -> EmailMessage:
    path = f"/referrals/{referral.public_id}/"
    return EmailMessage(
        subject=f"New referral: {referral.shared_name} — {referral.interest}",
        body=(
            f"{referral.sent_by.display_name} ({referral.from_dealership.name}) sent you "
            f"{referral.shared_name}, looking for {referral.interest}.\n\n"
            f"Acknowledge it in Goodwill: {site_url(path)}\n"
        ),
        to=[referral.to_user.email],
    )


def send_status_email(referral_pk, action) -> None:
    """Senders see every status change in Goodwill; they also get a short email."""
    referral = _referral(referral_pk)
    sender = referral.sent_by
    if not sender.email or referral.to_user_id == sender.pk:
        return
    EmailMessage(
        subject=f"{referral.shared_name}: {referral.get_status_display().lower()}",
        body=(
            f"Your referral of {referral.shared_name} ({referral.interest}) to "
            f"{referral.to_display} is now: {referral.get_status_display()}.\n\n"
            f"{site_url(f'/referrals/{referral.public_id}/')}\n"
        ),
        to=[sender.email],
    ).send()


def send_reminder(referral_pk, recipients) -> None:
    if not recipients:
        return
    referral = _referral(referral_pk)
    EmailMessage(
        subject=f"Waiting for you: {referral.shared_name} — {referral.interest}",
        body=(
            f"{referral.sent_by.display_name} of {referral.from_dealership.name} sent "
            f"{referral.shared_name} to {referral.to_display} and nobody has acknowledged it "
            "yet. A quick acknowledgement tells the sender their customer is in good hands.\n\n"
            f"{site_url(f'/referrals/{referral.public_id}/')}\n"
        ),
        to=recipients,
    ).send()


# Emails leave from the worker, with retries when the mail server is down; queued inside
# the action's transaction, so a rolled-back action sends nothing.
@job("referrals.email", timeout=300, retries=3)
def email_job(job, *, referral_id: int, what: str, action: str = "", recipients=()) -> str:
    if what == "sent":
        send_referral_emails(referral_id)
    elif what == "status":
        send_status_email(referral_id, action)
    elif what == "reminder":
        send_reminder(referral_id, list(recipients))
    else:
        raise ValueError(f"unknown referral email {what!r}")
    return what


def email_later(referral: Referral, what: str, **params) -> None:
    enqueue(
        email_job,
        dealership=referral.dealership,
        title=f"Referral email ({what})",
        referral_id=referral.pk,
        what=what,
        **params,
    )


def thank_you_email(task) -> EmailMessage | None:
    """The note itself, to the customer, friend or partner thanked (sent only after
    `outreach.record_ask` allowed it: email consent, holds, caps, quiet hours), or to an
    outside pro's business address."""
    customer, pro = task.to_customer, task.to_pro
    if customer is not None:
        address, first = customer.primary_email, customer.first_name or customer.display_name
    elif pro is not None:
        address, first = pro.email, pro.first_name
    else:
        return None
    if not address:
        return None
    store = task.referral.from_dealership
    writer = task.done_by or task.assigned_to
    return EmailMessage(
        subject=f"Thank you, {first}",
        body=task.message
        + "\n\n"
        + "\n".join(
            line
            for line in (
                store.name,
                format_phone(store.phone) if store.phone else "",
            )
            if line
        )
        + "\n",
        to=[address],
        reply_to=[writer.email] if writer is not None and writer.email else None,
    )


def thank_you_notice(task) -> EmailMessage | None:
    """A person on Goodwill (the salesperson or pro who sent the business) reads the note in
    Goodwill; this short email tells them it is there, with the link."""
    user = task.to_user
    if user is None or not user.email:
        return None
    writer = task.done_by or task.assigned_to
    store = task.dealership
    return EmailMessage(
        subject=f"A thank-you from {writer.display_name} ({store.name})",
        body=(
            f"{writer.display_name} of {store.name} thanked you for sending "
            f"{task.referral.shared_name} ({task.referral.interest}).\n\n"
            f"Read it in Goodwill: {site_url(f'/referrals/thanks/{task.public_id}/')}\n"
        ),
        to=[user.email],
    )


@job("referrals.thank_you_email", timeout=300, retries=3)
def thank_you_email_job(job, *, thank_you_id: int) -> str:
    task = ThankYou.objects.select_related(
        "referral__from_dealership", "to_customer", "to_user", "to_pro", "done_by",
        "assigned_to",
        "dealership",
    ).get(pk=thank_you_id)  # fmt: skip
    message = (
        thank_you_email(task) if task.method == ThankYou.Method.EMAIL else thank_you_notice(task)
    )
    if message is None:
        return "no address"
    message.send()
    return "sent"
