"""Demo service: eighteen months of repair orders for every store's customers and fleets —
the Ford store's upfitted trucks above all — run through the real rules, then the
opportunities walked into every state (not sent yet, with sales, being worked, sold, lost,
dismissed) for every rule, salespeople booking prospects into service with the specials, and
fleet downtime that adds up. Nobody is emailed (notify=False, no sale on the floor)."""

from datetime import timedelta
from decimal import Decimal
from itertools import cycle

from django.utils import timezone

from goodwill.customers import actions as customer_actions
from goodwill.customers.models import Customer
from goodwill.dealerships.models import User
from goodwill.devdata import fake
from goodwill.referrals import actions as referral_actions
from goodwill.service import actions, runner
from goodwill.service.models import Opportunity, RepairOrder, ServiceSpecial, ServiceVisit

DAYS = 540
COMPLAINTS = [
    ("CUST STATES CHECK ENGINE LIGHT ON", 145, 0),
    ("PERFORM 30K MAINTENANCE", 145, 210),
    ("A/C BLOWING WARM", 380, 980),
    ("NOISE FROM FRONT END OVER BUMPS", 640, 1210),
    ("TRANS SLIPPING WHEN COLD", 2875, 3410),
    ("BRAKES GRINDING", 320, 460),
    ("OIL CHANGE AND TIRE ROTATION", 90, 45),
    ("LIFTGATE INOP - UPFIT BODY", 380, 3410),
    ("ENGINE MISFIRE, LOW COMPRESSION CYL 4", 4200, 3900),
]
UPFITS = [
    (2019, "F-550 Box Truck"),
    (2021, "Transit 350 Upfit"),
    (2017, "F-350 Service Body"),
    (2014, "F-450 Stake Bed"),
    (2018, "F-150"),
    (2012, "E-350 Cutaway"),
]
SPECIALS = [
    ("Fleet oil change", "Synthetic blend, up to 7 qt, any truck in your fleet", "39.95"),
    ("Brake check", "Free inspection, 10 % off pads and rotors", None),
    ("Upfit body tune-up", "Liftgate, racks and lights checked on upfitted trucks", "129.00"),
]
STAGES = ["open", "referred", "working", "won", "lost", "dismissed"]
DISMISS = ["Just bought a new one elsewhere", "Customer loves the old truck", "Company vehicle"]
LOST = ["Bought elsewhere", "Decided to fix it", "Budget frozen this year"]


def _at(now, days_ago: int, hour: int):
    """`days_ago` days back at `hour` local time (never later than an hour ago for today)."""
    local = timezone.localtime(now) - timedelta(days=days_ago)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if days_ago <= 0 and at > now:
        return at if days_ago < 0 else now - timedelta(hours=1)
    return at


def _upfitted_fleet(store, rng, actor):
    """The Ford store's showcase fleet: upfitted trucks that spend too long in the shop."""
    fleet = customer_actions.create_customer(
        store,
        acting_user=actor,
        kind="business",
        company_name="Hill Country Plumbing LLC",
        first_name="Dale",
        last_name="Ruiz",
        relationship="customer",
        phones={"work": "(512) 555-0142"},
        emails={"work": "fleet@hcplumbing.example"},
        confirm_new=True,
    )
    for year, model in UPFITS:
        customer_actions.add_vehicle(
            fleet,
            acting_user=actor,
            vin=fake.fake_vin(rng, "Ford", year),
            year=year,
            make="Ford",
            model=model,
            mileage=rng.randint(40, 190) * 1000,
        )
    return fleet


def _history(store, customer, vehicle, *, rng, now, advisors, numbers, heavy=False):
    """A vehicle's visits over the last eighteen months, oldest first."""
    visits = rng.randint(4, 8) if heavy else rng.choice([1, 1, 2, 2, 3, 4])
    days = sorted((rng.randint(0, DAYS) for _ in range(visits)), reverse=True)
    if heavy and rng.random() < 0.5:  # a bad quarter: back three times in a few weeks
        days += [rng.randint(5, 25), rng.randint(26, 50)]
    mileage = vehicle.mileage or 60000
    for ago in sorted(set(days), reverse=True):
        complaint, labor, parts = rng.choice(COMPLAINTS)
        scale = Decimal(rng.uniform(0.7, 1.4)).quantize(Decimal("0.01"))
        opened = _at(now, ago, rng.randint(7, 10))
        # Fleet trucks wait for parts and upfit work: a week down is no surprise.
        down = rng.choice([1, 2, 3, 5, 8, 12]) if heavy else rng.choice([1, 1, 1, 2, 3])
        closed = None if ago < 2 else opened + timedelta(days=down, hours=rng.randint(1, 6))
        numbers[0] += 1
        actions.open_repair_order(
            customer,
            vehicle,
            acting_user=rng.choice(advisors),
            number=str(numbers[0]),
            complaint=complaint.capitalize(),
            labor=(Decimal(labor) * scale).quantize(Decimal("0.01")),
            parts=(Decimal(parts) * scale).quantize(Decimal("0.01")),
            mileage_in=max(1000, mileage - ago * 40),
            opened_at=opened,
            promised_at=opened + timedelta(hours=8),
            closed_at=closed,
            status="closed" if closed else rng.choice(["open", "working", "parts"]),
            run_rules=False,
        )


def _walk(opp, stage, *, rng, now, sellers):
    """Take one opportunity to `stage` through the real actions."""
    if stage == "open":
        return
    if stage == "dismissed":
        actions.dismiss(opp, acting_user=None, reason=rng.choice(DISMISS))
        return
    actions.refer(opp, notify=False)
    opp.refresh_from_db()
    referral = opp.referral
    if referral.status != "sent":  # it joined a referral sales already works
        return
    worker = referral.to_user or rng.choice(sellers)
    steps = {
        "referred": ["acknowledge"],
        "working": ["acknowledge", "contact"],
        "won": ["acknowledge", "contact", "appointment", "win"],
        "lost": ["acknowledge", "contact", "lose"],
    }[stage]
    for step in steps:
        referral_actions.transition(
            referral,
            step,
            acting_user=worker,
            value=Decimal(rng.randint(18, 62) * 1000) if step == "win" else None,
            reason=rng.choice(LOST) if step == "lose" else "",
            note="Came in about the service opportunity" if step == "contact" else "",
            notify=False,
        )


def seed(*, rng, stores) -> str:
    now = timezone.now()
    totals = {"ros": 0, "opportunities": 0, "visits": 0}
    for store in stores:
        staff = list(User.objects.filter(dealership=store, is_active=True).order_by("id"))
        advisors = [u for u in staff if u.role in User.SERVICE_ROLES]
        sellers = [u for u in staff if u.role == User.Role.SALESPERSON]
        manager = next((u for u in staff if u.is_manager), None)
        if not advisors or not sellers or manager is None:
            continue
        for title, text, price in SPECIALS:
            actions.save_special(
                store,
                acting_user=advisors[0],
                title=title,
                description=text,
                price=Decimal(price) if price else None,
                starts_on=timezone.localdate() - timedelta(days=rng.randint(20, 200)),
                ends_on=timezone.localdate() + timedelta(days=rng.randint(10, 90)),
            )
        numbers = [70000 + store.pk * 10000]
        customers = list(Customer.objects.for_dealership(store).order_by("id"))
        if "upfitted trucks" in store.specialties:
            customers.insert(0, _upfitted_fleet(store, rng, advisors[0]))
        share = 0.55 if store.slug == "ford" else 0.25
        for customer in customers:
            business = customer.kind == Customer.Kind.BUSINESS
            if not business and rng.random() > share:
                continue
            for vehicle in customer.vehicles.all():
                _history(
                    store,
                    customer,
                    vehicle,
                    rng=rng,
                    now=now,
                    advisors=advisors,
                    numbers=numbers,
                    heavy=business,
                )
            if business:
                actions.ensure_fleet(customer, acting_user=advisors[0])
        # Leases and warranties the store knows of, ending soon after a recent visit.
        recent = (
            RepairOrder.objects.for_dealership(store)
            .filter(opened_at__gte=now - timedelta(days=60))
            .select_related("vehicle", "customer")
        )
        for ro in list(recent)[:: max(1, recent.count() // 6 or 1)][:6]:
            field = rng.choice(["lease_ends_on", "warranty_ends_on"])
            facts = actions.facts_of(ro.vehicle)
            setattr(facts, field, (ro.opened_at + timedelta(days=rng.randint(20, 80))).date())
            facts.save(update_fields=[field])
        runner.run_store(store.pk, refer=False, notify=False)
        # Every rule's opportunities walked into every state, newest first.
        per_rule = 6  # six cover every stage; more would use up the vehicles other rules share
        walked: set[int] = set()  # one walk per vehicle: reasons about one share a referral
        raised = Opportunity.objects.filter(dealership=store, referral__isnull=True)
        # The scarcest rules pick their vehicles first (a fleet truck raises several).
        for rule in sorted(Opportunity.Rule.values, key=lambda r: raised.filter(rule=r).count()):
            stages = cycle(rng.sample(STAGES, len(STAGES)))
            done = 0
            for opp in Opportunity.objects.filter(
                dealership=store, rule=rule, referral__isnull=True
            ).order_by("-repair_order__opened_at", "-id")[:400]:
                if done >= per_rule or opp.vehicle_id in walked:
                    continue
                walked.add(opp.vehicle_id)
                _walk(opp, next(stages), rng=rng, now=now, sellers=sellers)
                done += 1
        # The advisors' own referrals, by hand from the RO.
        for ro in RepairOrder.objects.for_dealership(store).filter(
            opportunities__isnull=True, opened_at__gte=now - timedelta(days=20)
        )[:3]:
            opp = actions.refer_by_hand(
                ro,
                acting_user=ro.advisor or advisors[0],
                note="Asked what a new one would cost",
                notify=False,
            )
            _walk(
                opp, rng.choice(["referred", "working", "won"]), rng=rng, now=now, sellers=sellers
            )
        # Salespeople prospecting through the service drive, with the specials.
        specials = list(ServiceSpecial.objects.for_dealership(store))
        prospects = [c for c in customers if c.relationship == "prospect"][:12]
        for i, prospect in enumerate(prospects):
            when = _at(now, rng.randint(-10, 120), rng.randint(8, 15))
            visit = actions.book_visit(
                prospect,
                acting_user=rng.choice(sellers),
                scheduled_for=when,
                reason="Not ready to buy: first service with us",
                special=specials[i % len(specials)] if specials else None,
                backdated=True,
            )
            totals["visits"] += 1
            vehicle = prospect.vehicles.first()
            if when < now and vehicle is not None and rng.random() < 0.7:
                numbers[0] += 1
                actions.open_repair_order(
                    prospect,
                    vehicle,
                    acting_user=rng.choice(advisors),
                    number=str(numbers[0]),
                    complaint="Oil change and multi-point inspection",
                    labor=Decimal(rng.randint(60, 400)),
                    parts=Decimal(rng.randint(20, 600)),
                    opened_at=when,
                    closed_at=when + timedelta(hours=3),
                    status="closed",
                    run_rules=False,
                )
            elif when < now:
                actions.set_visit_status(
                    visit, ServiceVisit.Status.NO_SHOW, acting_user=visit.booked_by
                )
        totals["ros"] += RepairOrder.objects.for_dealership(store).count()
        totals["opportunities"] += Opportunity.objects.for_dealership(store).count()
    return (
        f"service: {totals['ros']} repair orders, {totals['opportunities']} opportunities, "
        f"{totals['visits']} visits booked by sales"
    )
