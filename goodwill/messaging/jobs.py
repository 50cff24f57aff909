"""Delivery of texts and emails, by the worker, after the sending action commits."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage

from goodwill.jobs.registry import job
from goodwill.messaging import sms
from goodwill.messaging.models import Message
from goodwill.outreach.actions import set_outcome
from goodwill.outreach.models import Ask

log = logging.getLogger(__name__)


@job("messaging.deliver", timeout=120, retries=3)
def deliver(job, *, message_id: int) -> dict:
    """Hand one queued message to the SMS backend or to Django's email. A refusal by the
    provider is final (the message and its ask are marked not delivered, so the cap does
    not count it); a network error raises and the job is retried."""
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("by", "ask")
        .get(pk=message_id, dealership=job.dealership)
    )
    if message.status != Message.Status.QUEUED:
        return {"status": message.status}
    try:
        if message.channel == Message.Channel.TEXT:
            message.provider_id = sms.get_backend().send(
                to=message.to_address, from_=message.from_address, body=message.body
            )
        else:
            email = EmailMessage(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.to_address],
                reply_to=[message.by.email] if message.by and message.by.email else None,
            )
            email.send()
        message.status = Message.Status.SENT
    except sms.SmsRefused as exc:
        log.warning("message %s refused: %s", message.public_id, exc)
        message.status, message.error = Message.Status.FAILED, str(exc)[:300]
        if message.ask is not None:
            set_outcome(message.ask, Ask.Outcome.FAILED, note=str(exc)[:300])
    message.save(update_fields=["status", "provider_id", "error"])
    return {"status": message.status}
