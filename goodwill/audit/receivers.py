"""Acts the audit log hears of rather than being called for: sign-in and sign-out (Django's
auth signals, which carry the request), and `dealerships.signals.audited`, sent by the
layers below this app (the store's settings, the `token` command)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from goodwill.audit.actions import Verb, record
from goodwill.dealerships.signals import audited


@receiver(user_logged_in, dispatch_uid="goodwill.audit.signed_in")
def signed_in(sender, request, user, **kwargs):
    if request is not None:
        record(request, Verb.SIGNED_IN, user=user)


@receiver(user_logged_out, dispatch_uid="goodwill.audit.signed_out")
def signed_out(sender, request, user, **kwargs):
    if request is not None and user is not None:
        record(request, Verb.SIGNED_OUT, user=user)


@receiver(audited, dispatch_uid="goodwill.audit.audited")
def act(sender, actor, verb, obj=None, dealership=None, detail=None, **kwargs):
    record(actor, verb, obj, dealership=dealership, **(detail or {}))
