"""Deployment checks of our own, run by `goodwill check --deploy` beside Django's."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


PAGES_ONLY = "goodwill.core.middleware.PagesOnlyMiddleware"
# Middleware Django and axes look for in MIDDLEWARE (security.W003, axes.W002, silenced in
# the settings): with PagesOnlyMiddleware they stand in PAGES_ONLY_MIDDLEWARE instead.
GUARDS = {
    "django.middleware.csrf.CsrfViewMiddleware": "goodwill.E004",
    "axes.middleware.AxesMiddleware": "goodwill.E005",
}


@register(Tags.security)
def pages_guards_check(app_configs, **kwargs):
    """Pages keep CSRF protection and login lockouts where `PagesOnlyMiddleware` runs them.
    Django's and axes's own checks read MIDDLEWARE only, so they are silenced in the
    settings and this one asks the same of both lists: a guard counts in
    PAGES_ONLY_MIDDLEWARE only while MIDDLEWARE runs that list."""
    errors = []
    pages_only = settings.PAGES_ONLY_MIDDLEWARE if PAGES_ONLY in settings.MIDDLEWARE else ()
    for path, check_id in GUARDS.items():
        if path not in pages_only and path not in settings.MIDDLEWARE:
            errors.append(
                Error(
                    f"{path} is in neither MIDDLEWARE nor PAGES_ONLY_MIDDLEWARE: pages would "
                    "lose its protection.",
                    hint="Put it back in PAGES_ONLY_MIDDLEWARE (goodwill/settings.py).",
                    id=check_id,
                )
            )
    return errors
