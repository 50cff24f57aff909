"""Comparing two people: the one scorer behind the entry-time warning, the bulk pass and the
benchmark.

A record is reduced to normalised fields (`Rec`); each pair of records is compared field by
field into agreement *levels* (exact, nickname, typo, different, missing …), and each level
carries a Fellegi–Sunter weight log2(m/u): m is how often true duplicates agree that way
(estimates from record-linkage practice), u how often random pairs do (estimated from the
data itself by `estimate_u`, as Splink does). Two rules sit on top, because the independence
assumption breaks exactly where customer data sets its traps:

- household members share surname, address, landline and often an email, but have different
  first names (and birth dates): a first-name conflict vetoes a match unless the names are
  swapped or one is a nickname of the other — when anything marks a second person
  (`second_person`): a contact point on either record, a conflicting birth date, or first
  names of different genders. Where only names and an address exist and the names could be
  one person's (same gender, or a gender unknown), the conflict is weighed like any other
  field instead: a first name typed wrong or replaced by another must not hide a duplicate
  that everything else agrees on;
- a conflicting birth date weighs heavily against a match.

String similarity comes from rapidfuzz, nicknames from the `nicknames` data set, the gender a
first name usually has from `gender-guesser`, phonetic keys from jellyfish; nothing here
measures distance by hand."""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from gender_guesser.detector import Detector as GenderDetector
from nicknames import NickNamer
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

_NON_ALPHA = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_STREET_WORDS = {
    "street": "st",
    "st.": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "boulevard": "blvd",
    "lane": "ln",
    "court": "ct",
    "circuit": "cct",
    "place": "pl",
    "crescent": "cres",
    "highway": "hwy",
    "parkway": "pkwy",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "apartment": "apt",
    "suite": "ste",
}
_COMPANY_SUFFIXES = {"inc", "llc", "ltd", "co", "corp", "corporation", "company", "the"}


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII with punctuation dropped: 'Núñez-Ortega' → 'nunez ortega'.

    Memoised (bounded): the names, streets and cities of a store repeat across the rows of
    an import and its candidates; folding them afresh was ~5 % of an import's CPU."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = _NON_ALPHA.sub(" ", text.lower().replace("-", " ").replace("'", ""))
    return _SPACES.sub(" ", text).strip()


def first_token(name: str) -> str:
    """'maria j' → 'maria'; 'j robert' keeps 'j robert' → 'robert' (a leading initial)."""
    tokens = fold(name).split()
    if not tokens:
        return ""
    if len(tokens) > 1 and len(tokens[0]) == 1:
        return tokens[1]
    return tokens[0]


@lru_cache(maxsize=200_000)
def street_key(street: str) -> str:
    words = [_STREET_WORDS.get(w, w) for w in fold(street).split()]
    return " ".join(words)


def company_key(name: str) -> str:
    return " ".join(w for w in fold(name).split() if w not in _COMPANY_SUFFIXES)


@lru_cache(maxsize=1)
def _nicknamer():
    return NickNamer()


@lru_cache(maxsize=50_000)
def name_family(first: str) -> frozenset[str]:
    """The name plus its canonical forms and nicknames: robert → {robert, bob, rob, bobby…}."""
    if not first or len(first) < 2:
        return frozenset([first]) if first else frozenset()
    nn = _nicknamer()
    family = {first} | nn.nicknames_of(first) | nn.canonicals_of(first)
    return frozenset(family)


@lru_cache(maxsize=50_000)
def canonical_first(first: str) -> str:
    """One stable representative of a name family, for blocking: bob/rob/robert → robert."""
    if not first:
        return ""
    canon = _nicknamer().canonicals_of(first)
    # A nickname can belong to several names (bill → william, but also robert in the data
    # set); the alphabetically first canonical keeps blocking deterministic.
    return min(canon) if canon else first


def names_are_nicknames(a: str, b: str) -> bool:
    return bool(a and b and (b in name_family(a) or a in name_family(b)))


# The customer columns a stored customer's record is built from, in `Rec.from_row`'s order
# (its phones, emails and VINs follow them in the row).
ROW_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "company_name",
    "street",
    "city",
    "region",
    "postal_code",
)


@dataclass(slots=True)
class Rec:
    """A record reduced to the fields that matter for matching, all normalised."""

    id: object
    first: str = ""
    last: str = ""
    company: str = ""
    phones: frozenset = field(default_factory=frozenset)
    emails: frozenset = field(default_factory=frozenset)
    vins: frozenset = field(default_factory=frozenset)
    street: str = ""
    street_number: str = ""
    city: str = ""
    region: str = ""
    postal: str = ""
    dob: str = ""
    source: int = 0

    @classmethod
    def build(
        cls,
        id,
        *,
        first_name="",
        last_name="",
        company_name="",
        phones=(),
        emails=(),
        vins=(),
        street="",
        street_number="",
        city="",
        region="",
        postal_code="",
        dob="",
        source=0,
    ) -> Rec:
        street = street_key(street)
        number = fold(street_number)
        if not number and street[:1].isdigit():
            number = street.split(" ", 1)[0]
        return cls(
            id=id,
            first=first_token(first_name),
            last=fold(last_name).replace(" ", ""),
            company=company_key(company_name),
            phones=frozenset(p for p in phones if p),
            emails=frozenset(e.lower() for e in emails if e),
            vins=frozenset(v.upper() for v in vins if v),
            street=street,
            street_number=number,
            city=fold(city),
            region=fold(region),
            postal=(postal_code or "").replace(" ", "")[:5].lower(),
            dob=(dob or "").replace("-", "").replace("/", ""),
            source=source,
        )

    @classmethod
    def from_row(cls, row) -> Rec:
        """A stored customer's record from a row in `ROW_FIELDS`' order: the customer's
        columns, then its phones, its emails (lower-cased) and its VINs, each a sequence —
        what `duplicates.REC_SELECT` returns and what the four-query loads put together."""
        cid, first, last, company, street, city, region, postal, phones, emails, vins = row
        return cls.build(
            cid,
            first_name=first,
            last_name=last,
            company_name=company,
            phones=phones,
            emails=emails,
            vins=vins,
            street=street,
            city=city,
            region=region,
            postal_code=postal,
        )


# --- comparison levels ------------------------------------------------------------------------
# Each comparison returns (level, reason-or-None). Levels are small strings; weights below.
MISSING = "missing"


def compare_first(a: Rec, b: Rec) -> str:
    if not a.first or not b.first:
        return MISSING
    if a.first == b.first:
        return "exact"
    if names_are_nicknames(a.first, b.first):
        return "nickname"
    if len(a.first) == 1 or len(b.first) == 1:
        return "initial" if a.first[0] == b.first[0] else "different"
    if JaroWinkler.similarity(a.first, b.first) >= 0.88:
        return "typo"
    return "different"


def compare_last(a: Rec, b: Rec) -> str:
    if not a.last or not b.last:
        return MISSING
    if a.last == b.last:
        return "exact"
    if JaroWinkler.similarity(a.last, b.last) >= 0.9 or Levenshtein.distance(a.last, b.last) <= 1:
        return "typo"
    # Hyphenated or double surnames: 'nunezortega' vs 'nunez'.
    if len(a.last) >= 4 and len(b.last) >= 4 and (a.last in b.last or b.last in a.last):
        return "partial"
    return "different"


def swapped_names(a: Rec, b: Rec) -> bool:
    return bool(
        a.first
        and a.last
        and a.first != a.last
        and JaroWinkler.similarity(a.first, b.last) >= 0.92
        and JaroWinkler.similarity(a.last, b.first) >= 0.92
    )


def compare_dob(a: Rec, b: Rec) -> str:
    if not a.dob or not b.dob or len(a.dob) != 8 or len(b.dob) != 8:
        return MISSING
    if a.dob == b.dob:
        return "exact"
    # Day and month swapped (04/02 vs 02/04), or one digit off: a typing slip, not a person.
    if a.dob[:4] == b.dob[:4] and a.dob[4:6] == b.dob[6:8] and a.dob[6:8] == b.dob[4:6]:
        return "close"
    # One digit off is a slip, except in the decade: 1950 vs 1970 is father and son.
    if Levenshtein.distance(a.dob, b.dob) <= 1 and a.dob[:3] == b.dob[:3]:
        return "close"
    return "different"


def _overlap(x: frozenset, y: frozenset) -> str:
    if not x or not y:
        return MISSING
    return "exact" if x & y else "different"


def _street_name(street: str, number: str) -> str:
    """The street without its number, spaces dropped: '89 longman st' → 'longmanst'."""
    if number and street.startswith(number):
        street = street[len(number) :]
    return street.replace(" ", "")


def compare_street(a: Rec, b: Rec) -> str:
    """exact; typo (one address spelt differently, or its words in another order); name
    (the same street, another number: a number mistyped, or a move down the road); different.
    """
    if not a.street or not b.street:
        return MISSING
    if a.street == b.street:
        return "exact"
    if a.street_number and a.street_number != b.street_number and b.street_number:
        name_a = _street_name(a.street, a.street_number)
        name_b = _street_name(b.street, b.street_number)
        if name_a and name_b and JaroWinkler.similarity(name_a, name_b) >= 0.9:
            return "name"
        return "different"
    if JaroWinkler.similarity(a.street, b.street) >= 0.9:
        return "typo"
    # '25 chisholm st lashbrooke' / '25 lashbrooke chisholm st': a locality typed first.
    if fuzz.token_sort_ratio(a.street, b.street) >= 85:
        return "typo"
    return "different"


def compare_exact_typo(x: str, y: str) -> str:
    if not x or not y:
        return MISSING
    if x == y:
        return "exact"
    if Levenshtein.distance(x, y) <= 1 or JaroWinkler.similarity(x, y) >= 0.92:
        return "typo"
    return "different"


def compare_company(a: Rec, b: Rec) -> str:
    if not a.company or not b.company:
        return MISSING
    if a.company == b.company:
        return "exact"
    return "typo" if JaroWinkler.similarity(a.company, b.company) >= 0.92 else "different"


COMPARISONS = {
    "first_name": compare_first,
    "last_name": compare_last,
    "dob": compare_dob,
    "phone": lambda a, b: _overlap(a.phones, b.phones),
    "email": lambda a, b: _overlap(a.emails, b.emails),
    "vin": lambda a, b: _overlap(a.vins, b.vins),
    "street": compare_street,
    "street_number": lambda a, b: compare_exact_typo(a.street_number, b.street_number),
    "city": lambda a, b: compare_exact_typo(a.city, b.city),
    "postal": lambda a, b: compare_exact_typo(a.postal, b.postal),
    "company": compare_company,
}

# m: P(level | same person). Estimates from record-linkage practice for data typed by people
# (typos in ~5-10 % of names, a few per cent missing, addresses that move).
M_PROBABILITIES = {
    "first_name": {
        "exact": 0.82,
        "nickname": 0.06,
        "typo": 0.08,
        "initial": 0.02,
        "different": 0.02,
    },
    "last_name": {"exact": 0.86, "typo": 0.1, "partial": 0.02, "different": 0.02},
    "dob": {"exact": 0.85, "close": 0.12, "different": 0.03},
    "phone": {"exact": 0.7, "different": 0.3},
    "email": {"exact": 0.75, "different": 0.25},
    "vin": {"exact": 0.6, "different": 0.4},
    "street": {"exact": 0.72, "typo": 0.14, "name": 0.03, "different": 0.11},
    "street_number": {"exact": 0.85, "typo": 0.07, "different": 0.08},
    "city": {"exact": 0.82, "typo": 0.1, "different": 0.08},
    "postal": {"exact": 0.85, "typo": 0.08, "different": 0.07},
    "company": {"exact": 0.8, "typo": 0.1, "different": 0.1},
}

# u: P(level | different people), the defaults used before the data has been looked at
# (e.g. the entry-time check). `estimate_u` replaces them from random pairs of the store.
DEFAULT_U = {
    "first_name": {
        "exact": 0.01,
        "nickname": 0.002,
        "typo": 0.01,
        "initial": 0.06,
        "different": 0.918,
    },
    "last_name": {"exact": 0.003, "typo": 0.003, "partial": 0.001, "different": 0.993},
    "dob": {"exact": 0.0002, "close": 0.002, "different": 0.9978},
    "phone": {"exact": 0.00001, "different": 0.99999},
    "email": {"exact": 0.00001, "different": 0.99999},
    "vin": {"exact": 0.000001, "different": 0.999999},
    "street": {"exact": 0.0005, "typo": 0.001, "name": 0.0005, "different": 0.998},
    "street_number": {"exact": 0.02, "typo": 0.03, "different": 0.95},
    "city": {"exact": 0.1, "typo": 0.01, "different": 0.89},
    "postal": {"exact": 0.01, "typo": 0.05, "different": 0.94},
    "company": {"exact": 0.001, "typo": 0.001, "different": 0.998},
}

# Prior log-odds that two records in a block are the same person; threshold on the total.
PRIOR = -12.0
THRESHOLD = 4.0
# A vetoed pair (household member, father and son) is shown, if at all, as unlikely.
VETOED = -1.0

REASONS = {
    ("first_name", "exact"): "same first name",
    ("first_name", "nickname"): "nickname ({a} / {b})",
    ("first_name", "typo"): "first name spelled alike ({a} / {b})",
    ("first_name", "initial"): "first initial matches",
    ("last_name", "exact"): "same last name",
    ("last_name", "typo"): "last name spelled alike ({a} / {b})",
    ("last_name", "partial"): "part of a double last name",
    ("dob", "exact"): "same birth date",
    ("dob", "close"): "birth date one slip apart",
    ("dob", "different"): "different birth dates",
    ("phone", "exact"): "same phone",
    ("email", "exact"): "same email",
    ("vin", "exact"): "same VIN",
    ("street", "exact"): "same street address",
    ("street", "typo"): "street address spelled alike",
    ("street", "name"): "same street, another number",
    ("postal", "exact"): "same ZIP",
    ("company", "exact"): "same company",
    ("company", "typo"): "company spelled alike",
}


class Weights:
    """log2(m/u) per field and level; a new instance per store once u is estimated."""

    def __init__(self, u=None, m=None):
        u = u or DEFAULT_U
        m = m or M_PROBABILITIES
        self.table = {
            name: {
                level: math.log2(max(m[name].get(level, 1e-6), 1e-6) / max(p, 1e-7))
                for level, p in u[name].items()
            }
            for name in m
        }

    def weight(self, name: str, level: str) -> float:
        if level == MISSING:
            return 0.0
        return self.table[name].get(level, 0.0)


DEFAULT_WEIGHTS = Weights()


@dataclass(slots=True)
class Comparison:
    score: float
    levels: dict
    vetoed: str = ""
    caution: str = ""  # a match that stands on weaker ground, said to whoever reviews it

    @property
    def probability(self) -> float:
        return 1.0 / (1.0 + 2.0 ** (-self.score))

    def reasons(self, a: Rec, b: Rec) -> list[str]:
        names = {"first_name": (a.first, b.first), "last_name": (a.last, b.last)}
        out = []
        swapped = self.levels.get("swapped")
        for (name, level), text in REASONS.items():
            if swapped and name in ("first_name", "last_name"):
                continue
            if self.levels.get(name) == level:
                x, y = names.get(name, ("", ""))
                out.append(text.format(a=x, b=y))
        if self.levels.get("swapped"):
            out.insert(0, "first and last name swapped")
        if self.vetoed:
            out.append(self.vetoed)
        if self.caution:
            out.append(self.caution)
        return out


@lru_cache(maxsize=1)
def _gender_detector():
    # Read on first use (~1 s, a table of 40,000 names): only a pair that the household
    # rule has to decide ever asks.
    return GenderDetector(case_sensitive=False)


@lru_cache(maxsize=50_000)
def name_gender(first: str) -> str:
    """'m', 'f' or '' (unknown, or used for both): the gender a first name usually has."""
    if not first or len(first) < 2:
        return ""
    guess = _gender_detector().get_gender(first)
    return {"male": "m", "mostly_male": "m", "female": "f", "mostly_female": "f"}.get(guess, "")


def second_person(a: Rec, b: Rec, levels: dict) -> str:
    """What marks two records with different first names, at one address under one surname,
    as two people of a household rather than one person entered twice; "" when nothing does.

    - A contact point on either record: a household shares the landline or each member has
      their own phone and email, and a record that has one is a person someone reached.
    - Birth dates that conflict.
    - First names of different genders: husband and wife, mother and son. A name typed
      wrong or swapped for another by a clerk (or a generator: FEBRL replaces a first name
      with a random one) keeps no such pattern, but a spouse nearly always has it.

    What is left is the same gender or an unknown one, and no contact point: a sibling or a
    parent and child of one gender can be proposed then, with the caution shown — a proposal
    for review, never a merge."""
    if a.phones or b.phones or a.emails or b.emails or a.vins or b.vins:
        return "contact points"
    if levels.get("dob") == "different":
        return "birth dates"
    gender_a, gender_b = name_gender(a.first), name_gender(b.first)
    if gender_a and gender_b and gender_a != gender_b:
        return "genders"
    return ""


def compare(a: Rec, b: Rec, weights: Weights = DEFAULT_WEIGHTS, fields=None) -> Comparison:
    levels = {}
    total = PRIOR
    swapped = False
    for name, fn in COMPARISONS.items():
        if fields is not None and name not in fields:
            continue
        level = fn(a, b)
        levels[name] = level
    if levels.get("first_name") == "different" and swapped_names(a, b):
        levels["first_name"] = levels["last_name"] = "exact"
        swapped = True
    for name, level in levels.items():
        total += weights.weight(name, level)
    levels["swapped"] = swapped
    vetoed = ""
    # Household trap: same surname, address, landline (even email), different first name.
    # Different people unless something only one person has ties them (VIN + email).
    # Only a shared birth date or VIN (things one person has) overrides that.
    caution = ""
    if (
        levels.get("first_name") == "different"
        and levels.get("vin") != "exact"
        and levels.get("dob") != "exact"
        and total > THRESHOLD - 1
    ):
        if second_person(a, b, levels):
            vetoed = "different first names (household member?)"
            total = min(total, VETOED)
        else:
            caution = "different first names, nothing but name and address to tell"
    # Same name and address but birth dates decades apart: father and son ("Jr."), unless
    # a contact point only one person has (email, VIN) ties them.
    if (
        levels.get("dob") == "different"
        and abs(int(a.dob[:4]) - int(b.dob[:4])) >= 15
        and levels.get("phone") == "exact"
        and levels.get("email") != "exact"
        and levels.get("vin") != "exact"
        and total > THRESHOLD - 1
    ):
        vetoed = "birth dates a generation apart"
        total = min(total, VETOED)
    # A business and a person at the same number are not the same record.
    return Comparison(score=total, levels=levels, vetoed=vetoed, caution=caution)


class Bound:
    """An upper bound of `compare(a, b, weights).score` from the cheap parts of a pair: the
    phone, email and VIN overlaps, the ZIPs, street numbers, cities and birth dates
    exactly; the first and last names at their best weight (0 when one is missing), the
    street at the best its cheap test leaves (exact when equal, at most "another number" when
    the numbers differ, else at most "typo"), the company likewise. Every weight is added at
    its largest and the vetoes only lower a total, so a pair whose bound is below a
    threshold cannot reach it in `compare`; held by a Hypothesis test against `compare`.

    Imports ask only "can this candidate reach likely?" (`duplicates.score_candidates(
    at_least=…)`): nine in ten of a row's candidates (a namesake found by its Soundex code,
    with another phone and ZIP) cannot. Measured on the 63,922 (row, candidate) pairs of a
    20,000-row import (`bench/bench_import.py`'s file, 10,000 customers): 6,213 kept, and
    `score_candidates` 59.6 → 22.8 µs a row (CPU, min of 5 runs, load 9–10)."""

    def __init__(self, weights: Weights = DEFAULT_WEIGHTS):
        t = weights.table
        self.weights = weights
        self.phone = (t["phone"]["exact"], t["phone"]["different"])
        self.email = (t["email"]["exact"], t["email"]["different"])
        self.vin = (t["vin"]["exact"], t["vin"]["different"])
        self.names = max(t["first_name"].values()) + max(t["last_name"].values())
        self.street_exact = t["street"]["exact"]
        self.street_renumbered = max(t["street"]["name"], t["street"]["different"])
        self.street_other = max(t["street"]["typo"], t["street"]["different"])
        self.company_exact = t["company"]["exact"]
        self.company_other = max(t["company"]["typo"], t["company"]["different"])
        self.exact_typo = {k: t[k] for k in ("postal", "street_number", "city")}
        self.unequal = {k: max(t[k]["typo"], t[k]["different"]) for k in self.exact_typo}

    def reaches(self, a: Rec, b: Rec, floor: float) -> bool:
        """False when `compare(a, b).score` is surely below `floor`. Two steps: equality
        tests only, then the ZIPs, street numbers and cities that differ at their levels
        (a rapidfuzz call each: ~1 µs, most of the bound's cost were they all asked)."""
        total = PRIOR
        if a.phones and b.phones:
            total += self.phone[0] if a.phones & b.phones else self.phone[1]
        if a.emails and b.emails:
            total += self.email[0] if a.emails & b.emails else self.email[1]
        if a.vins and b.vins:
            total += self.vin[0] if a.vins & b.vins else self.vin[1]
        if a.first and b.first and a.last and b.last:
            total += self.names
        elif (a.first and b.first) or (a.last and b.last):
            first_or_last = "first_name" if a.first and b.first else "last_name"
            total += max(self.weights.table[first_or_last].values())
        if a.street and b.street:
            if a.street == b.street:
                total += self.street_exact
            elif a.street_number and b.street_number and a.street_number != b.street_number:
                total += self.street_renumbered
            else:
                total += self.street_other
        if a.company and b.company:
            total += self.company_exact if a.company == b.company else self.company_other
        if a.dob and b.dob:
            total += self.weights.weight("dob", compare_dob(a, b))
        unequal = []
        for name, x, y in (
            ("postal", a.postal, b.postal),
            ("street_number", a.street_number, b.street_number),
            ("city", a.city, b.city),
        ):
            if x and y:
                if x == y:
                    total += self.exact_typo[name]["exact"]
                else:
                    total += self.unequal[name]
                    unequal.append((name, x, y))
        if total < floor:
            return False
        for name, x, y in unequal:
            total += self.exact_typo[name][compare_exact_typo(x, y)] - self.unequal[name]
            if total < floor:
                return False
        return True


DEFAULT_BOUND = Bound()


def estimate_u(recs: list[Rec], *, pairs: int = 20_000, seed: int = 1) -> dict:
    """u-probabilities from random pairs (almost all different people), smoothed by the
    defaults so a level that never occurs in the sample keeps a small positive chance."""
    rng = random.Random(seed)  # nosec B311 # statistical sampling of pairs, not a secret
    n = len(recs)
    if n < 50:
        return DEFAULT_U
    counts = {name: {} for name in COMPARISONS}
    for _ in range(pairs):
        a, b = recs[rng.randrange(n)], recs[rng.randrange(n)]
        if a is b:
            continue
        for name, fn in COMPARISONS.items():
            level = fn(a, b)
            if level != MISSING:
                counts[name][level] = counts[name].get(level, 0) + 1
    u = {}
    for name, default in DEFAULT_U.items():
        seen = counts[name]
        total = sum(seen.values())
        if total < 200:
            u[name] = default
            continue
        # Laplace-style smoothing towards the defaults, weighted like 50 observations.
        u[name] = {
            level: (seen.get(level, 0) + 50 * p) / (total + 50) for level, p in default.items()
        }
    return u
