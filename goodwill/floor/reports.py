"""The manager's floor report, computed from FloorEvent rows only, so any figure can be
recomputed for any period and traced back to the deals behind it (`drill_down`)."""

from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median
from urllib.parse import urlencode

from django.db.models import Count
from django.utils import timezone

from goodwill.core.paging import whole_number
from goodwill.dealerships.models import User
from goodwill.floor.models import FloorEvent, Up

V = FloorEvent.Verb
TAKES = (V.UP_TAKEN, V.UP_OVERRIDDEN)
CLOSES = (V.FAILS_RECOVERED, V.FAILS_REFERRED, V.FAILS_LOST)
PERIODS = {"today": "Today", "7": "7 days", "30": "30 days", "90": "90 days"}


@dataclass
class Bar:
    label: str
    value: float  # what the bar shows: a count or a percentage
    detail: str  # "12 of 40"
    query: dict = field(default_factory=dict)  # the drill-down's filter
    width: float = 0.0

    @property
    def href(self) -> str:
        return "?" + urlencode(self.query)


def since(period: str):
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "today":
        return start
    return start - timedelta(days=int(period) - 1)


def _events(store, start, *verbs):
    return FloorEvent.objects.for_dealership(store).filter(verb__in=verbs, at__gte=start)


def _scale(bars: list[Bar], maximum=None) -> list[Bar]:
    top = maximum or max((b.value for b in bars), default=0) or 1
    for b in bars:
        b.width = round(100 * b.value / top, 1)
    return bars


def _names(ids) -> dict:
    return {
        u.pk: u.display_name
        for u in User.objects.filter(pk__in=[i for i in ids if i]).only(
            "first_name", "last_name", "username"
        )
    }


def ups_by_source(store, start, period) -> list[Bar]:
    rows = (
        _events(store, start, V.UP_LOGGED)
        .values_list("data__source")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    labels = dict(Up.Source.choices)
    return _scale(
        [
            Bar(labels.get(src, src), n, "", {"show": "source", "key": src, "period": period})
            for src, n in rows
        ]
    )


def _deal_sets(store, start):
    """{salesperson id: set(deal ids taken in the period)} and the deal ids T.O.'d / sold."""
    taken: dict[int, set] = {}
    for user_id, deal_id in _events(store, start, *TAKES).values_list("subject_user", "deal"):
        taken.setdefault(user_id, set()).add(deal_id)
    all_deals = set().union(*taken.values()) if taken else set()
    store_events = FloorEvent.objects.for_dealership(store).filter(deal__in=all_deals)
    turned = set(store_events.filter(verb=V.TURNED_OVER).values_list("deal", flat=True))
    sold = set(store_events.filter(verb=V.SOLD).values_list("deal", flat=True))
    return taken, turned, sold


def rates_by_salesperson(store, start, period):
    """(T.O. rate bars, close rate bars), one bar per salesperson who took ups."""
    taken, turned, sold = _deal_sets(store, start)
    names = _names(taken)
    to_bars, close_bars = [], []
    for user_id, deals in sorted(taken.items(), key=lambda kv: names.get(kv[0], "")):
        n = len(deals)
        t, s = len(deals & turned), len(deals & sold)
        name = names.get(user_id, "?")
        q = {"user": user_id, "period": period}
        to_bars.append(Bar(name, round(100 * t / n), f"{t} of {n}", {**q, "show": "to"}))
        close_bars.append(Bar(name, round(100 * s / n), f"{s} of {n}", {**q, "show": "sold"}))
    return _scale(to_bars, 100), _scale(close_bars, 100)


def totals(store, start) -> dict:
    taken, turned, sold = _deal_sets(store, start)
    deals = set().union(*taken.values()) if taken else set()
    n = len(deals) or 1
    return {
        "deals": len(deals),
        "to_rate": round(100 * len(deals & turned) / n),
        "close_rate": round(100 * len(deals & sold) / n),
    }


def fails_recovery(store, start, period):
    """Recovery rate of the fails cases closed in the period, by reason and by specialist,
    and the hours from fail to outcome."""
    closed = list(
        _events(store, start, *CLOSES).values_list("verb", "subject_user", "data", "deal")
    )
    by_reason: dict[str, list] = {}
    by_specialist: dict[int, list] = {}
    hours: dict[str, list] = {}
    for verb, specialist, data, _deal in closed:
        recovered = verb == V.FAILS_RECOVERED
        by_reason.setdefault(data.get("reason", "?"), []).append(recovered)
        by_specialist.setdefault(specialist, []).append(recovered)
        if "hours" in data:
            hours.setdefault(verb, []).append(data["hours"])
    names = _names(by_specialist)

    def bars(groups, label, show):
        out = []
        for key, results in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            r, n = sum(results), len(results)
            out.append(
                Bar(
                    label(key),
                    round(100 * r / n),
                    f"{r} of {n}",
                    {"show": show, "key": key or "", "period": period},
                )
            )
        return _scale(out, 100)

    reason_bars = bars(by_reason, lambda k: k, "fails_reason")
    specialist_bars = bars(by_specialist, lambda k: names.get(k, "Unclaimed"), "fails_specialist")
    labels = dict(V.choices)
    time_bars = _scale(
        [
            Bar(
                labels[verb].split(" (")[0],
                round(median(values) / 24, 1),
                f"median {median(values) / 24:.1f} days · {len(values)} cases",
                {"show": "fails_outcome", "key": verb, "period": period},
            )
            for verb, values in sorted(hours.items())
        ]
    )
    return reason_bars, specialist_bars, time_bars


def drill_down(store, query: dict):
    """The ups behind one bar, newest first: the same event filters the bar counted."""
    period = query.get("period", "30")
    start = since(period if period in PERIODS else "30")
    show, key, user = query.get("show"), query.get("key", ""), query.get("user")
    ups = Up.objects.for_dealership(store)
    if show == "source":
        ids = _events(store, start, V.UP_LOGGED).filter(data__source=key).values("up")
        return ups.filter(pk__in=ids)
    if show in ("to", "sold") and (user_id := whole_number(user)) is not None:
        taken = _events(store, start, *TAKES).filter(subject_user_id=user_id).values("deal")
        verb = V.TURNED_OVER if show == "to" else V.SOLD
        deals = FloorEvent.objects.for_dealership(store).filter(verb=verb, deal__in=taken)
        return ups.filter(deal__in=deals.values("deal"))
    closed = _events(store, start, *CLOSES)
    if show == "fails_reason":
        return ups.filter(deal__in=closed.filter(data__reason=key).values("deal"))
    if show == "fails_specialist":
        if (user_id := whole_number(key)) is not None:
            closed = closed.filter(subject_user_id=user_id)
        else:
            closed = closed.filter(subject_user__isnull=True)
        return ups.filter(deal__in=closed.values("deal"))
    if show == "fails_outcome" and key in CLOSES:
        return ups.filter(deal__in=closed.filter(verb=key).values("deal"))
    return ups.none()
