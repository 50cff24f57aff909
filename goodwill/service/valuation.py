"""What a vehicle is worth, for the "repair vs. value" rule: the store's own figure when it
entered one, else an estimate a person can check by hand, with its formula in words.

    value = new price of its class × 0.85 ^ age − $0.08 × miles beyond 12,000 a year
            (at least $500)

Deliberately simple: an advisor must be able to say to a customer where the number comes
from. A store that knows better enters its own value on the vehicle."""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from goodwill.service.models import VehicleClass

NEW_PRICE = {"car": 32_000, "suv": 40_000, "pickup": 50_000, "van": 48_000, "heavy": 68_000}
CLASS_WORDS = {
    "heavy": r"F-?[3-7]50|2500|3500|4500|5500|BOX|UPFIT|SERVICE BODY|CHASSIS|DUMP|STAKE|CUTAWAY",
    "van": r"TRANSIT|PROMASTER|SPRINTER|EXPRESS|SAVANA|VAN",
    "pickup": r"F-?150|RANGER|MAVERICK|SILVERADO|SIERRA|TACOMA|TUNDRA|RAM|COLORADO|FRONTIER"
    r"|TITAN|RIDGELINE|GLADIATOR|CANYON|SANTA CRUZ",
    "suv": r"EXPLORER|ESCAPE|EXPEDITION|BRONCO|EDGE|RAV4|HIGHLANDER|4RUNNER|CR-V|PILOT|TAHOE"
    r"|SUBURBAN|EQUINOX|TRAVERSE|ROGUE|PATHFINDER|TUCSON|SANTA FE|PALISADE|FORESTER|OUTBACK"
    r"|ASCENT|CROSSTREK|KONA|HR-V|BLAZER|TRAILBLAZER|WRANGLER|GRAND CHEROKEE|DURANGO|SEQUOIA",
}
DEPRECIATION = Decimal("0.85")
MILES_PER_YEAR = 12_000
PER_EXTRA_MILE = Decimal("0.08")
FLOOR = Decimal(500)


@lru_cache(maxsize=4096)
def body_of(model: str) -> str:
    text = (model or "").upper()
    for body, pattern in CLASS_WORDS.items():
        if re.search(pattern, text):
            return body
    return "car"


@lru_cache(maxsize=4096)
def vehicle_class_of(model: str) -> str:
    """The downtime class a model name suggests (the store can change it)."""
    body = body_of(model)
    if body == "heavy":
        return VehicleClass.HEAVY
    if body in ("pickup", "van"):
        return VehicleClass.LIGHT
    return VehicleClass.CAR


@dataclass(frozen=True)
class Valuation:
    """A value and where it comes from; `formula` is built only when it is shown (the nightly
    pass values a million vehicles and words only the few that raise an opportunity)."""

    value: Decimal
    source: str  # "store" | "estimate"
    body: str = ""
    age: int | None = None
    extra: int = 0
    expected: int = 0
    year_known: bool = True

    @property
    def formula(self) -> str:
        if self.source == "store":
            return f"the store's value, {_dollars(self.value)}"
        new = NEW_PRICE[self.body]
        words = (
            f"{_dollars(new)} new ({self.body}) × 0.85^{self.age} year"
            f"{'s' if self.age != 1 else ''} = {_dollars(_aged(self.body, self.age))}"
        )
        if self.extra:
            words += f", less $0.08 × {self.extra:,} miles beyond {self.expected:,}"
        if not self.year_known:
            words += " (year unknown: eight years assumed)"
        return f"{words} → about {_dollars(self.value)}"


def _dollars(amount) -> str:
    return f"${Decimal(amount).quantize(Decimal(1), ROUND_HALF_UP):,}"


@lru_cache(maxsize=1024)
def _aged(body: str, age: int) -> Decimal:
    return Decimal(NEW_PRICE[body]) * DEPRECIATION**age


def estimate(*, model: str, year: int | None, mileage: int | None, on_year: int) -> Valuation:
    body = body_of(model or "")
    age = max(0, on_year - year) if year else 8  # an unknown year counts as eight
    expected = MILES_PER_YEAR * max(age, 1)
    extra = max(0, (mileage or 0) - expected)
    value = max(FLOOR, _aged(body, age) - PER_EXTRA_MILE * extra).quantize(Decimal("0.01"))
    return Valuation(value, "estimate", body, age, extra, expected, bool(year))


def value_of(*, store_value, model, year, mileage, on_year) -> Valuation:
    if store_value:
        return Valuation(Decimal(store_value), "store")
    return estimate(model=model, year=year, mileage=mileage, on_year=on_year)


def dollars(amount) -> str:
    return _dollars(amount)
