"""Where a store is: its ZIP code read through an offline ZIP database (the `zipcodes`
package, no network), which gives the city, state, coordinates and time zone. Coordinates
are never typed by hand; they follow the ZIP code.

Also the vocabularies of the store profile: the makes and the specialties a store picks."""

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

import zipcodes

ZIP_RE = re.compile(r"^\s*(\d{5})(?:-?\d{4})?\s*$")

MAKES = (
    "Acura", "Alfa Romeo", "Audi", "BMW", "Buick", "Cadillac", "Chevrolet", "Chrysler",
    "Dodge", "Fiat", "Ford", "Genesis", "GMC", "Honda", "Hyundai", "Infiniti", "Isuzu",
    "Jaguar", "Jeep", "Kia", "Land Rover", "Lexus", "Lincoln", "Lucid", "Maserati", "Mazda",
    "Mercedes-Benz", "MINI", "Mitsubishi", "Nissan", "Polestar", "Porsche", "Ram", "Rivian",
    "Subaru", "Tesla", "Toyota", "Volkswagen", "Volvo",
)  # fmt: skip
_MAKE_ALIASES = {"chevy": "Chevrolet", "vw": "Volkswagen", "mercedes": "Mercedes-Benz"}

SPECIALTIES = (
    "commercial", "fleet", "upfitted trucks", "trucks", "EV", "hybrid", "used",
    "certified pre-owned", "first car", "off-road", "luxury", "value",
)  # fmt: skip


@dataclass(frozen=True)
class Place:
    postal_code: str
    city: str
    region: str  # the state
    latitude: float
    longitude: float
    time_zone: str


def normalise_zip(value: str) -> str | None:
    match = ZIP_RE.match(value or "")
    return match.group(1) if match else None


@cache
def lookup_zip(value: str) -> Place | None:
    """The place of a US ZIP code (5 digits, ZIP+4 accepted), or None when it is unknown."""
    code = normalise_zip(value)
    if code is None:
        return None
    try:
        found = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    if not found:
        return None
    row = found[0]
    zone = row.get("timezone") or ""
    return Place(
        postal_code=code,
        city=row.get("city", "").title(),
        region=row.get("state", ""),
        latitude=float(row["lat"]),
        longitude=float(row["long"]),
        time_zone=zone if zone in available_timezones() else "",
    )


def clean_makes(values) -> list[str]:
    """Makes as typed ("ford, Chevy") → canonical names, in order, without repeats; a make
    not in the list is kept as typed (a store may sell a brand newer than this list)."""
    if isinstance(values, str):
        values = re.split(r"[,;\n]", values)
    known = {m.lower(): m for m in MAKES}
    out: list[str] = []
    for raw in values:
        name = " ".join(str(raw).split())
        if not name:
            continue
        name = _MAKE_ALIASES.get(name.lower()) or known.get(name.lower()) or name[:40]
        if name not in out:
            out.append(name)
    return out


def clean_list(values, *, limit: int = 40) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[,;\n]", values)
    out: list[str] = []
    for raw in values:
        name = " ".join(str(raw).split())[:limit]
        if name and name not in out:
            out.append(name)
    return out


def time_zone_choices() -> list[tuple[str, str]]:
    """US zones first (what a US store picks), then every other zone."""
    us = [
        "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
    ]  # fmt: skip
    rest = sorted(z for z in available_timezones() if z not in us and "/" in z)
    return [(z, z.replace("_", " ")) for z in us + rest]
