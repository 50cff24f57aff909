"""The demo network: eight stores of different makes around Austin, TX, with staff in every
role and ~500 customers (some of them fleets), all created through the real actions."""

import random

from django.contrib.auth.hashers import make_password
from django.db import transaction

from goodwill.customers import actions as customer_actions
from goodwill.customers.models import Customer
from goodwill.dealerships import actions as store_actions
from goodwill.dealerships.models import Dealership, User
from goodwill.devdata import fake

DEMO_PASSWORD = "goodwill-demo"  # nosec B105 # the demo's published password for fictional staff
R = User.Role

STORES = [
    # code, name, makes, specialties, lat, lon, street, city
    (
        "ford",
        "Capital City Ford",
        ["Ford"],
        ["commercial", "upfitted trucks", "fleet"],
        30.3570,
        -97.7310,
        "8000 N Lamar Blvd",
        "Austin",
    ),
    (
        "toyota",
        "Hill Country Toyota",
        ["Toyota"],
        ["used", "hybrid"],
        30.2270,
        -97.7920,
        "4400 S Lamar Blvd",
        "Austin",
    ),
    (
        "honda",
        "Lone Star Honda",
        ["Honda"],
        ["used", "first car"],
        30.5080,
        -97.6780,
        "1200 N IH-35",
        "Round Rock",
    ),
    (
        "chevy",
        "Riverside Chevrolet",
        ["Chevrolet"],
        ["commercial", "fleet", "trucks"],
        30.2400,
        -97.7200,
        "2100 E Riverside Dr",
        "Austin",
    ),
    (
        "hyundai",
        "Bluebonnet Hyundai",
        ["Hyundai"],
        ["EV", "value"],
        30.4420,
        -97.6200,
        "1500 W Pecan St",
        "Pflugerville",
    ),
    (
        "cdjr",
        "Lakeway Chrysler Dodge Jeep Ram",
        ["Chrysler", "Dodge", "Jeep", "Ram"],
        ["commercial", "upfitted trucks", "off-road"],
        30.3630,
        -97.9790,
        "2000 Ranch Road 620 S",
        "Lakeway",
    ),
    (
        "nissan",
        "Pecan Street Nissan",
        ["Nissan"],
        ["used", "fleet"],
        30.6330,
        -97.6780,
        "900 S Austin Ave",
        "Georgetown",
    ),
    (
        "subaru",
        "Barton Creek Subaru",
        ["Subaru"],
        ["outdoor", "certified pre-owned"],
        30.2580,
        -97.8300,
        "3900 Bee Cave Rd",
        "Austin",
    ),
]

# (first, last, role) per store; the Ford store has the named personas of the docs.
FORD_STAFF = [
    ("Alice", "Moreno", R.SALESPERSON),
    ("Ben", "Carter", R.SALESPERSON),
    ("Carla", "Nguyen", R.SALESPERSON),
    ("Marco", "Delgado", R.SALES_MANAGER),
    ("Fiona", "Walsh", R.FAILS_SPECIALIST),
    ("Bea", "Tran", R.BDC_AGENT),
    ("Sam", "Okafor", R.SERVICE_ADVISOR),
    ("Sue", "Lindqvist", R.SERVICE_MANAGER),
    ("Dana", "Price", R.DEALER_ADMIN),
]
OTHER_ROLES = [R.SALESPERSON, R.SALESPERSON, R.SALES_MANAGER, R.SERVICE_ADVISOR, R.DEALER_ADMIN]
EXTRA_ROLES = [R.SALESPERSON, R.FAILS_SPECIALIST, R.BDC_AGENT, R.SERVICE_MANAGER, R.SALESPERSON]


def _staff_for(code: str, rng: random.Random):
    if code == "ford":
        return FORD_STAFF
    roles = OTHER_ROLES + EXTRA_ROLES[: rng.randint(0, 4)]
    return [(*fake.fake_person(rng), role) for role in roles]


def seed(*, rng: random.Random, customers_per_store: int = 62, stdout=None) -> None:
    used_phones: set[str] = set()
    # One hash for every demo login: hashing is slow on purpose, sixty times over adds up.
    password_hash = make_password(DEMO_PASSWORD)
    for code, name, makes, specialties, lat, lon, street, city in STORES:
        with transaction.atomic():
            store = store_actions.create_dealership(
                name=name,
                slug=code,
                makes=makes,
                specialties=specialties,
                departments=["sales", "service", "parts", "fails", "bdc"]
                + (["commercial"] if "commercial" in specialties else []),
                latitude=lat,
                longitude=lon,
                street=street,
                city=city,
                region="TX",
                phone=f"(512) 555-01{len(used_phones) % 90 + 10:02d}",
                time_zone="America/Chicago",
                # The demo's logins are for clicking around: no second factor asked. A store
                # made by `goodwill setup` requires one for dealer admins and managers.
                mfa_required_roles=[],
            )
            staff = []
            for first, last, role in _staff_for(code, rng):
                username = f"{first.lower()}.{code}"
                if User.objects.filter(username=username).exists():
                    username = f"{first.lower()}.{last.lower()}.{code}"
                staff.append(
                    store_actions.create_staff(
                        store,
                        username=username,
                        role=role,
                        first_name=first,
                        last_name=last,
                        email=f"{username}@example.com",
                    )
                )
            User.objects.filter(dealership=store).update(password=password_hash)
            _seed_customers(store, staff, rng, customers_per_store, used_phones)
        if stdout:
            stdout.write(f"  {name}: {len(staff)} staff, {customers_per_store} customers")


def _unique_phone(rng, used):
    for _ in range(50):
        number = fake.fake_phone(rng)
        if number not in used:
            used.add(number)
            return number
    return ""


def _seed_customers(store, staff, rng, count, used_phones):
    sellers = [s for s in staff if s.role in (R.SALESPERSON, R.SALES_MANAGER)]
    advisors = [s for s in staff if s.role in (R.SERVICE_ADVISOR, R.SERVICE_MANAGER)]
    admin = next(s for s in staff if s.role == R.DEALER_ADMIN)
    own_makes = store.makes
    for i in range(count):
        is_business = rng.random() < 0.12
        first, last = fake.fake_person(rng)
        relationship = rng.choices(
            ["customer", "prospect", "partner", "friend", "pro"], weights=[55, 30, 7, 5, 3]
        )[0]
        actor = rng.choice(sellers)
        fields = dict(
            kind="business" if is_business else "person",
            first_name=first,
            last_name=last,
            company_name=fake.fake_business(rng) if is_business else "",
            relationship="customer" if is_business else relationship,
            notes=rng.choice(
                [
                    "",
                    "",
                    "Prefers texts after 5pm.",
                    "Asked about trade-in value.",
                    "Referred by a friend.",
                ]
            ),
            **fake.fake_address(rng),
        )
        phones = {"mobile": _unique_phone(rng, used_phones)}
        if rng.random() < 0.2:
            phones["work" if is_business else "home"] = _unique_phone(rng, used_phones)
        emails = {"personal": fake.fake_email(rng, first, last, i)} if rng.random() < 0.85 else {}
        customer = customer_actions.create_customer(
            store,
            acting_user=actor,
            phones=phones,
            emails=emails,
            salesperson=actor if rng.random() < 0.85 else None,
            service_advisor=rng.choice(advisors) if advisors and rng.random() < 0.5 else None,
            confirm_new=True,  # fictional people with unique phones: nobody to match
            **fields,
        )
        for _ in range(rng.randint(3, 7) if is_business else rng.choice([0, 1, 1, 1, 2])):
            make = rng.choice(own_makes) if rng.random() < 0.7 else rng.choice(list(fake.CATALOG))
            make = make if make in fake.CATALOG else "Ram"
            year = rng.randint(2012, 2025)
            customer_actions.add_vehicle(
                customer,
                acting_user=actor,
                vin=fake.fake_vin(rng, make, year),
                year=year,
                make=make,
                model=rng.choice(fake.CATALOG[make][1]),
                mileage=rng.randint(3, 140) * 1000,
                color=rng.choice(["White", "Black", "Silver", "Gray", "Blue", "Red", ""]),
            )
        for channel in ("email", "text", "phone", "share"):
            if rng.random() < 0.6:
                customer_actions.set_consent(
                    customer,
                    channel,
                    granted=True,
                    method=rng.choice(["in_person", "paper", "web"]),
                    acting_user=actor,
                    wording="Okay to contact me about my vehicle and offers."
                    if channel != "share"
                    else "Okay to share my name and phone with a partner dealership you recommend.",
                )
        if rng.random() < 0.05:
            customer_actions.set_consent(
                customer, "text", granted=False, method="phone", acting_user=admin
            )


def logins_text() -> str:
    lines = [
        "",
        "Goodwill demo — every login's password is: " + DEMO_PASSWORD,
        f"{'store':34} {'username':24} role",
    ]
    staff = (
        User.objects.filter(dealership__isnull=False, is_active=True)
        .select_related("dealership")
        .order_by("dealership__name", "role", "username")
    )
    shown: dict[int, int] = {}
    for user in staff:
        # The Ford store is shown whole; other stores show one login per role kind.
        if user.dealership.slug != "ford":
            if shown.get(user.dealership_id, 0) >= 3 or user.role not in (
                R.DEALER_ADMIN,
                R.SALES_MANAGER,
                R.SALESPERSON,
            ):
                continue
            shown[user.dealership_id] = shown.get(user.dealership_id, 0) + 1
        lines.append(f"{user.dealership.name:34} {user.username:24} {user.get_role_display()}")
    lines.append(f"({Customer.objects.count()} customers in {Dealership.objects.count()} stores)")
    lines.append("")
    return "\n".join(lines)
