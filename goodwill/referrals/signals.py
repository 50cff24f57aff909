"""Signals of the referrals app, for the apps above it (an upward need is a signal).

`external_lead_lines`: the email to a pro who is not on Goodwill is being written, inside
the email job's transaction. Receivers return a list of lines to add (the `outside` app
returns the pro's private link to report what happened); a receiver may write rows, which
commit or roll back with the email job.

`referral_sent`: sent inside `actions.send_referral`'s transaction, after the referral and
its history are written (`sender=Referral, referral=<Referral>, at=<datetime>`). The
partners app makes whoever brought it (`referrer_customer`, `referrer_pro`) a referral
partner of the sending store, and a pro on Goodwill who sent it a partner of the receiving
store that has their card."""

from django.dispatch import Signal

external_lead_lines = Signal()  # sender=Referral, referral=<Referral>
referral_sent = Signal()  # sender=Referral, referral=<Referral>, at=<datetime>
