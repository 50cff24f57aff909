"""The reciprocity ledger: per partner store and per pro, what went each way, what was won,
its value, the balance, a trend, and a gentle nudge when a partnership runs one-way.

A handful of grouped queries per page, whatever the number of referrals."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from goodwill.dealerships.models import Dealership
from goodwill.network.models import Pro
from goodwill.referrals.models import Referral

WON = Referral.Status.WON
NUDGE_DAYS = 90
NUDGE_MIN_SENT = 3


@dataclass
class Side:
    count: int = 0
    won: int = 0
    value: Decimal = Decimal("0")


@dataclass
class LedgerRow:
    key: str
    name: str
    sent: Side = field(default_factory=Side)
    received: Side = field(default_factory=Side)
    trend: list = field(default_factory=list)  # [(month, sent, received)]
    recent_sent: int = 0
    recent_received: int = 0
    pro_public_id: object = None

    @property
    def balance(self) -> int:
        """Positive: they sent us more than we sent them (we owe them)."""
        return self.received.count - self.sent.count

    @property
    def nudge(self) -> str:
        if self.recent_sent >= NUDGE_MIN_SENT and self.recent_received == 0:
            return (
                f"You sent {self.recent_sent} in {NUDGE_DAYS} days and received none. "
                "A visit or a call may help — they may not know what you are best at."
            )
        if self.recent_received >= NUDGE_MIN_SENT and self.recent_sent == 0:
            return (
                f"They sent you {self.recent_received} in {NUDGE_DAYS} days. "
                "Who among your shoppers would they serve well?"
            )
        return ""


def _months(n=6):
    now = timezone.localtime()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = []
    for _ in range(n):
        months.append(first.date())
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def _agg(qs, key_fields):
    return qs.values(*key_fields).annotate(
        n=Count("id"),
        won=Count("id", filter=Q(status=WON)),
        value=Sum("value", filter=Q(status=WON)),
    )


def store_ledger(dealership) -> list[LedgerRow]:
    """One row per partner store on Goodwill and per external pro."""
    me = dealership.pk if hasattr(dealership, "pk") else dealership
    sent = Referral.objects.filter(from_dealership_id=me, kind=Referral.Kind.PARTNER)
    received = Referral.objects.filter(to_dealership_id=me, kind=Referral.Kind.PARTNER).exclude(
        from_dealership_id=me
    )
    rows: dict[str, LedgerRow] = {}
    for r in _agg(sent, ["to_dealership_id", "pro_id"]):
        key = f"s{r['to_dealership_id']}" if r["to_dealership_id"] else f"p{r['pro_id']}"
        row = rows.setdefault(key, LedgerRow(key, ""))
        row.sent.count += r["n"]
        row.sent.won += r["won"]
        row.sent.value += r["value"] or 0
    for r in _agg(received, ["from_dealership_id"]):
        key = f"s{r['from_dealership_id']}"
        row = rows.setdefault(key, LedgerRow(key, ""))
        row.received.count += r["n"]
        row.received.won += r["won"]
        row.received.value += r["value"] or 0
    months = _months()
    trend = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    since = timezone.make_aware(datetime.combine(months[0], time.min))
    for r in (
        sent.filter(sent_at__gte=since)
        .annotate(m=TruncMonth("sent_at"))
        .values("to_dealership_id", "pro_id", "m")
        .annotate(n=Count("id"))
    ):
        key = f"s{r['to_dealership_id']}" if r["to_dealership_id"] else f"p{r['pro_id']}"
        trend[key][_month_key(r["m"])][0] += r["n"]
    for r in (
        received.filter(sent_at__gte=since)
        .annotate(m=TruncMonth("sent_at"))
        .values("from_dealership_id", "m")
        .annotate(n=Count("id"))
    ):
        trend[f"s{r['from_dealership_id']}"][_month_key(r["m"])][1] += r["n"]
    recent = timezone.now() - timedelta(days=NUDGE_DAYS)
    for r in (
        sent.filter(sent_at__gte=recent)
        .values("to_dealership_id", "pro_id")
        .annotate(n=Count("id"))
    ):
        key = f"s{r['to_dealership_id']}" if r["to_dealership_id"] else f"p{r['pro_id']}"
        rows[key].recent_sent += r["n"]
    for r in (
        received.filter(sent_at__gte=recent).values("from_dealership_id").annotate(n=Count("id"))
    ):
        rows[f"s{r['from_dealership_id']}"].recent_received += r["n"]
    store_ids = [int(k[1:]) for k in rows if k[0] == "s"]
    pro_ids = [int(k[1:]) for k in rows if k[0] == "p"]
    names = dict(Dealership.objects.filter(pk__in=store_ids).values_list("pk", "name"))
    pros = {p.pk: p for p in Pro.objects.filter(pk__in=pro_ids, dealership_id=me)}
    for key, row in rows.items():
        ident = int(key[1:])
        if key[0] == "s":
            row.name = names.get(ident, "?")
        else:
            pro = pros.get(ident)
            row.name = f"{pro.name} · {pro.store_name} (not on Goodwill)" if pro else "?"
            row.pro_public_id = pro.public_id if pro else None
        row.trend = [(m, *trend[key][m]) for m in months]
    return sorted(rows.values(), key=lambda r: (-(r.sent.count + r.received.count), r.name))


def _month_key(value):
    return value.date().replace(day=1) if hasattr(value, "date") else value.replace(day=1)


def pro_ledger(dealership) -> list[dict]:
    """Per pro of my network: sent to them, received from them (by their login), won, value."""
    me = dealership.pk if hasattr(dealership, "pk") else dealership
    pros = list(Pro.objects.filter(dealership_id=me, listed=False, is_active=True))
    sent = {
        r["pro_id"]: r
        for r in _agg(Referral.objects.filter(from_dealership_id=me, pro__isnull=False), ["pro_id"])
    }
    by_user = {p.user_id: p.pk for p in pros if p.user_id}
    received = {
        by_user[r["sent_by_id"]]: r
        for r in _agg(
            Referral.objects.filter(to_dealership_id=me, sent_by_id__in=list(by_user)),
            ["sent_by_id"],
        )
    }
    out = []
    for p in pros:
        s, r = sent.get(p.pk, {}), received.get(p.pk, {})
        if not s and not r:
            continue
        out.append(
            {
                "pro": p,
                "sent": s.get("n", 0),
                "sent_won": s.get("won", 0),
                "sent_value": s.get("value") or 0,
                "received": r.get("n", 0),
                "received_won": r.get("won", 0),
                "received_value": r.get("value") or 0,
                "balance": r.get("n", 0) - s.get("n", 0),
            }
        )
    return sorted(out, key=lambda x: -(x["sent"] + x["received"]))


def earned_report(dealership) -> dict:
    """Earned (unprompted, card/link) versus asked, for what we received and what we sent."""
    me = dealership.pk if hasattr(dealership, "pk") else dealership
    out = {}
    for label, qs in (
        ("received", Referral.objects.filter(to_dealership_id=me)),
        ("sent", Referral.objects.filter(from_dealership_id=me)),
    ):
        counts = dict(qs.values_list("source").annotate(n=Count("id")).order_by())
        won = dict(qs.filter(status=WON).values_list("source").annotate(n=Count("id")).order_by())
        earned = sum(counts.get(s, 0) for s in Referral.EARNED)
        earned_won = sum(won.get(s, 0) for s in Referral.EARNED)
        asked = counts.get(Referral.Source.ASKED, 0)
        asked_won = won.get(Referral.Source.ASKED, 0)
        out[label] = {
            "earned": earned,
            "earned_won": earned_won,
            "asked": asked,
            "asked_won": asked_won,
            "unprompted": counts.get(Referral.Source.UNPROMPTED, 0),
            "card": counts.get(Referral.Source.CARD, 0),
        }
    return out
