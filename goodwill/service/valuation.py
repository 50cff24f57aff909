"""What a vehicle is worth, for the "repair vs. value" rule: the store's own figure when it
entered one, else an estimate a person can check by hand, with its formula in words.

    value = new price of its class × 0.85 ^ age − $0.08 × miles beyond 12,000 a year
            (at least $500)

Deliberately simple: an advisor must be able to say to a customer where the number comes
from. A store that knows better enters its own value on the vehicle."""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


def body_of(model: str) -> str:
    text = (model or "").upper()
    for body, pattern in CLASS_WORDS.items():
        if re.search(pattern, text):
            return body
    return "car"


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
    value: Decimal
    source: str  # "store" | "estimate"
    formula: str  # in words, with the numbers


def _dollars(amount) -> str:
    return f"${Decimal(amount).quantize(Decimal(1), ROUND_HALF_UP):,}"


def estimate(*, model: str, year: int | None, mileage: int | None, on_year: int) -> Valuation:
    body = body_of(model)
    new = Decimal(NEW_PRICE[body])
    age = max(0, on_year - year) if year else 8  # an unknown year counts as eight
    aged = new * DEPRECIATION**age
    expected = MILES_PER_YEAR * max(age, 1)
    extra = max(0, (mileage or 0) - expected)
    value = max(FLOOR, aged - PER_EXTRA_MILE * extra).quantize(Decimal("0.01"))
    words = (
        f"{_dollars(new)} new ({body}) × 0.85^{age} year{'s' if age != 1 else ''} "
        f"= {_dollars(aged)}"
    )
    if extra:
        words += f", less $0.08 × {extra:,} miles beyond {expected:,}"
    if not year:
        words += " (year unknown: eight years assumed)"
    return Valuation(value, "estimate", f"{words} → about {_dollars(value)}")


def value_of(*, store_value, model, year, mileage, on_year) -> Valuation:
    if store_value:
        return Valuation(
            Decimal(store_value), "store", f"the store's value, {_dollars(store_value)}"
        )
    return estimate(model=model, year=year, mileage=mileage, on_year=on_year)


def dollars(amount) -> str:
    return _dollars(amount)
