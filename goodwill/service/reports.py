"""What the service pages show: the advisor's day, "opportunities for this user" (also for
the per-role home pages), and the managers' both-ways report. Every bar of the report keeps
the filter of the records behind it (the drill-down) and downloads as CSV."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from goodwill.core.paging import whole_number
from goodwill.dealerships.models import User
from goodwill.service.models import (
    STAGE_FILTERS,
    Opportunity,
    RepairOrder,
    ServiceSettings,
    ServiceVisit,
)
from goodwill.service.valuation import vehicle_class_of

PERIODS = {"30": "30 days", "90": "90 days", "365": "12 months"}
WORKED = ("contacted", "appointment", "won", "lost")
RO_TOTAL = ExpressionWrapper(F("labor") + F("parts"), output_field=DecimalField())


def opportunities_for(user):
    """The opportunities `user` should see on a home page: sent to them in sales, raised
    on their ROs in service, the whole store's for a manager. Newest first, with what the
    cards show already joined. (Interface for the per-role home pages.)"""
    return (
        Opportunity.objects.for_user(user)
        .select_related("customer", "vehicle", "referral__to_user", "repair_order")
        .order_by("-created_at", "-id")
    )


def open_opportunities_for(user):
    """The ones still to act on: not dismissed, not won or lost."""
    return opportunities_for(user).filter(
        STAGE_FILTERS["open"] | STAGE_FILTERS["referred"] | STAGE_FILTERS["working"]
    )


def _day_bounds(now):
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def advisor_day(user, *, now=None) -> dict:
    """The advisor's landing page: today's ROs, promised today and late, what became of the
    opportunities they raised, and fleet vehicles in the shop now."""
    now = now or timezone.now()
    start, end = _day_bounds(now)
    store = user.dealership_id
    ros = RepairOrder.objects.for_dealership(store).select_related("customer", "vehicle")
    mine = ros if user.is_manager else ros.filter(advisor=user)
    open_ros = mine.open()
    return {
        "today": list(
            mine.filter(opened_at__gte=start, opened_at__lt=end).order_by("opened_at", "id")
        ),
        "promised_today": list(
            open_ros.filter(promised_at__gte=now, promised_at__lt=end).order_by("promised_at", "id")
        ),
        "late": list(open_ros.filter(promised_at__lt=now).order_by("promised_at", "id")[:50]),
        "raised": list(
            Opportunity.objects.for_dealership(store)
            .filter(Q(repair_order__advisor=user) | Q(raised_by=user))
            .select_related("customer", "vehicle", "referral__to_user", "repair_order")
            .order_by("-created_at", "-id")[:20]
        ),
        "fleet_in_shop": list(
            ros.open()
            .filter(customer__fleet__isnull=False)
            .select_related("customer__fleet")
            .order_by("opened_at", "id")[:50]
        ),
        "visits_today": list(
            ServiceVisit.objects.for_dealership(store)
            .filter(scheduled_for__gte=start, scheduled_for__lt=end)
            .exclude(status=ServiceVisit.Status.CANCELLED)
            .select_related("customer", "vehicle", "booked_by")
        ),
        "now": now,
    }


@dataclass
class Bar:
    label: str
    value: float
    detail: str = ""
    query: dict = field(default_factory=dict)
    width: float = 0.0

    @property
    def href(self) -> str:
        return "?" + urlencode(self.query)


def _scale(bars):
    top = max((b.value for b in bars), default=0) or 1
    for b in bars:
        b.width = round(100 * float(b.value) / float(top), 1)
    return bars


def since(period: str):
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return start - timedelta(days=int(period if period in PERIODS else "90") - 1)


def _names(ids) -> dict:
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=[i for i in ids if i])}


def both_ways(store, period: str) -> dict:
    """The managers' report for the period: opportunities (created, worked, won, revenue)
    by rule, by advisor and by salesperson; sales-originated service; fleet downtime."""
    start = since(period)
    base = {"period": period}
    opps = Opportunity.objects.for_dealership(store).filter(created_at__gte=start)
    # Several opportunities can share one referral (one vehicle, several reasons): sales
    # figures count each referral once, so a sale is never counted twice.
    rows = list(
        opps.values_list(
            "rule",
            "repair_order__advisor",
            "referral__to_user",
            "referral_id",
            "referral__status",
            "referral__value",
        )
    )
    referrals = {r[3]: (r[4], r[5]) for r in rows if r[3]}
    won = {k: v for k, (status, v) in referrals.items() if status == "won"}
    totals = {
        "created": len(rows),
        "worked": sum(1 for status, _ in referrals.values() if status in WORKED),
        "won": len(won),
        "revenue": sum((v or Decimal(0) for v in won.values()), Decimal(0)),
    }

    def grouped(index, label_of, drill):
        groups: dict = defaultdict(lambda: [0, {}])
        for row in rows:
            group = groups[row[index]]
            group[0] += 1
            if row[3] in won:
                group[1][row[3]] = won[row[3]] or Decimal(0)
        bars = [
            Bar(
                label_of(key),
                n,
                f"{len(sales)} won · ${sum(sales.values(), Decimal(0)):,.0f}",
                base | {"drill": drill, "key": key or ""},
            )
            for key, (n, sales) in sorted(groups.items(), key=lambda kv: -kv[1][0])
        ]
        return _scale(bars)

    rules = dict(Opportunity.Rule.choices)
    by_rule = grouped(0, lambda k: rules.get(k, k), "rule")
    names = _names({r[1] for r in rows} | {r[2] for r in rows})
    by_advisor = grouped(1, lambda k: names.get(k, "No advisor login"), "advisor")
    by_seller = grouped(2, lambda k: names.get(k, "Not sent yet / dept."), "seller")

    visits = ServiceVisit.objects.for_dealership(store).filter(
        origin=ServiceVisit.Origin.SALES, created_at__gte=start
    )
    sales_ros = RepairOrder.objects.for_dealership(store).filter(
        visit__origin=ServiceVisit.Origin.SALES, opened_at__gte=start
    )
    sales_service = {
        "visits": visits.count(),
        "ros": sales_ros.count(),
        "revenue": sales_ros.aggregate(t=Sum(RO_TOTAL))["t"] or Decimal(0),
    }
    by_booker = []
    for r in (
        visits.values("booked_by")
        .annotate(n=Count("id"), revenue=Sum(RO_TOTAL_OF_VISIT))
        .order_by("-n")
    ):
        who = _names([r["booked_by"]]).get(r["booked_by"], "—")
        by_booker.append(
            Bar(
                who,
                r["n"],
                f"RO revenue ${r['revenue'] or 0:,.0f}",
                base | {"drill": "booker", "key": r["booked_by"] or ""},
            )
        )
    return {
        "totals": totals,
        "by_rule": by_rule,
        "by_advisor": by_advisor,
        "by_seller": by_seller,
        "sales_service": sales_service,
        "by_booker": _scale(by_booker),
        "downtime": _scale(downtime_by_month(store, start)),
    }


RO_TOTAL_OF_VISIT = F("orders__labor") + F("orders__parts")


def downtime_by_month(store, start) -> list[Bar]:
    """Fleet downtime cost per month: days down × the vehicle's cost per day (its own, else
    its fleet's, else the store's default for its class)."""
    rules = ServiceSettings.objects.filter(dealership=store).first() or ServiceSettings()
    rows = (
        RepairOrder.objects.for_dealership(store)
        .filter(customer__fleet__isnull=False, closed_at__gte=start)
        .values_list(
            "closed_at",
            "days_down",
            "vehicle__service__downtime_cost_per_day",
            "customer__fleet__downtime_cost_per_day",
            "vehicle__service__vehicle_class",
            "vehicle__model",
        )
    )
    months: dict[str, list] = defaultdict(lambda: [0, 0])
    for closed, days, own, fleet, cls, model in rows:
        month = timezone.localtime(closed).strftime("%Y-%m")
        cost = own or fleet or rules.downtime_default(cls or vehicle_class_of(model))
        months[month][0] += days * cost
        months[month][1] += days
    return [
        Bar(month, cost, f"{days} days down", {"drill": "downtime", "key": month})
        for month, (cost, days) in sorted(months.items())
    ]


def drill(store, period: str, kind: str, key: str):
    """The records behind one bar (at most 200)."""
    start = since(period)
    if kind in ("rule", "advisor", "seller"):
        field_name = {
            "rule": "rule",
            "advisor": "repair_order__advisor",
            "seller": "referral__to_user",
        }[kind]
        rows = Opportunity.objects.for_dealership(store).filter(created_at__gte=start)
        if kind != "rule" and key and whole_number(key) is None:
            return "opportunities", []
        rows = rows.filter(**{f"{field_name}__isnull": True} if not key else {field_name: key})
        return "opportunities", list(
            rows.select_related("customer", "vehicle", "referral__to_user", "repair_order")[:200]
        )
    if kind == "booker":
        rows = ServiceVisit.objects.for_dealership(store).filter(
            origin=ServiceVisit.Origin.SALES, created_at__gte=start
        )
        if key:
            rows = rows.filter(booked_by=whole_number(key))
        return "visits", list(rows.select_related("customer", "booked_by", "special")[:200])
    year, month = whole_number(key[:4]), whole_number(key[5:], maximum=12)
    if kind == "downtime" and len(key) == 7 and year and month:
        rows = RepairOrder.objects.for_dealership(store).filter(
            customer__fleet__isnull=False, closed_at__year=year, closed_at__month=month
        )
        return "repair_orders", list(rows.select_related("customer", "vehicle")[:200])
    return "", []
