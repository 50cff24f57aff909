"""The attribution ledger: who gets what share of a sale, and why, from the store's policy.

Off the top: the referrer and the appointment setter (when someone other than the
salesperson set it). The rest is the sale's: the upper's, split with the closer when
someone else closed after a T.O. A deal recovered by the Fails Department gives the
specialist the policy's fails share of the upper's part; the original salesperson keeps
the rest. Lines always add up to exactly 100."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from goodwill.floor.models import CreditLine, CreditPolicy, Deal

CENT = Decimal("0.01")
R = CreditLine.Role


@dataclass
class Share:
    role: str
    share: Decimal
    why: str
    user: object = None
    party: str = ""


def _pct(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _day(at) -> str:
    return timezone.localtime(at).strftime("%b %-d")


def referrer_of(deal: Deal):
    """(user, party name) of who referred the customer, or None. Filled in by the link
    from ups to the referrals app (an up of source "referral" names its referral). Note:
    reads the referral's sender, referrer pro or customer (a query each when not loaded)."""
    referral = deal.up.referral
    if referral is None:
        return None
    if referral.from_outside:
        # Someone not on Goodwill sent them (issue 14, point 6): the credit is theirs, by
        # name, not the staff member's who logged the referral for them.
        if referral.referrer_pro_id:
            pro = referral.referrer_pro
            return None, f"{pro.name} ({pro.store_name})"
        return None, referral.referrer_customer.display_name
    sender = referral.sent_by
    if sender.dealership_id == deal.dealership_id:
        return sender, ""
    return None, f"{sender.display_name} ({referral.from_dealership.name})"


def shares_for(deal: Deal, policy: CreditPolicy) -> list[Share]:
    up = deal.up
    shares: list[Share] = []
    pool = Decimal(100)
    referrer = referrer_of(deal) if up.referral_id else None
    if referrer and policy.referrer_share:
        user, party = referrer
        why = f"Referred the customer ({deal.up.referral.get_source_display().lower()})"
        shares.append(Share(R.REFERRER, _pct(policy.referrer_share), why, user, party))
        pool -= shares[-1].share
    appointment = (
        deal.appointments.exclude(set_by_id=deal.salesperson_id)
        .order_by("created_at", "id")
        .first()
    )
    if appointment and policy.appointment_setter_share:
        shares.append(
            Share(
                R.APPOINTMENT,
                _pct(policy.appointment_setter_share),
                f"Set the appointment for {_day(appointment.starts_at)}",
                appointment.set_by,
            )
        )
        pool -= shares[-1].share
    upper_why = f"Took the {up.get_source_display().lower()} up on {_day(up.taken_at)}"
    upper_part = pool
    if deal.closer_id and deal.closer_id != deal.salesperson_id:
        closer_part = _pct(pool * policy.closer_share / 100)
        upper_part = pool - closer_part
        shares.append(
            Share(
                R.CLOSER,
                closer_part,
                f"Closed after a T.O. from {deal.salesperson.display_name}",
                deal.closer,
            )
        )
    if deal.recovered_by_id:
        fails_part = _pct(upper_part * policy.fails_share / 100)
        upper_part -= fails_part
        shares.append(
            Share(
                R.FAILS,
                fails_part,
                f"Worked the not-sold deal back ({deal.not_sold_reason})",
                deal.recovered_by,
            )
        )
        kept = (100 - policy.fails_share).normalize()
        upper_why += f"; keeps {kept:f}% of the upper's part after Fails"
    shares.insert(0, Share(R.UPPER, upper_part, upper_why, deal.salesperson))
    return shares


def write_credit_lines(deal: Deal, policy: CreditPolicy, *, at) -> list[CreditLine]:
    lines = [
        CreditLine(
            dealership_id=deal.dealership_id,
            deal=deal,
            user=s.user,
            party=s.party,
            role=s.role,
            share=s.share,
            why=s.why[:300],
            at=at,
        )
        for s in shares_for(deal, policy)
        if s.share > 0
    ]
    if sum(line.share for line in lines) != 100:  # an invariant that must hold under -O too
        raise ValueError("credit lines must add up to 100")
    return CreditLine.objects.bulk_create(lines)
