"""Deployment checks of our own, run by `goodwill check --deploy` beside Django's."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs):
    """Links in emails and ADF leads are built from GOODWILL_SITE_URL: without it they
    point at 127.0.0.1, which no customer or colleague can open."""
    url = settings.GOODWILL_SITE_URL
    if not url:
        return [
            Warning(
                "GOODWILL_SITE_URL is not set: links in emails (invitations, password resets, "
                "referrals) and ADF leads would point at 127.0.0.1.",
                hint="Set GOODWILL_SITE_URL to the address staff open, e.g. "
                "https://crm.example-motors.com.",
                id="goodwill.W001",
            )
        ]
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return [
            Warning(
                f"GOODWILL_SITE_URL “{url}” is not an absolute http(s) address.",
                hint="e.g. https://crm.example-motors.com",
                id="goodwill.W002",
            )
        ]
    if settings.SECURE and parts.scheme != "https":
        return [
            Warning(
                "GOODWILL_SITE_URL starts with http:// on a secure installation: emailed links "
                "would go out unencrypted.",
                hint="Use the https:// address.",
                id="goodwill.W003",
            )
        ]
    return []
