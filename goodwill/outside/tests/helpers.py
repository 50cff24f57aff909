"""Shared steps of the outside tests: a referral sent to Kim (a pro not on Goodwill) and
the private link the email carried."""

import re

from django.core import mail

from goodwill.network.models import Pro
from goodwill.referrals import actions as referral_actions

LINK = re.compile(r"https?://[^\s]+/p/([A-Za-z0-9_-]+)/")


def sent_to_kim(customer, sender, django_capture_on_commit_callbacks, interest="A Kia EV6"):
    """(referral, token): the referral email to Kim leaves (the email job runs on commit)
    and carries her link; the token is read from the email, as Kim would."""
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_actions.send_referral(
            customer, acting_user=sender, interest=interest, pro=kim_of(sender)
        )
    to_kim = [m for m in mail.outbox if m.to == ["kim@roundrockkia.example"]][-1]
    return referral, LINK.search(to_kim.body).group(1)


def kim_of(user):
    return Pro.objects.get(dealership_id=user.dealership_id, first_name="Kim")
