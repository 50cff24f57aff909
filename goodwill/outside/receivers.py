"""The referrals app asks, while it writes the email to a pro not on Goodwill, for lines to
add: ours is the pro's private link to report what happened (made in the email job's
transaction, so a failed email leaves no link behind)."""

from goodwill.outside import actions
from goodwill.referrals.models import Referral
from goodwill.referrals.signals import external_lead_lines


def link_for_lead(sender, *, referral, **kwargs) -> list[str]:
    return actions.link_lines(referral)


def connect() -> None:
    external_lead_lines.connect(link_for_lead, sender=Referral, dispatch_uid="outside.link")
