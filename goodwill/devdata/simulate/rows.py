"""Rows of the simulated tables, generated per batch of customers (in worker processes:
pure Python over plain tuples, one named tuple per table whose fields are the model's columns)."""

from __future__ import annotations

import bisect
import json
import math
import random
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from goodwill.customers.models import (
    Assignment,
    Consent,
    Customer,
    CustomerEmail,
    CustomerEvent,
    CustomerPhone,
    Vehicle,
)
from goodwill.devdata import fake
from goodwill.devdata.simulate.vocabulary import (
    BUSINESS_WORDS,
    COLORS,
    CONSENT_CHANNELS,
    CONSENT_METHODS,
    CONSENT_WORDING,
    CORE_ROLES,
    CUSTOMER_NOTES,
    DAY,
    EXTRA_ROLES,
    FIRST_CUM,
    FIRST_NAMES,
    FLEET_MODELS,
    FLEET_NOTES,
    FRANCHISES,
    GENERIC_STREETS,
    HISTORY_DAYS,
    LAST_CUM,
    LAST_NAMES,
    METROS,
    RELATIONSHIP_CUM,
    RELATIONSHIPS,
    SELLER_WEIGHTS,
    SHARE_WORDING,
    STORE_STREETS,
    STORE_WORDS,
    slug_of,
)

# ---------------------------------------------------------------------------------------
# Tables: column order of the generated rows (child tables leave `id` to the sequence)
# ---------------------------------------------------------------------------------------


def row_type(model, *, with_id: bool):
    """A named tuple whose fields are the model's columns, in the model's order: the rows
    are built by column name, so a column added to the model fails here, loudly, instead of
    being written in the wrong place. Child tables leave `id` to their sequence."""
    columns = [f.column for f in model._meta.concrete_fields if with_id or not f.primary_key]
    return namedtuple(f"{model.__name__}Row", columns)


CustomerRow = row_type(Customer, with_id=True)
PhoneRow = row_type(CustomerPhone, with_id=False)
EmailRow = row_type(CustomerEmail, with_id=False)
VehicleRow = row_type(Vehicle, with_id=False)
ConsentRow = row_type(Consent, with_id=False)
AssignmentRow = row_type(Assignment, with_id=False)
EventRow = row_type(CustomerEvent, with_id=False)

# (key, model, columns), in load order.
TABLES = (
    ("customers", Customer, CustomerRow._fields),
    ("phones", CustomerPhone, PhoneRow._fields),
    ("emails", CustomerEmail, EmailRow._fields),
    ("vehicles", Vehicle, VehicleRow._fields),
    ("consents", Consent, ConsentRow._fields),
    ("assignments", Assignment, AssignmentRow._fields),
    ("events", CustomerEvent, EventRow._fields),
)
VIN_COLUMN = VehicleRow._fields.index("vin")


@dataclass(frozen=True)
class Dialect:
    """How values are spelled for the target: COPY text (PostgreSQL) or DB-API parameters."""

    null: object
    true: str
    false: str
    tz_suffix: str
    copy_text: bool


POSTGRESQL = Dialect(null="\\N", true="t", false="f", tz_suffix="+00", copy_text=True)
# Django stores aware datetimes in SQLite as naive UTC text, booleans as 0/1.
PARAMS = Dialect(null=None, true="1", false="0", tz_suffix="", copy_text=False)


# ---------------------------------------------------------------------------------------
# Plan: stores and staff (small; written with the ORM) and how customers spread over them
# ---------------------------------------------------------------------------------------


def _pick_weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights=weights)[0]


def plan_stores(n: int, *, seed: int, staff_per_store: int | None = None) -> list[dict]:
    """The stores and their staff as plain data (no database)."""
    rng = random.Random(f"goodwill-simulate:{seed}:stores")  # nosec B311 # fictional data, reproducible by seed
    stores = []
    names_seen: set[str] = set()
    for i in range(n):
        metro = _pick_weighted(rng, METROS, [m.weight for m in METROS])
        makes, specialties_pool, _ = _pick_weighted(rng, FRANCHISES, [f[2] for f in FRANCHISES])
        city = rng.choice(metro.cities[:4]) if rng.random() < 0.7 else rng.choice(metro.cities)
        makes_name = " ".join(makes) if len(makes) < 4 or makes[0] != "Ford" else "Auto Mall"
        name = None
        for prefix in [city, rng.choice(STORE_WORDS), *STORE_WORDS]:
            candidate = f"{prefix} {makes_name}"
            if candidate not in names_seen:
                name = candidate
                break
        name = name or f"{city} {makes_name} {i + 1}"
        names_seen.add(name)
        specialties = rng.sample(specialties_pool, k=rng.randint(1, min(3, len(specialties_pool))))
        area_code = metro.area_codes[0] if rng.random() < 0.6 else rng.choice(metro.area_codes)
        k = staff_per_store if staff_per_store is not None else rng.randint(4, 10)
        roles = list(CORE_ROLES[:k]) + [rng.choice(EXTRA_ROLES) for _ in range(k - len(CORE_ROLES))]
        staff = []
        for role in roles:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            staff.append({"first_name": first, "last_name": last, "role": role})
        stores.append(
            {
                "index": i,
                "name": name,
                "metro": METROS.index(metro),
                "makes": list(makes),
                "specialties": specialties,
                "departments": ["sales", "service", "parts", "fails", "bdc"]
                + (["commercial"] if {"commercial", "fleet"} & set(specialties) else []),
                "phone": f"({area_code}) 555-01{rng.randint(0, 99):02d}",
                "street": f"{rng.randint(100, 29999)} {rng.choice(STORE_STREETS)}",
                "city": city,
                "region": metro.state,
                "postal_code": f"{rng.choice(metro.zip_prefixes)}{rng.randint(0, 99):02d}",
                "latitude": round(metro.lat + rng.gauss(0, 0.12), 5),
                "longitude": round(metro.lon + rng.gauss(0, 0.14), 5),
                "salespeople_see_all": rng.random() < 0.8,
                "staff": staff,
                "weight": rng.lognormvariate(0, 0.6),
            }
        )
    return stores


def spread(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (largest remainders)."""
    if not weights:
        return []
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


# ---------------------------------------------------------------------------------------
# Customer rows (runs in worker processes: pure Python, no Django)
# ---------------------------------------------------------------------------------------


@dataclass
class Chunk:
    """A batch of customers of one store: everything a worker needs to generate its rows."""

    seed: str
    dealership_id: int
    metro: int
    makes: list[str]
    specialties: list[str]
    sellers: list[tuple[int, str, str]]  # (user id, display name, role)
    advisors: list[tuple[int, str]]
    admin_id: int
    customer_ids: list[int]
    anchor: int  # epoch seconds, midnight UTC of the run day
    dialect: Dialect
    set_based_fk_checks: bool = False


@dataclass
class ChunkRows:
    rows: dict[str, list] = field(default_factory=dict)  # table key → tuples (params dialect)
    text: dict[str, bytes] = field(default_factory=dict)  # table key → COPY text
    counts: dict[str, int] = field(default_factory=dict)
    vins: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


_DAY_CACHE: dict[int, str] = {}


def _ts(epoch: int, suffix: str) -> str:
    day, secs = divmod(epoch, DAY)
    text = _DAY_CACHE.get(day)
    if text is None:
        text = _DAY_CACHE[day] = date.fromordinal(719163 + day).isoformat()
    hours, rest = divmod(secs, 3600)
    return f"{text} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}{suffix}"


def _uuid4_hex(rng: random.Random) -> str:
    bits = rng.getrandbits(128)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    bits = (bits & ~(0xF000 << 64)) | (4 << 76)
    return f"{bits:032x}"


def _phone(rng: random.Random, area_codes, other_codes) -> str:
    area = rng.choice(area_codes) if rng.random() < 0.9 else rng.choice(other_codes)
    if rng.random() < 0.25:
        line = rng.randint(100, 199)  # 555-0100…0199: reserved for fiction
    else:
        line = rng.randint(200, 9999)  # the rest of 555: fictional-looking, still valid
        if line == 1212:  # directory assistance
            line = 1213
    return f"+1{area}555{line:04d}"


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(rng.choice(letters) for _ in range(3)) + f"{rng.randint(0, 9999):04d}"


def _json(value: dict, copy_text: bool) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if copy_text and "\\" in text:
        text = text.replace("\\", "\\\\")
    return text


def generate_chunk(chunk: Chunk) -> ChunkRows:
    """All rows of one batch of customers: deterministic for the chunk's seed."""
    rng = random.Random(chunk.seed)  # nosec B311 # fictional data, reproducible by seed
    # Public ids come from their own stream keyed by the row ids, so the same seed run twice
    # gives the same people without colliding on the unique public ids.
    id_rng = random.Random(f"{chunk.seed}:{chunk.customer_ids[0] if chunk.customer_ids else 0}")  # nosec B311 # fictional data, reproducible by seed
    d = chunk.dialect
    null, suffix, copy_text = d.null, d.tz_suffix, d.copy_text
    store = str(chunk.dealership_id)
    metro = METROS[chunk.metro]
    other_codes = [ac for m in METROS for ac in m.area_codes]
    own_makes = [m for m in chunk.makes if m in fake.CATALOG] or ["Ford"]
    all_makes = list(fake.CATALOG)
    commercial = bool({"commercial", "fleet", "upfitted trucks"} & set(chunk.specialties))
    business_share = 0.15 if commercial else 0.10
    streets = fake.STREETS if metro.name == "Austin" else GENERIC_STREETS
    seller_ids = [s for s in chunk.sellers]
    seller_cum = []
    total_w = 0
    for _, _, role in seller_ids:
        total_w += SELLER_WEIGHTS.get(role, 1)
        seller_cum.append(total_w)
    anchor = chunk.anchor
    first_day = anchor - HISTORY_DAYS * DAY
    this_year = datetime.fromtimestamp(anchor, UTC).year
    max_year = min(this_year + 1, max(fake.YEAR_CODES))
    admin_id = str(chunk.admin_id)

    customers, phones, emails, vehicles, consents, assignments, events = ([] for _ in range(7))
    vins_seen: set[str] = set()
    vins: list[str] = []
    choice, random_, randint = rng.choice, rng.random, rng.randint
    last_names, first_names = LAST_NAMES, FIRST_NAMES

    for customer_id in chunk.customer_ids:
        cid = str(customer_id)
        is_business = random_() < business_share
        first = first_names[bisect.bisect(FIRST_CUM, random_() * FIRST_CUM[-1])]
        last = last_names[bisect.bisect(LAST_CUM, random_() * LAST_CUM[-1])]
        if is_business:
            if metro.name == "Austin" and random_() < 0.5:
                company = fake.fake_business(rng)
            else:
                company = f"{choice(BUSINESS_WORDS)} {choice(fake.BUSINESS_KINDS)}"
            if random_() < 0.3:
                company = f"{last} {choice(fake.BUSINESS_KINDS)}"
            kind, relationship = "business", "customer"
            notes = choice(FLEET_NOTES)
        else:
            company = ""
            kind = "person"
            relationship = RELATIONSHIPS[bisect.bisect(RELATIONSHIP_CUM, random_() * 100)]
            notes = choice(CUSTOMER_NOTES)
        city = choice(metro.cities)
        street = f"{randint(100, 19999)} {choice(streets)} {choice(fake.STREET_KINDS)}"
        postal = f"{choice(metro.zip_prefixes)}{randint(0, 99):02d}"
        # Older customers are fewer: the store grew.
        created = (
            first_day + int(HISTORY_DAYS * math.sqrt(random_())) * DAY + randint(13, 26) * 3600
        )
        created = min(created + randint(0, 3599), anchor - 60)
        created_at = _ts(created, suffix)

        seller_id, seller_name, _ = seller_ids[bisect.bisect(seller_cum, random_() * total_w)]
        seller_id = str(seller_id)
        advisor = choice(chunk.advisors) if chunk.advisors and random_() < 0.35 else None

        # Phones: a mobile, sometimes a second line.
        mobile = _phone(rng, metro.area_codes, other_codes)
        phones.append(PhoneRow(dealership_id=store, customer_id=cid, number=mobile, label="mobile"))
        if random_() < 0.2:
            phones.append(
                PhoneRow(
                    dealership_id=store,
                    customer_id=cid,
                    number=_phone(rng, metro.area_codes, other_codes),
                    label="work" if is_business else "home",
                )
            )
        email = ""
        if random_() < 0.85:
            if is_business:
                local = (
                    first.lower() if random_() < 0.6 else choice(("office", "fleet", "info", "ap"))
                )
                email = f"{slug_of(local)}@{slug_of(company)}.example.com"
                label = "work"
            else:
                email = fake.fake_email(rng, first, last, 0 if random_() < 0.5 else randint(1, 99))
                label = "personal"
            emails.append(
                EmailRow(
                    dealership_id=store,
                    customer_id=cid,
                    address=email,
                    address_lower=email.lower(),
                    label=label,
                )
            )

        search_name = " ".join(p for p in (first, last, company) if p).lower()
        customers.append(
            CustomerRow(
                id=cid,
                dealership_id=store,
                public_id=_uuid4_hex(id_rng),
                kind=kind,
                first_name=first,
                middle_name="",
                last_name=last,
                company_name=company,
                relationship=relationship,
                street=street,
                city=city,
                region=metro.state,
                postal_code=postal,
                notes=notes,
                primary_phone=mobile,
                primary_email=email,
                search_name=search_name,
                salesperson_id=seller_id,
                service_advisor_id=str(advisor[0]) if advisor else null,
                created_by_id=seller_id,
                created_at=created_at,
                updated_at=created_at,
            )
        )

        # History, as the actions write it: created, then the assignments.
        changes = {"kind": ["", kind], "first_name": ["", first], "last_name": ["", last]}
        if company:
            changes["company_name"] = ["", company]
        changes |= {
            "relationship": ["", relationship],
            "street": ["", street],
            "city": ["", city],
            "region": ["", metro.state],
            "postal_code": ["", postal],
        }
        if notes:
            changes["notes"] = ["", notes]
        events.append(
            EventRow(
                dealership_id=store,
                customer_id=cid,
                actor_id=seller_id,
                at=created_at,
                verb="created",
                subject="",
                changes=_json(changes, copy_text),
                reason="",
            )
        )
        # Their salesperson (and advisor), with the event `customers.actions.assign` writes.
        people = [(Assignment.Role.SALES, "salesperson", seller_id, seller_name)]
        if advisor:
            people.append((Assignment.Role.SERVICE, "service_advisor", str(advisor[0]), advisor[1]))
        for role, attribute, user_id, name in people:
            assignments.append(
                AssignmentRow(
                    dealership_id=store,
                    customer_id=cid,
                    role=role.value,
                    user_id=user_id,
                    assigned_by_id=seller_id,
                    reason="New customer",
                    started_at=created_at,
                    ended_at=null,
                )
            )
            events.append(
                EventRow(
                    dealership_id=store,
                    customer_id=cid,
                    actor_id=seller_id,
                    at=created_at,
                    verb="assigned",
                    subject=role.label,
                    changes=_json({attribute: ["unassigned", name]}, copy_text),
                    reason="New customer",
                )
            )

        # Vehicles: 0-2 for people, 3-8 for fleets.
        n_vehicles = randint(3, 8) if is_business else (0, 1, 1, 1, 1, 2, 2)[randint(0, 6)]
        for _ in range(n_vehicles):
            make = choice(own_makes) if random_() < 0.7 else choice(all_makes)
            if is_business and make in FLEET_MODELS:
                model = choice(FLEET_MODELS[make])
            else:
                model = choice(fake.CATALOG[make][1])
            year = (
                randint(max_year - 14, max_year)
                if random_() < 0.5
                else randint(max_year - 6, max_year)
            )
            vin = fake.fake_model_year_vin(rng, make, year)
            while vin in vins_seen:
                vin = fake.fake_model_year_vin(rng, make, year)
            vins_seen.add(vin)
            vins.append(vin)
            color = choice(COLORS) if random_() < 0.9 else ""
            mileage = max(5, (this_year - year) * randint(6000, 18000) + randint(0, 5000))
            mileage = mileage // 10 * 10
            plate = _plate(rng) if random_() < 0.6 else ""
            added = (
                created if random_() < 0.6 else min(created + randint(1, 900) * DAY, anchor - 60)
            )
            added_at = _ts(added, suffix)
            vehicles.append(
                VehicleRow(
                    dealership_id=store,
                    public_id=_uuid4_hex(id_rng),
                    customer_id=cid,
                    vin=vin,
                    vin_validated=d.true,
                    year=str(year),
                    make=make,
                    model=model,
                    trim="",
                    color=color,
                    mileage=str(mileage),
                    plate=plate,
                    notes="",
                    created_at=added_at,
                )
            )
            vchanges = {
                "vin": ["", vin],
                "year": ["", str(year)],
                "make": ["", make],
                "model": ["", model],
            }
            if color:
                vchanges["color"] = ["", color]
            vchanges["mileage"] = ["", str(mileage)]
            if plate:
                vchanges["plate"] = ["", plate]
            events.append(
                EventRow(
                    dealership_id=store,
                    customer_id=cid,
                    actor_id=seller_id,
                    at=added_at,
                    verb="vehicle_added",
                    subject=f"{year} {make} {model}",
                    changes=_json(vchanges, copy_text),
                    reason="",
                )
            )

        # Consents, each with its history event; a few texts were withdrawn later.
        for channel, probability, label in CONSENT_CHANNELS:
            if random_() >= probability:
                continue
            method, method_label = CONSENT_METHODS[randint(0, 2) if random_() < 0.9 else 3]
            wording = SHARE_WORDING if channel == "share" else CONSENT_WORDING
            granted_changes = {
                "granted": ["", "True"],
                "method": ["", method_label],
                "wording": ["", wording],
            }
            events.append(
                EventRow(
                    dealership_id=store,
                    customer_id=cid,
                    actor_id=seller_id,
                    at=created_at,
                    verb="consent_granted",
                    subject=label,
                    changes=_json(granted_changes, copy_text),
                    reason="",
                )
            )
            if channel == "text" and random_() < 0.06:
                withdrawn = min(created + randint(1, 400) * DAY, anchor - 60)
                withdrawn_at = _ts(withdrawn, suffix)
                consents.append(
                    ConsentRow(
                        dealership_id=store,
                        customer_id=cid,
                        channel=channel,
                        granted=d.false,
                        method="phone",
                        wording="",
                        recorded_by_id=admin_id,
                        recorded_at=withdrawn_at,
                    )
                )
                events.append(
                    EventRow(
                        dealership_id=store,
                        customer_id=cid,
                        actor_id=admin_id,
                        at=withdrawn_at,
                        verb="consent_withdrawn",
                        subject=label,
                        changes=_json(
                            {"granted": ["True", "False"], "method": ["", "On the phone"]},
                            copy_text,
                        ),
                        reason="",
                    )
                )
            else:
                consents.append(
                    ConsentRow(
                        dealership_id=store,
                        customer_id=cid,
                        channel=channel,
                        granted=d.true,
                        method=method,
                        wording=wording,
                        recorded_by_id=seller_id,
                        recorded_at=created_at,
                    )
                )

    result = ChunkRows(vins=vins)
    tables = {
        "customers": customers,
        "phones": phones,
        "emails": emails,
        "vehicles": vehicles,
        "consents": consents,
        "assignments": assignments,
        "events": events,
    }
    for key, rows in tables.items():
        result.counts[key] = len(rows)
        if copy_text:
            result.text[key] = (
                ("\n".join(["\t".join(row) for row in rows]) + "\n").encode() if rows else b""
            )
        else:
            result.rows[key] = rows
    return result


def replace_vins(result: ChunkRows, renames: dict[str, str]) -> None:
    """Give new VINs to vehicles that clash with an earlier batch of the same store (rare)."""
    result.vins = [renames.get(v, v) for v in result.vins]
    for old, new in renames.items():
        if result.text:
            for key in ("vehicles", "events"):
                result.text[key] = result.text[key].replace(old.encode(), new.encode())
        else:
            result.rows["vehicles"] = [
                (*r[:VIN_COLUMN], new, *r[VIN_COLUMN + 1 :]) if r[VIN_COLUMN] == old else r
                for r in result.rows["vehicles"]
            ]
            result.rows["events"] = [
                (*r[:6], r[6].replace(old, new), *r[7:]) if old in r[6] else r
                for r in result.rows["events"]
            ]
