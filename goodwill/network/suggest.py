"""Find the right pro in seconds: candidates from my network and the Goodwill directory for
the wanted make, ranked by make, specialty, distance, acknowledgement speed, win rate and
reciprocity — each suggestion says why it ranks where it does.

Two statements whatever the size of the directory: the candidates (two index range scans of
`ProMake`, my network's by make and the directory's by make then a latitude band, in one
statement), then the open partnerships of the candidates from my network, if any."""

import math
import re
from dataclasses import dataclass, field

from goodwill.network.models import Partnership, Pro

MODELS = {
    "Ford": "f-150 f150 f-250 f250 f-350 f350 transit explorer escape bronco maverick ranger "
    "expedition mustang e-series super duty",
    "Toyota": "camry tacoma rav4 highlander tundra corolla sienna prius 4runner sequoia",
    "Honda": "accord civic cr-v crv pilot odyssey hr-v hrv ridgeline passport",
    "Chevrolet": "silverado equinox tahoe malibu colorado express traverse suburban bolt",
    "GMC": "sierra canyon yukon savana acadia",
    "Hyundai": "tucson santa fe elantra palisade sonata ioniq kona",
    "Kia": "sorento telluride sportage forte ev6 soul",
    "Ram": "promaster 1500 2500 3500",
    "Jeep": "wrangler grand cherokee compass gladiator cherokee",
    "Dodge": "durango charger challenger",
    "Chrysler": "pacifica",
    "Nissan": "altima rogue frontier pathfinder sentra titan leaf",
    "Subaru": "outback forester crosstrek ascent impreza",
    "Tesla": "model 3 model y",
    "Mazda": "cx-5 cx-50 mazda3",
    "Volkswagen": "jetta tiguan atlas id.4",
    "Lexus": "rx es nx",
    "BMW": "x3 x5",
    "Mercedes-Benz": "sprinter",
    "Isuzu": "npr",
}
ALIASES = {
    "chevy": "Chevrolet",
    "vw": "Volkswagen",
    "mercedes": "Mercedes-Benz",
    "benz": "Mercedes-Benz",
}
COMMERCIAL_MAKES = ["Ford", "Chevrolet", "Ram", "GMC", "Isuzu", "Mercedes-Benz"]
# wish words → specialties (as stores name them) and, when no make is named, likely makes.
KEYWORDS = [
    (
        r"upfit|box truck|service body|chassis cab|work truck|bucket truck|stake bed|dump",
        ["upfitted trucks", "commercial"],
        COMMERCIAL_MAKES,
    ),
    (r"commercial|fleet|business|cargo van|contractor", ["commercial", "fleet"], COMMERCIAL_MAKES),
    (r"daughter|son\b|teen|first car|student|graduat", ["first car", "used"], []),
    (r"\bev\b|electric", ["EV"], ["Tesla", "Hyundai", "Kia", "Ford", "Chevrolet"]),
    (r"hybrid", ["hybrid"], ["Toyota", "Honda", "Hyundai"]),
    (r"used|pre-owned|preowned|cheap|budget", ["used", "certified pre-owned", "value"], []),
    (r"off-road|offroad|4x4|trail", ["off-road", "outdoor"], ["Jeep", "Toyota", "Ford", "Subaru"]),
]
KNOWN_MAKES = {m.lower(): m for m in MODELS}


@dataclass
class Wish:
    makes: list[str] = field(default_factory=list)
    specialties: list[str] = field(default_factory=list)
    make_named: bool = False

    @property
    def summary(self) -> str:
        parts = []
        if self.makes:
            parts.append(("" if self.make_named else "likely ") + " / ".join(self.makes))
        if self.specialties:
            parts.append(", ".join(self.specialties))
        return " · ".join(parts)


def parse_wish(text: str, *, make: str = "", specialty: str = "") -> Wish:
    """ "a Toyota Tacoma" → Toyota; "upfitted box truck" → upfitted/commercial at truck makes."""
    wish = Wish()
    low = f" {text.lower()} "
    if make:
        wish.makes, wish.make_named = [KNOWN_MAKES.get(make.lower(), make.strip())], True
    else:
        for word, name in [*KNOWN_MAKES.items(), *ALIASES.items()]:
            if re.search(rf"\b{re.escape(word)}\b", low) and name not in wish.makes:
                wish.makes.append(name)
        if not wish.makes:
            for name, models in MODELS.items():
                if any(
                    re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", low)
                    for m in models.split()
                    if not m.isdigit()
                ):
                    wish.makes.append(name)
        wish.make_named = bool(wish.makes)
    if specialty:
        wish.specialties.append(specialty)
    likely = []
    for pattern, specialties, makes in KEYWORDS:
        if re.search(pattern, low):
            wish.specialties += [s for s in specialties if s not in wish.specialties]
            likely += [m for m in makes if m not in likely]
    if not wish.makes:
        wish.makes = likely
    return wish


@dataclass
class Suggestion:
    pro: Pro
    score: float
    why: list[str]
    distance_miles: float | None
    in_network: bool
    partnership: str = ""


def miles_between(lat1, lon1, lat2, lon2) -> float | None:
    if None in (lat1, lon1, lat2, lon2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(a))


def _candidates(dealership, makes: list[str], radius_miles: float, cap: int, nearest: int):
    """Two index range scans: my network's rows for the makes (dealership, make), then the
    directory's listed rows for the makes inside a latitude band (make, latitude), nearest
    first and only the `nearest` few of them — in a dense metro hundreds of cards sell a
    make, and building and scoring them all is what would cost time, not the scan. A store
    without coordinates gets the directory unbanded (still capped)."""
    lowered = [m.lower() for m in makes]
    lat, lon = dealership.latitude, dealership.longitude
    if lat is not None and lon is not None:
        dlat = radius_miles / 69.0
        squeeze = max(0.01, math.cos(math.radians(lat)))
        dlon = radius_miles / max(1.0, 69.0 * squeeze)
        directory = _DIRECTORY_BANDED
        near = [lat - dlat, lat + dlat, lon - dlon, lon + dlon]
        near += [lat, lat, lon, squeeze, lon, squeeze]
    else:
        directory, near = _DIRECTORY, []
    sql = _PROS.format(makes=", ".join(["%s"] * len(lowered)), directory=directory)
    params = [dealership.id, *lowered, cap, *lowered, dealership.id, *near, nearest]
    return list(Pro.objects.raw(sql, params))


# The pros of both scans in one statement, written out, and only the pros built. Measured
# with bench/bench_suggest.py's database (20,000 stores, 100,000 pros, 300 calls, load 12):
# two ORM queries building a ProMake and its Pro per row, 6.3 ms of CPU and 2.18 statements a
# call; the same two scans as a union inside one ORM query of pros, 5.8 ms and 1.18 (most of
# it building and compiling the querysets); this, 3.0 ms and 1.18, wall 10.4-11.0 ms against
# 19-22 ms. The same suggestions for 300 random stores, makes and wishes. Each scan is a
# derived table (its own ORDER BY and LIMIT inside a UNION, on SQLite as well); `{makes}` is
# placeholders only.
_PROS = """SELECT * FROM network_pro WHERE id IN (
SELECT pro_id FROM (
    SELECT m.pro_id FROM network_promake m JOIN network_pro p ON p.id = m.pro_id
    WHERE p.is_active AND m.dealership_id = %s AND m.make IN ({makes}) ORDER BY m.id LIMIT %s
) mine
UNION
SELECT pro_id FROM (
    SELECT m.pro_id FROM network_promake m JOIN network_pro p ON p.id = m.pro_id
    WHERE p.is_active AND m.listed AND m.make IN ({makes}) AND m.dealership_id <> %s
    {directory}
) near)"""
_DIRECTORY_BANDED = """AND m.latitude BETWEEN %s AND %s AND m.longitude BETWEEN %s AND %s
    ORDER BY (m.latitude - %s) * (m.latitude - %s)
        + ((m.longitude - %s) * %s) * ((m.longitude - %s) * %s), m.id LIMIT %s"""
_DIRECTORY = "ORDER BY m.id LIMIT %s"


def suggest(
    dealership,
    *,
    text: str = "",
    make: str = "",
    specialty: str = "",
    limit: int = 8,
    radius_miles: float = 60.0,
    nearest: int = 60,
) -> tuple[Wish, list[Suggestion]]:
    wish = parse_wish(text, make=make, specialty=specialty)
    if not wish.makes:
        return wish, []
    pros = {}
    for pro in _candidates(dealership, wish.makes, radius_miles, cap=400, nearest=nearest):
        # Our own store's cards are not suggestions for a referral out.
        if pro.store_id == dealership.id:
            continue
        pros.setdefault(pro.pk, pro)
    # A pro we already know shadows their directory card: our row has our figures and notes.
    known_users = {p.user_id for p in pros.values() if p.dealership_id == dealership.id}
    pros = {
        pk: p
        for pk, p in pros.items()
        if p.dealership_id == dealership.id or p.user_id not in known_users
    }
    partnerships = dict(
        Partnership.objects.filter(
            dealership_id=dealership.id,
            pro_id__in=[pk for pk, p in pros.items() if p.dealership_id == dealership.id],
            status__in=[Partnership.Status.AGREED, Partnership.Status.PROPOSED],
        ).values_list("pro_id", "status")
    )
    wanted_makes = {m.lower() for m in wish.makes}
    wanted_specialties = {s.lower() for s in wish.specialties}
    out = []
    for pro in pros.values():
        out.append(
            _score(
                pro, dealership, wanted_makes, wanted_specialties, wish, partnerships, radius_miles
            )
        )
    out.sort(key=lambda s: (-s.score, s.distance_miles or 9e9, s.pro.pk))
    return wish, out[:limit]


def _score(pro, dealership, makes, specialties, wish, partnerships, radius) -> Suggestion:
    why, score = [], 0.0
    sells = [m for m in pro.makes if m.lower() in makes]
    if sells:
        score += 40 if wish.make_named else 25
        why.append(f"Sells {', '.join(sells)}")
    matched = [s for s in pro.specialties if s.lower() in specialties]
    if matched:
        score += 20
        why.append(f"Specialty: {', '.join(matched)}")
    distance = miles_between(dealership.latitude, dealership.longitude, pro.latitude, pro.longitude)
    if distance is not None:
        score += 15 * max(0.0, 1 - distance / radius)
        why.append(f"{distance:.1f} mi away")
    if pro.ack_hours is not None:
        score += 10 * max(0.0, 1 - pro.ack_hours / 24)
        why.append(f"Acknowledges in {_hours(pro.ack_hours)} on average")
    else:
        score += 4
        why.append("No acknowledgements to measure yet")
    if pro.win_rate is not None:
        score += 10 * pro.win_rate
        why.append(f"Won {pro.won_count} of {pro.closed_count} referrals closed")
    else:
        score += 3
    in_network = pro.dealership_id == dealership.id
    if in_network:
        balance = pro.received_count - pro.sent_count
        score += 5 + max(-5, min(5, balance))
        if balance > 0:
            why.append(f"They sent us {pro.received_count}, we sent {pro.sent_count}: our turn")
        elif balance < 0:
            why.append(f"We sent {pro.sent_count}, they sent {pro.received_count}")
        elif pro.sent_count:
            why.append(f"Even: {pro.sent_count} each way")
    else:
        why.append("On Goodwill, not in your network yet")
    status = partnerships.get(pro.pk, "")
    if status == Partnership.Status.AGREED:
        score += 5
        why.append("Partner")
    return Suggestion(pro, round(score, 1), why, distance, in_network, status)


def _hours(h: float) -> str:
    return f"{round(h * 60)} min" if h < 1 else f"{h:.1f} h"
