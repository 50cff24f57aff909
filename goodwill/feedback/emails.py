"""Emails of the feedback app, through Django's email system. Consent and caps were decided
by the caller (`record_ask`); these only word the message."""

from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import formats

from goodwill.core.contact import format_phone
from goodwill.core.links import site_url
from goodwill.outreach.policy import store_zone


def survey_email(survey, token: str) -> EmailMessage:
    """The survey: one question, one link (the token is the key; nothing about the customer
    is in it)."""
    customer, store = survey.customer, survey.dealership
    link = site_url(reverse("survey", kwargs={"token": token}))
    about = survey.subject or {
        "sales": "your purchase",
        "service": "your service visit",
        "referral": "the referral we made for you",
    }.get(survey.department, "your visit")
    who = f"{survey.staff.get_full_name()} and the team" if survey.staff_id else "The team"
    until = formats.date_format(survey.expires_at.astimezone(store_zone(store)), "F j")
    lines = [
        f"Hello {customer.first_name or customer.display_name},",
        "",
        f"Thank you for choosing {store.name}. How did we do with {about}?",
        "",
        "One question, one minute — how likely are you to recommend us to a friend?",
        "",
        f"  {link}",
        "",
        f"The link is yours alone and works until {until}.",
        "",
        who,
        store.name,
    ]
    if store.phone:
        lines.append(format_phone(store.phone))
    return EmailMessage(
        subject=f"How did we do, {customer.first_name or customer.display_name}?",
        body="\n".join(lines),
        to=[customer.primary_email],
        reply_to=[survey.staff.email] if survey.staff_id and survey.staff.email else None,
    )
