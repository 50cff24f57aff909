"""What a partner did for the store, read for their page and the API: the people they
referred and what came of each, the thank-yous and rewards, in a few queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from goodwill.partners.models import Partner
from goodwill.referrals.models import Referral, Reward, ThankYou


def referrals_from(partner: Partner):
    """Referrals this partner brought the store: credited to their customer row, sent to us
    by the pro (on Goodwill) the store's card of them names, or logged by our staff for a
    pro not on Goodwill (`referrer_pro`). The receiving store reads only the snapshot on
    the row, as everywhere."""
    sent = Q()
    if partner.customer_id:
        sent |= Q(
            from_dealership_id=partner.dealership_id, referrer_customer_id=partner.customer_id
        )
    if partner.pro_id and partner.pro.user_id:
        sent |= Q(to_dealership_id=partner.dealership_id, sent_by_id=partner.pro.user_id) & ~Q(
            from_dealership_id=partner.dealership_id
        )
    elif partner.pro_id:  # a pro not on Goodwill: our staff logged what they sent us
        sent |= Q(from_dealership_id=partner.dealership_id, referrer_pro_id=partner.pro_id)
    if not sent:
        return Referral.objects.none()
    return Referral.objects.filter(sent)


@dataclass
class Ledger:
    referrals: list = field(default_factory=list)
    thank_yous: list = field(default_factory=list)
    rewards: list = field(default_factory=list)
    sent: int = 0
    won: int = 0
    open: int = 0
    won_value: Decimal = Decimal("0")
    rewards_paid: Decimal = Decimal("0")


def ledger_of(partner: Partner, user, *, limit: int = 100) -> Ledger:
    """The partner page: referrals (newest first, at most `limit`) with their outcomes, the
    store's thank-yous to the partner and the rewards of their referrals."""
    rows = referrals_from(partner).filter(pk__in=Referral.objects.visible_to(user).values("pk"))
    totals = rows.aggregate(
        sent=Count("pk"),
        won=Count("pk", filter=Q(status=Referral.Status.WON)),
        open=Count("pk", filter=Q(status__in=Referral.OPEN)),
        value=Sum("value", filter=Q(status=Referral.Status.WON)),
    )
    referrals = list(rows.read_by(partner.dealership_id).order_by("-sent_at", "-id")[:limit])
    to_whom = Q(referral__in=rows)
    if partner.customer_id:
        to_whom |= Q(to_customer_id=partner.customer_id)
    if partner.pro_id and partner.pro.user_id:
        to_whom |= Q(to_user_id=partner.pro.user_id)
    if partner.pro_id:
        to_whom |= Q(to_pro_id=partner.pro_id)
    thank_yous = list(
        ThankYou.objects.for_dealership(partner.dealership_id)
        .filter(to_whom)
        .exclude(to_user__isnull=False, to_user__dealership_id=partner.dealership_id)
        .select_related("referral", "done_by", "assigned_to")
        .order_by("-created_at", "-id")[:limit]
    )
    rewards = list(
        Reward.objects.for_dealership(partner.dealership_id)
        .filter(referral__in=rows)
        .select_related("referral")
        .order_by("-created_at", "-id")[:limit]
    )
    return Ledger(
        referrals=referrals,
        thank_yous=thank_yous,
        rewards=rewards,
        sent=totals["sent"],
        won=totals["won"],
        open=totals["open"],
        won_value=totals["value"] or Decimal("0"),
        rewards_paid=sum(
            (w.amount for w in rewards if w.status == Reward.Status.PAID), Decimal("0")
        ),
    )


def counts_for(partners) -> dict[int, dict]:
    """{partner id: {"sent": n, "won": n}} for a list page, in three queries at most."""
    partners = list(partners)
    out = {p.pk: {"sent": 0, "won": 0} for p in partners}
    by_customer = {p.customer_id: p.pk for p in partners if p.customer_id}
    if by_customer:
        for row in (
            Referral.objects.filter(referrer_customer_id__in=by_customer)
            .values("referrer_customer_id")
            .annotate(sent=Count("pk"), won=Count("pk", filter=Q(status=Referral.Status.WON)))
            .order_by()
        ):
            counts = out[by_customer[row["referrer_customer_id"]]]
            counts["sent"] += row["sent"]
            counts["won"] += row["won"]
    by_pro = {p.pro_id: p.pk for p in partners if p.pro_id and not p.pro.user_id}
    if by_pro:
        for row in (
            Referral.objects.filter(referrer_pro_id__in=by_pro)
            .values("referrer_pro_id")
            .annotate(sent=Count("pk"), won=Count("pk", filter=Q(status=Referral.Status.WON)))
            .order_by()
        ):
            counts = out[by_pro[row["referrer_pro_id"]]]
            counts["sent"] += row["sent"]
            counts["won"] += row["won"]
    by_user = {p.pro.user_id: p for p in partners if p.pro_id and p.pro.user_id}
    if by_user:
        store = partners[0].dealership_id
        for row in (
            Referral.objects.filter(to_dealership_id=store, sent_by_id__in=by_user)
            .exclude(from_dealership_id=store)
            .values("sent_by_id")
            .annotate(sent=Count("pk"), won=Count("pk", filter=Q(status=Referral.Status.WON)))
            .order_by()
        ):
            counts = out[by_user[row["sent_by_id"]].pk]
            counts["sent"] += row["sent"]
            counts["won"] += row["won"]
    return out
