"""The opportunity rules, as pure functions of one RO's facts and the store's thresholds.

The same `evaluate` serves the run after an RO is saved (`runner.run_for_repair_order`) and
the nightly pass over every RO (`runner.run_all`), so the two can never disagree. Each
finding states its reason in plain words with its numbers; `numbers` keeps them for the API.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from goodwill.service.models import Opportunity
from goodwill.service.valuation import dollars, value_of

R = Opportunity.Rule
# A rule stays quiet about a vehicle for this long after it raised an opportunity about it:
# a 14-year-old truck that comes in four times a year is one conversation, not four.
QUIET_DAYS = 180


@dataclass
class Facts:
    """One RO and what the rules need to know around it (all plain values)."""

    opened_on: date
    estimate: Decimal
    mileage: int | None
    model: str
    year: int | None
    store_value: Decimal | None = None
    is_fleet: bool = False
    cost_per_day: int = 0
    lease_ends_on: date | None = None
    warranty_ends_on: date | None = None
    # ROs of this vehicle opened within `repeat_days` up to this one (this one included).
    visits_in_window: int = 1
    # Days this vehicle was down in this RO's calendar year, up to this RO.
    days_down_this_year: int = 0


@dataclass
class Thresholds:
    estimate_share: int = 50
    age_years: int = 10
    mileage: int = 120_000
    repeat_visits: int = 3
    repeat_days: int = 90
    downtime_cost: int = 5000
    term_ending_days: int = 90

    @classmethod
    def of(cls, settings) -> "Thresholds":
        return cls(**{f: getattr(settings, f) for f in cls.__dataclass_fields__})


@dataclass
class Finding:
    rule: str
    reason: str
    numbers: dict = field(default_factory=dict)


def _pct(part, whole) -> int:
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), ROUND_HALF_UP))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def estimate_rule(f: Facts, t: Thresholds) -> Finding | None:
    if f.estimate <= 0:
        return None
    v = value_of(
        store_value=f.store_value,
        model=f.model,
        year=f.year,
        mileage=f.mileage,
        on_year=f.opened_on.year,
    )
    share = _pct(f.estimate, v.value)
    if share < t.estimate_share:
        return None
    about = "worth" if v.source == "store" else "worth about"
    return Finding(
        R.ESTIMATE,
        f"{dollars(f.estimate)} estimate on a vehicle {about} {dollars(v.value)}: {share} %",
        {
            "estimate": str(f.estimate),
            "value": str(v.value),
            "value_source": v.source,
            "value_formula": v.formula,
            "share_pct": share,
            "threshold_pct": t.estimate_share,
        },
    )


def age_rule(f: Facts, t: Thresholds) -> Finding | None:
    age = f.opened_on.year - f.year if f.year else None
    parts, numbers = [], {"age_limit": t.age_years, "mileage_limit": t.mileage}
    if age is not None and age > t.age_years:
        parts.append(f"{age} years old (limit {t.age_years})")
        numbers["age_years"] = age
    if f.mileage and f.mileage > t.mileage:
        parts.append(f"{f.mileage:,} miles (limit {t.mileage:,})")
        numbers["mileage"] = f.mileage
    if not parts:
        return None
    # The vehicle's year and model, as far as known (a generator and join cost 1.7 µs a row:
    # a third of this rule's time over the 363,747 age rows of a million-RO first pass).
    title = f"{f.year} {f.model}" if f.year and f.model else str(f.year or f.model or "The vehicle")
    return Finding(R.AGE_MILEAGE, f"{title}: {' and '.join(parts)}", numbers)


def repeat_rule(f: Facts, t: Thresholds) -> Finding | None:
    if f.visits_in_window < t.repeat_visits:
        return None
    return Finding(
        R.REPEAT,
        f"{_ordinal(f.visits_in_window)} visit in {t.repeat_days} days "
        f"(limit {t.repeat_visits} in {t.repeat_days})",
        {"visits": f.visits_in_window, "days": t.repeat_days, "limit": t.repeat_visits},
    )


def downtime_rule(f: Facts, t: Thresholds) -> Finding | None:
    if not f.is_fleet or not f.cost_per_day:
        return None
    cost = f.days_down_this_year * f.cost_per_day
    if cost <= t.downtime_cost:
        return None
    return Finding(
        R.DOWNTIME,
        f"Down {f.days_down_this_year} days in {f.opened_on.year} × {dollars(f.cost_per_day)}"
        f"/day = {dollars(cost)} lost (limit {dollars(t.downtime_cost)})",
        {
            "days_down": f.days_down_this_year,
            "cost_per_day": f.cost_per_day,
            "cost": cost,
            "limit": t.downtime_cost,
            "year": f.opened_on.year,
        },
    )


def term_rule(f: Facts, t: Thresholds) -> Finding | None:
    for label, ends in (("Lease", f.lease_ends_on), ("Warranty", f.warranty_ends_on)):
        if ends is None:
            continue
        days = (ends - f.opened_on).days
        if 0 <= days <= t.term_ending_days:
            return Finding(
                R.TERM_ENDING,
                f"{label} ends {ends:%b %-d, %Y}: {days} days after this visit "
                f"(limit {t.term_ending_days})",
                {
                    "what": label.lower(),
                    "ends_on": ends.isoformat(),
                    "days": days,
                    "limit": t.term_ending_days,
                },
            )
    return None


RULES = (estimate_rule, age_rule, repeat_rule, downtime_rule, term_rule)


def evaluate(facts: Facts, thresholds: Thresholds) -> list[Finding]:
    return [found for rule in RULES if (found := rule(facts, thresholds)) is not None]
