"""See delight, over time and as pictures: NPS by month for the store, for each department,
staff member and (for a dealer group's admins) each store of the group; promoters who
referred; earned referrals per salesperson. Figures come from `reports`' rules (one grouped
query per table); the geometry of the server-rendered SVG charts is computed here so the
templates only place shapes (no script: the CSP allows none inline)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from goodwill.core import storewall
from goodwill.dealerships.models import Dealership
from goodwill.feedback.models import Department, SurveyResponse
from goodwill.feedback.reports import CATEGORIES, answers_since, nps
from goodwill.referrals.models import Referral

MONTHS = 12


def month_starts(dealership, months: int = MONTHS) -> list[date]:
    """The first day of each of the last `months` months, oldest first, in store time."""
    today = timezone.localtime(timezone.now(), dealership.zone).date().replace(day=1)
    out = [today]
    for _ in range(months - 1):
        out.append((out[-1] - timedelta(days=1)).replace(day=1))
    return out[::-1]


def since(dealership, months: int = MONTHS):
    first = month_starts(dealership, months)[0]
    return timezone.make_aware(timezone.datetime(first.year, first.month, 1), dealership.zone)


def _cell(counts: dict) -> dict:
    answers = sum(counts.get(c, 0) for c in CATEGORIES)
    return {
        "answers": answers,
        **{c: counts.get(c, 0) for c in CATEGORIES},
        "nps": nps(counts.get("promoter", 0), counts.get("detractor", 0), answers),
    }


def _bucket(value) -> str:
    if value is None:
        return "none"
    if value >= 50:
        return "high"
    if value >= 0:
        return "mid"
    return "low"


@dataclass
class Series:
    """One line of an over-time chart: a department, a staff member or a store."""

    key: str
    label: str
    cells: list = field(default_factory=list)  # one per month: answers, categories, nps
    total: dict = field(default_factory=dict)
    # The query string of its answers ("staff=<uuid>"); None for another store's figures,
    # which open only in that store.
    link: str | None = ""

    @property
    def spark(self) -> str:
        """`points` of an SVG polyline, 0–100 wide and 0–30 high, months without answers
        skipped (the line joins the months that have them)."""
        step = 100 / max(len(self.cells) - 1, 1)
        return " ".join(
            f"{i * step:.1f},{15 - (c['nps'] * 0.14):.1f}"
            for i, c in enumerate(self.cells)
            if c["nps"] is not None
        )


def _over_time(rows, key_field: str, dealership, months: int, labels) -> list[Series]:
    """Group answers by (key, month, category) in one query and lay each key out over the
    same months (empty months included, so columns line up)."""
    starts = month_starts(dealership, months)
    grouped: dict = defaultdict(lambda: defaultdict(dict))
    for key, month, category, n in (
        rows.filter(answered_at__gte=since(dealership, months))
        .annotate(month=TruncMonth("answered_at", tzinfo=dealership.zone))
        .values_list(key_field, "month", "category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        day = month.date() if hasattr(month, "date") else month
        grouped[key][day][category] = n
    out = []
    for key, by_month in grouped.items():
        label, link = labels(key)
        cells = []
        totals: dict = defaultdict(int)
        for start in starts:
            counts = by_month.get(start, {})
            for category, n in counts.items():
                totals[category] += n
            cells.append({"month": start, **_cell(counts), "bucket": _bucket(_cell(counts)["nps"])})
        total = _cell(totals)
        out.append(Series(str(key), label, cells, {**total, "bucket": _bucket(total["nps"])}, link))
    return out


def departments_over_time(dealership, months: int = MONTHS) -> list[Series]:
    rows = SurveyResponse.objects.for_dealership(dealership)
    series = _over_time(
        rows,
        "department",
        dealership,
        months,
        lambda d: (Department(d).label, f"department={d}"),
    )
    order = list(Department.values)
    return sorted(series, key=lambda s: order.index(s.key))


def staff_over_time(dealership, months: int = MONTHS) -> list[Series]:
    rows = SurveyResponse.objects.for_dealership(dealership).exclude(staff=None)
    names = {
        u.pk: u
        for u in dealership.staff.filter(
            pk__in=rows.filter(answered_at__gte=since(dealership, months)).values("staff_id")
        )
    }
    series = _over_time(
        rows,
        "staff_id",
        dealership,
        months,
        lambda pk: (names[pk].display_name, f"staff={names[pk].public_id}"),
    )
    return sorted(series, key=lambda s: (-s.total["answers"], s.label))


def group_stores(user) -> list[Dealership]:
    """The stores of the user's dealer group (their own first), or [] when they may not see
    a group (`User.sees_group`)."""
    if not user.sees_group:
        return []
    stores = Dealership.objects.filter(group_id=user.dealership.group_id).order_by("name", "id")
    return sorted(stores, key=lambda d: d.pk != user.dealership_id)


def stores_over_time(user, months: int = MONTHS) -> list[Series]:
    """NPS per store of the user's group over the user's store's months. Only figures
    cross the stores' line: the answers behind another store's figures open in that store."""
    stores = group_stores(user)
    if not stores:
        return []
    own = user.dealership
    by_pk = {d.pk: d for d in stores}
    rows = SurveyResponse.objects.filter(dealership__in=stores)
    # The group's figures are counted over the other stores' answers (the second wall,
    # core/storewall.py); only the counts leave this function.
    with storewall.across_stores("a dealer group's NPS figures count each store's answers"):
        series = _over_time(
            rows,
            "dealership_id",
            own,
            months,
            lambda pk: (by_pk[pk].name, "" if pk == own.pk else None),
        )
    return sorted(series, key=lambda s: (s.link is None, s.label))


def promoters_who_referred(dealership, months: int = MONTHS, limit: int = 100) -> list[dict]:
    """Customers who answered 9–10 in the period (the referral rate's promoters) and are named
    as the referrer of one of the store's referrals (at any time, as the rate counts them):
    their best score, latest answer, how many they referred, earned, won."""
    promoters = (
        answers_since(dealership, months)
        .filter(category="promoter")
        .values("customer_id")
        .annotate(last=Max("answered_at"), score=Max("score"))
    )
    latest = {p["customer_id"]: p for p in promoters}
    if not latest:
        return []
    rows = (
        Referral.objects.filter(from_dealership=dealership, referrer_customer_id__in=list(latest))
        .values(
            "referrer_customer_id",
            "referrer_customer__public_id",
            "referrer_customer__first_name",
            "referrer_customer__last_name",
            "referrer_customer__company_name",
        )
        .annotate(
            referrals=Count("id"),
            earned=Count("id", filter=Q(source__in=Referral.EARNED)),
            won=Count("id", filter=Q(status=Referral.Status.WON)),
        )
        .order_by("-referrals", "referrer_customer__last_name", "referrer_customer_id")[:limit]
    )
    out = []
    for r in rows:
        first, last, company = (
            r["referrer_customer__first_name"],
            r["referrer_customer__last_name"],
            r["referrer_customer__company_name"],
        )
        promoter = latest[r["referrer_customer_id"]]
        out.append(
            {
                "customer_id": r["referrer_customer__public_id"],
                "name": " ".join(p for p in (first, last) if p) or company,
                "score": promoter["score"],
                "answered_at": promoter["last"],
                "referrals": r["referrals"],
                "earned": r["earned"],
                "won": r["won"],
            }
        )
    return out


def earned_by_salesperson(dealership, months: int = MONTHS) -> list[dict]:
    """Earned referrals (unprompted, or through a card or link) sent in each staff member's
    name in the period, with how many were won; widths for the bars."""
    rows = list(
        Referral.objects.filter(
            from_dealership=dealership,
            sent_at__gte=since(dealership, months),
            source__in=Referral.EARNED,
        )
        .values(
            "sent_by__public_id", "sent_by__first_name", "sent_by__last_name", "sent_by__username"
        )
        .annotate(earned=Count("id"), won=Count("id", filter=Q(status=Referral.Status.WON)))
        .order_by("-earned", "sent_by__last_name", "sent_by__public_id")
    )
    most = max((r["earned"] for r in rows), default=0)
    return [
        {
            "staff_id": r["sent_by__public_id"],
            "name": f"{r['sent_by__first_name']} {r['sent_by__last_name']}".strip()
            or r["sent_by__username"],
            "earned": r["earned"],
            "won": r["won"],
            "width": round(100 * r["earned"] / most) if most else 0,
        }
        for r in rows
    ]


# --- the NPS-by-month bar chart ---------------------------------------------------------------

CHART_W, CHART_H, TOP, BOTTOM, LEFT = 720, 230, 20, 40, 34


def month_bars(months: list[dict], starts: list[date]) -> dict:
    """Bars from the zero line up (positive NPS) or down (negative), one per month of
    `starts`; months without answers have no bar but keep their place."""
    by_month = {m["month"]: m for m in months}
    plot_h = CHART_H - TOP - BOTTOM
    zero = TOP + plot_h / 2
    slot = (CHART_W - LEFT) / max(len(starts), 1)
    bars = []
    for i, start in enumerate(starts):
        m = by_month.get(start)
        x = LEFT + i * slot + slot * 0.15
        bar = {
            "month": start,
            "x": round(x, 1),
            "w": round(slot * 0.7, 1),
            "cx": round(x + slot * 0.35, 1),
        }
        if m and m["nps"] is not None:
            h = abs(m["nps"]) / 100 * (plot_h / 2)
            y = zero - h if m["nps"] >= 0 else zero
            bar |= {
                "row": m,
                "y": round(y, 1),
                "h": round(max(h, 1.5), 1),
                "label_y": round(y - 5 if m["nps"] >= 0 else y + h + 13, 1),
                "bucket": _bucket(m["nps"]),
            }
        bars.append(bar)
    return {
        "bars": bars,
        "width": CHART_W,
        "height": CHART_H,
        "zero": zero,
        "left": LEFT,
        "top": TOP,
        "bottom": CHART_H - BOTTOM,
        "axis_y": CHART_H - BOTTOM + 16,
        "ticks": [
            {"label": v, "y": round(zero - v / 100 * (plot_h / 2), 1)}
            for v in (100, 50, 0, -50, -100)
        ],
    }
