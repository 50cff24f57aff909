"""Vehicle Identification Number (VIN) normalisation, validation and decoding.

Pure Python, no Django: forms, the API and the CLI all call :func:`decode_vin`.

Two libraries do the decoding; this module only arbitrates between them:

* ``vin`` ships an offline SQLite snapshot of NHTSA vPIC (``vin/vehicle.db``).
  Its VDS patterns know the *brand* of a VIN even when the manufacturer code
  (WMI) is shared by several brands: 1C4 is Jeep, Chrysler or Dodge, 3C6 Ram
  or Jeep, KND Kia or Hyundai, KMH Hyundai or Genesis ... We read the same
  database through our own read-only connection (opened once, cached), and
  keep each WMI's patterns in memory after its first use. We do not call
  ``vin.VIN`` itself: it raises on any VIN whose check digit or model-year
  letter is not SAE-style, which many real European VINs are.
* ``vininfo`` knows the ISO world manufacturer list (manufacturer, country) and
  covers the non-US WMIs vPIC lacks. It names the manufacturer, not the brand,
  so on its own it gets shared WMIs wrong (it calls every 1C4 a Dodge).

The brand comes from vPIC's matched pattern when there is one, else from
vPIC's WMI when that WMI builds a single brand, else from vininfo.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from vininfo import Vin

__all__ = [
    "DecodedVin",
    "VinError",
    "canonical_make",
    "check_digit",
    "decode_vin",
    "normalise_vin",
]

VIN_LENGTH = 17
#: Shortest pre-1981 / non-standard serial accepted with ``allow_unvalidated``.
MIN_UNVALIDATED_LENGTH = 5
#: A WMI starting with one of these is North American (US, Canada, Mexico):
#: 49 CFR 565 makes the position-9 check digit mandatory there.
NORTH_AMERICA = frozenset("12345")

_ALLOWED = frozenset("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
_ALNUM = _ALLOWED | frozenset("IOQ")
# Spaces and dashes people paste from paperwork ("1HG CM826-33A004352").
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]+")
# Model-year letters (position 10), 1980-2009 cycle; the 2010-2039 cycle is +30.
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


class VinError(ValueError):
    """The VIN cannot be accepted; ``str(error)`` is a sentence for the user."""


@dataclass(frozen=True)
class DecodedVin:
    """What :func:`decode_vin` learnt; empty strings / None where it could not tell."""

    vin: str  # normalised: stripped, upper-case
    validated: bool  # a standard 17-character VIN that passed the checks
    make: str = ""  # brand as dealers say it: "Jeep", "Ram", "Kia", "Mercedes-Benz"
    model: str = ""  # "Wrangler", "F-150" when known
    year: int | None = None
    manufacturer: str = ""  # "FCA US LLC", or vininfo's manufacturer
    country: str = ""
    note: str = ""  # why unvalidated, or what was not checked


# --------------------------------------------------------------------------- brands

_BRANDS = (
    "Acura", "Alfa Romeo", "Alpine", "AM General", "Aston Martin", "Audi", "Bentley", "BMW",
    "Bugatti", "Buick", "BYD", "Cadillac", "Chevrolet", "Chrysler", "Citroen", "Cupra",
    "Dacia", "Daewoo", "Daihatsu", "Datsun", "DeLorean", "Dodge", "DS", "Eagle", "Ferrari",
    "Fiat", "Fisker", "Ford", "Freightliner", "Genesis", "Geo", "GMC", "Holden", "Honda",
    "Hummer", "Hyundai", "Infiniti", "International", "Isuzu", "Jaguar", "Jeep", "Karma",
    "Kia", "Koenigsegg", "Lada", "Lamborghini", "Lancia", "Land Rover", "Lexus", "Lincoln",
    "Lotus", "Lucid", "Mack", "Maserati", "Maybach", "Mazda", "McLaren", "Mercedes-Benz",
    "Mercury", "MG", "MINI", "Mitsubishi", "Nissan", "Oldsmobile", "Opel", "Pagani",
    "Peugeot", "Plymouth", "Polestar", "Pontiac", "Porsche", "Ram", "Renault", "Rivian",
    "Rolls-Royce", "Rover", "Saab", "Saturn", "Scion", "SEAT", "Skoda", "smart", "SsangYong",
    "Subaru", "Suzuki", "Tesla", "Toyota", "Vauxhall", "VinFast", "Volkswagen", "Volvo",
)  # fmt: skip
_ALIASES = {
    "alfa": "Alfa Romeo",
    "chevy": "Chevrolet",
    "fuji heavy industries": "Subaru",
    "land-rover": "Land Rover",
    "mercedes": "Mercedes-Benz",
    "mercedes benz": "Mercedes-Benz",
    "quattro": "Audi",  # WUA, Audi Sport GmbH
    "rolls royce": "Rolls-Royce",
    "vw": "Volkswagen",
}
_KNOWN_BRANDS = {b.casefold(): b for b in _BRANDS} | _ALIASES


def _fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Škoda ' -> 'skoda'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split()).casefold()


def _known_brand(name: str) -> str:
    """The brand a manufacturer/make string names, or "" if it names none.

    'Chevrolet USA' -> 'Chevrolet', 'Opel/Vauxhall' -> 'Opel',
    'Mercedes-Benz (Sprinter)' -> 'Mercedes-Benz', 'General Motors' -> ''.
    """
    text = re.sub(r"\(.*?\)", " ", name or "").split("/")[0]
    words = _fold(text).split()
    for n in range(len(words), 0, -1):
        if brand := _KNOWN_BRANDS.get(" ".join(words[:n])):
            return brand
    return ""


def canonical_make(name: str) -> str:
    """A make as dealers write it: 'RAM' -> 'Ram', 'MERCEDES-BENZ' -> 'Mercedes-Benz'.

    Unknown names are kept, title-cased when they arrive in capitals.
    """
    if brand := _known_brand(name):
        return brand
    text = " ".join((name or "").split())
    return text.title() if text.isupper() else text


# --------------------------------------------------------------------------- vPIC data


class _Wmi(NamedTuple):
    manufacturer: str
    make: str  # "" when vPIC links the WMI to several makes
    country: str
    light_vehicle: bool  # car, MPV or light truck: position 7 fixes the year cycle


class _Pattern(NamedTuple):
    """A vPIC VDS pattern ('.[FWX]1[CE]') as (offset, allowed characters) constraints."""

    vds: str
    constraints: tuple[tuple[int, str], ...]

    def matches(self, descriptor: str) -> bool:
        for offset, allowed in self.constraints:
            if offset >= len(descriptor) or descriptor[offset] not in allowed:
                return False
        return True


_db_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _connection() -> sqlite3.Connection:
    """Read-only connection to the vPIC snapshot bundled with the ``vin`` package.

    Located without importing ``vin`` (whose import opens its own connection).
    """
    spec = importlib.util.find_spec("vin")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the 'vin' package (NHTSA vPIC snapshot) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "vehicle.db"
    return sqlite3.connect(
        f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
    )


def _query(sql: str, args: tuple = ()) -> list[tuple]:
    with _db_lock:
        return _connection().execute(sql, args).fetchall()


@functools.lru_cache(maxsize=1)
def _wmis() -> dict[str, _Wmi]:
    rows = _query(
        """
        select wmi.code, manufacturer.name, coalesce(make.name, ''),
               coalesce(country.name, wmi.country, ''),
               wmi.vehicle_type_id in (2, 7)
               or (wmi.vehicle_type_id = 3 and coalesce(wmi.truck_type_id, 1) = 1)
        from wmi
        join manufacturer on manufacturer.id = wmi.manufacturer_id
        left join make on make.id = wmi.make_id
        left join country on country.alpha_2_code = wmi.country
        """
    )
    return {code: _Wmi(man, make, country, bool(light)) for code, man, make, country, light in rows}


@functools.cache  # bounded: vPIC has ~24,000 distinct patterns
def _parse_pattern(vds: str) -> _Pattern:
    """vPIC patterns use only literals, '.' and classes such as '[A-CX]'.

    Parsing them by hand is several times cheaper than ``re.compile`` (Ford's
    1FM alone has a thousand), which keeps the first decode of a WMI fast.
    """
    constraints = []
    for offset, (cls, char) in enumerate(_PATTERN_TOKEN.findall(vds)):
        if cls:
            constraints.append((offset, _expand_class(cls)))
        elif char != ".":
            constraints.append((offset, char))
    return _Pattern(vds, tuple(constraints))


_PATTERN_TOKEN = re.compile(r"\[([^\]]*)\]|(.)")
_RANGE = re.compile(r"(.)-(.)")


@functools.cache  # bounded like _parse_pattern
def _expand_class(cls: str) -> str:
    """'A-CX' -> 'ABCX'."""
    return _RANGE.sub(lambda m: "".join(map(chr, range(ord(m[1]), ord(m[2]) + 1))), cls)


class _WmiPatterns(NamedTuple):
    """A WMI's patterns, bucketed by what they allow at their most telling offset."""

    offset: int
    by_char: dict[str, tuple[_Pattern, ...]]
    wildcards: tuple[_Pattern, ...]  # patterns that allow anything at ``offset``

    def candidates(self, descriptor: str) -> Iterator[_Pattern]:
        yield from self.by_char.get(descriptor[self.offset], ())
        yield from self.wildcards


@functools.cache  # bounded: only the ~800 WMIs vPIC knows get here
def _patterns_of_known_wmi(wmi: str) -> _WmiPatterns:
    # Distinct patterns come from the (wmi, vds, ...) index alone: no table reads.
    patterns = [
        _parse_pattern(vds)
        for (vds,) in _query("select distinct vds from pattern where wmi = ?", (wmi,))
    ]
    allowed = [dict(p.constraints) for p in patterns]
    offset = min(range(5), key=lambda k: sum(k not in a for a in allowed))
    by_char: dict[str, list[_Pattern]] = {}
    wildcards = []
    for pattern, constraints in zip(patterns, allowed, strict=True):
        if offset in constraints:
            for char in constraints[offset]:
                by_char.setdefault(char, []).append(pattern)
        else:
            wildcards.append(pattern)
    return _WmiPatterns(offset, {c: tuple(ps) for c, ps in by_char.items()}, tuple(wildcards))


def _patterns(wmi: str) -> _WmiPatterns | None:
    """The VDS patterns vPIC has for one WMI, parsed once per process."""
    return _patterns_of_known_wmi(wmi) if wmi in _wmis() else None


class _Match(NamedTuple):
    from_year: int
    to_year: int
    make: str
    model: str
    specificity: int

    def rank(self) -> tuple[bool, int, int]:
        return (bool(self.model), self.specificity, self.from_year)


def _vpic_matches(vin: str) -> tuple[str, list[_Match]]:
    """The make/model rows of every vPIC pattern the VIN matches, all years."""
    wmi = vin[:3] + vin[11:14] if vin[2] == "9" else vin[:3]  # small makers: 6-char WMI
    descriptor = f"{vin[3:8]}|{vin[9:]}"  # how vPIC patterns address positions 4-8, 10-17
    patterns = _patterns(wmi)
    if patterns is None:
        return wmi, []
    matched = [p for p in patterns.candidates(descriptor) if p.matches(descriptor)]
    rows = _pattern_rows(wmi, tuple(p.vds for p in matched))
    return wmi, [_Match(*row, len(p.constraints)) for p in matched for row in rows.get(p.vds, ())]


_rows_cache: dict[tuple[str, str], tuple[tuple[int, int, str, str], ...]] = {}


def _pattern_rows(wmi: str, patterns: tuple[str, ...]) -> dict[str, tuple]:
    """(from_year, to_year, make, model) rows of some patterns of a WMI, memoised.

    The cache is bounded by the database: at most one entry per vPIC pattern.
    """
    if missing := [vds for vds in patterns if (wmi, vds) not in _rows_cache]:
        fetched: dict[str, list[tuple[int, int, str, str]]] = {vds: [] for vds in missing}
        for vds, *row in _query(
            f"""
            select pattern.vds, pattern.from_year, pattern.to_year, make.name,
                   coalesce(model.name, '')
            from pattern
            join make on make.id = pattern.make_id
            left join model on model.id = pattern.model_id
            where pattern.wmi = ? and pattern.vds in ({",".join("?" * len(missing))})
            """,  # nosec B608 # only `?` placeholders are joined in; values are parameters
            (wmi, *missing),
        ):
            fetched[vds].append(tuple(row))
        for vds, rows in fetched.items():
            _rows_cache[(wmi, vds)] = tuple(rows)
    return {vds: _rows_cache[(wmi, vds)] for vds in patterns}


# --------------------------------------------------------------------------- validation


def normalise_vin(raw: str) -> str:
    """Strip spaces and dashes and upper-case: ' 1hg-cm82633a004352 ' -> '1HGCM82633A004352'."""
    if raw is None:
        raise VinError("Please enter a VIN.")
    if not isinstance(raw, str):
        raise VinError(f"A VIN must be text, not {type(raw).__name__}.")
    return _SEPARATORS.sub("", raw).upper()


def check_digit(vin: str) -> str:
    """The SAE J853 / 49 CFR 565 check digit ('0'-'9' or 'X') of a 17-character VIN."""
    # Imported late on purpose: importing ``vin`` opens its SQLite database of makes.
    from vin import VIN  # noqa: PLC0415

    return VIN.calculate_check_digit(vin)


def _first_bad(vin: str, allowed: frozenset[str]) -> tuple[int, str] | None:
    return next(((i, c) for i, c in enumerate(vin, 1) if c not in allowed), None)


def _problem(vin: str) -> str | None:
    """Why ``vin`` is not a standard VIN (a user-facing sentence), or None."""
    if len(vin) != VIN_LENGTH:
        return f"VIN must be {VIN_LENGTH} characters; got {len(vin)}"
    if bad := _first_bad(vin, _ALLOWED):
        position, char = bad
        return f"VIN cannot contain the letters I, O or Q (found '{char}' at position {position})"
    if vin[0] in NORTH_AMERICA and (expected := check_digit(vin)) != vin[8]:
        return (
            f"Check digit is wrong: position 9 is '{vin[8]}', the VIN's letters give "
            f"'{expected}' — please re-check the VIN"
        )
    return None


def _hopeless(vin: str) -> str | None:
    """Errors that ``allow_unvalidated`` does not waive."""
    if not vin:
        return "Please enter a VIN."
    if bad := _first_bad(vin, _ALNUM):
        position, char = bad
        return f"VIN can only contain letters and digits (found '{char}' at position {position})"
    if len(vin) > VIN_LENGTH:
        return f"VIN must be {VIN_LENGTH} characters; got {len(vin)}"
    return None


# --------------------------------------------------------------------------- decoding


def decode_vin(raw: str, *, allow_unvalidated: bool = False) -> DecodedVin:
    """Validate ``raw`` and decode make, model, year, manufacturer and country.

    Raises :class:`VinError` (a ``ValueError`` with a user-facing message) when
    the VIN is not acceptable. With ``allow_unvalidated=True``, pre-1981 and
    other non-standard identifiers (5 to 16 letters and digits, I, O and Q
    allowed) are returned with ``validated=False`` and a ``note`` instead;
    nothing is decoded from them. 17-character VINs are always fully checked.
    """
    vin = normalise_vin(raw)
    if hopeless := _hopeless(vin):
        raise VinError(hopeless)
    if problem := _problem(vin):
        # Only identifiers that cannot be modern VINs are waived: a 17-character
        # VIN that fails a check is a typo, whatever the caller allows.
        if allow_unvalidated and MIN_UNVALIDATED_LENGTH <= len(vin) < VIN_LENGTH:
            return DecodedVin(
                vin=vin,
                validated=False,
                note=f"Unvalidated: {problem}. Accepted as a pre-1981 or non-standard VIN.",
            )
        raise VinError(problem)
    return _decode(vin)


def _decode(vin: str) -> DecodedVin:
    north_american = vin[0] in NORTH_AMERICA
    note = ""
    if not north_american and check_digit(vin) != vin[8]:
        note = (
            f"Check digit not verified: position 9 is '{vin[8]}', but VINs from outside "
            "North America need not carry one."
        )
    wmi, matches = _vpic_matches(vin)
    wmi_info = _wmis().get(wmi)
    make, model, year = _make_model_year(vin, matches, wmi_info, north_american)

    info = _vininfo(vin)
    vininfo_brand = _known_brand(info.manufacturer)
    if not make and wmi_info and wmi_info.make:  # the WMI builds a single brand
        make = wmi_info.make
        if not north_american and vininfo_brand and _fold(vininfo_brand) != _fold(make):
            make = vininfo_brand  # vPIC's WMI table is US-centric (VF1 -> "Eagle")
    return DecodedVin(
        vin=vin,
        validated=True,
        make=canonical_make(make or vininfo_brand),
        model=model,
        year=year,
        manufacturer=(wmi_info.manufacturer if wmi_info else "") or info.manufacturer,
        country=info.country or (wmi_info.country if wmi_info else ""),
        note=note,
    )


def _make_model_year(
    vin: str, matches: list[_Match], wmi_info: _Wmi | None, north_american: bool
) -> tuple[str, str, int | None]:
    """Make, model and year from the vPIC patterns the VIN matched.

    A pattern only holds for its model years, so the year letter picks the
    rows; where several rows apply, a row naming a model, then the most
    specific pattern, then the newest wins.
    """
    candidates = _year_candidates(vin, wmi_info, north_american)
    for year in candidates:
        if in_year := [m for m in matches if m.from_year <= year <= m.to_year]:
            best = max(in_year, key=_Match.rank)
            return (*_sub_brand(best.make, best.model), year)
    # Year letter unreadable, or a year the snapshot predates: trust the newest rows.
    year = candidates[0] if north_american and candidates else None
    if not matches:
        return "", "", year
    newest = max(m.to_year for m in matches)
    recent = [m for m in matches if m.to_year == newest]
    make = max(recent, key=_Match.rank).make
    models = {m.model for m in recent if m.make == make}
    return (*_sub_brand(make, models.pop() if len(models) == 1 else ""), year)


# vPIC files some sub-brands' models under the parent make ("Toyota" / "Scion xB").
_SUB_BRANDS = {"Toyota": ("Scion",), "Chevrolet": ("Geo",), "GMC": ("Geo",)}


def _sub_brand(make: str, model: str) -> tuple[str, str]:
    for brand in _SUB_BRANDS.get(make, ()):
        if model.startswith(brand + " "):
            return brand, model.removeprefix(brand + " ")
    return make, model


def _year_candidates(vin: str, wmi_info: _Wmi | None, north_american: bool) -> list[int]:
    """Model years position 10 may stand for, most likely first.

    For North American cars, MPVs and light trucks 49 CFR 565 settles the
    30-year cycle: a letter at position 7 means 2010-2039; a digit nearly
    always means 1980-2009. Otherwise the newer cycle comes first. Years
    after next year are dropped.
    """
    code = vin[9]
    if code not in _YEAR_CODES:
        return []
    early = 1980 + _YEAR_CODES.index(code)
    order = [early + 30, early]
    if north_american and wmi_info and wmi_info.light_vehicle:
        order = [early, early + 30] if vin[6].isdigit() else [early + 30]
    return [year for year in order if year <= date.today().year + 1]


class _VinInfo(NamedTuple):
    manufacturer: str = ""
    country: str = ""


def _vininfo(vin: str) -> _VinInfo:
    """vininfo's manufacturer and country ('' when it does not know the WMI)."""
    try:
        info = Vin(vin)
        manufacturer, country = info.manufacturer, info.country
    except Exception:  # a third-party parser: never let it break a valid VIN
        return _VinInfo()
    if manufacturer == "UnsupportedBrand":
        manufacturer = ""
    return _VinInfo(manufacturer or "", country or "")
