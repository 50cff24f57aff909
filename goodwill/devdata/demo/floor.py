"""Demo floor history: about three months of ups, T.O.s, deals and Fails Department work per
store, written through the real actions with back-dated times so the manager's charts (which
read the events) tell a story: the internet brings the most ups, T.O.'d deals close more
often, and Fails recovers a good share of "payment too high" but few "just looking"."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from goodwill.customers.models import Customer
from goodwill.dealerships.models import User
from goodwill.fails import actions as fails_actions
from goodwill.fails.models import FailsCase
from goodwill.floor import actions
from goodwill.floor.models import ClockIn, FloorEvent, Up
from goodwill.floor.referral_links import open_referral_for, received

DAYS = 90
SOURCE_WEIGHTS = [
    ("internet", 34),
    ("walk_in", 26),
    ("phone", 16),
    ("be_back", 10),
    ("service", 8),
    ("referral", 6),
]
MODELS = {
    "Ford": ["F-150 XLT", "Escape ST-Line", "Bronco Sport", "Explorer", "Maverick", "Ranger"],
    "Toyota": ["Camry SE", "RAV4 XLE", "Tacoma TRD", "Highlander", "Corolla"],
    "Honda": ["CR-V EX", "Civic Sport", "Accord", "Pilot", "HR-V"],
    "Chevrolet": ["Silverado 1500", "Equinox", "Tahoe", "Colorado", "Traverse"],
    "Hyundai": ["Tucson", "Santa Fe", "Elantra", "Palisade", "Kona"],
    "Subaru": ["Outback", "Forester", "Crosstrek", "Ascent"],
    "Nissan": ["Rogue", "Altima", "Frontier", "Pathfinder"],
}


def _pick(rng, weighted):
    total = sum(w for _, w in weighted)
    n = rng.uniform(0, total)
    for value, w in weighted:
        n -= w
        if n <= 0:
            return value
    return weighted[-1][0]


def _vehicle(rng, store) -> str:
    make = (store.makes or ["Ford"])[0]
    models = MODELS.get(make) or MODELS["Ford"]
    return f"{rng.choice([2025, 2026, 2026])} {make} {rng.choice(models)}"


def seed(*, rng, stores) -> str:
    now = timezone.now()
    totals = {"ups": 0, "sold": 0, "fails": 0, "recovered": 0}
    for store in stores:
        staff = list(User.objects.filter(dealership=store, is_active=True).order_by("id"))
        sellers = [u for u in staff if u.role == User.Role.SALESPERSON]
        managers = [u for u in staff if u.role in User.MANAGER_ROLES and u.role != "service_mgr"]
        fails_people = [u for u in staff if u.role == User.Role.FAILS_SPECIALIST] or managers[:1]
        # The store's own customers come and come back: the demo adds none (its customer
        # count is the core demo's); those with an open referral are logged as referrals.
        customers = [
            c
            for c in Customer.objects.for_dealership(store).order_by("id")[:60]
            if not open_referral_for(store, c)
        ]
        if not sellers or not managers or not customers:
            continue
        reasons = actions.floor_settings(store).reasons()
        # Each salesperson closes at their own rate, so the chart differs by person.
        skill = {u.pk: rng.uniform(0.25, 0.5) for u in sellers}
        ups_per_store = rng.randint(45, 60)
        for _ in range(ups_per_store):
            day = now - timedelta(days=rng.randint(1, DAYS), hours=rng.randint(0, 8))
            at = day.replace(hour=rng.randint(10, 19), minute=rng.randint(0, 59))
            source = _pick(rng, SOURCE_WEIGHTS)
            seller = rng.choice(sellers)
            up = actions.log_up(
                store,
                acting_user=seller if source != "internet" else None,
                source=source,
                customer=rng.choice(customers),
                interest=_vehicle(rng, store),
                at=at,
            )
            # History is not a rotation replay: the up goes straight to the seller.
            deal = actions._start_deal(
                up, seller, acting_user=seller, at=at + timedelta(minutes=3), verb="up_taken"
            )
            _free(seller)
            totals["ups"] += 1
            turned = rng.random() < 0.55
            if turned:
                actions.turn_over(
                    deal,
                    to_user=rng.choice(managers),
                    to_role="manager",
                    acting_user=seller,
                    reason=rng.choice(["Price", "Trade numbers", "Payment", "Second opinion"]),
                    at=at + timedelta(minutes=40),
                )
            close_at = at + timedelta(minutes=rng.randint(60, 150))
            chance = skill[seller.pk] + (0.15 if turned else 0)
            if rng.random() < chance:
                actions.mark_sold(
                    deal,
                    acting_user=seller,
                    vehicle=_vehicle(rng, store),
                    gross=Decimal(rng.randrange(400, 3800, 50)),
                    at=close_at,
                )
                totals["sold"] += 1
                continue
            reason = rng.choice(reasons)
            actions.mark_not_sold(
                deal,
                acting_user=seller,
                reason=reason,
                notes=rng.choice(NOTES),
                at=close_at,
            )
            totals["fails"] += 1
            totals["recovered"] += _work_fails(rng, deal, fails_people, reason, close_at, now)
        _today(rng, store, sellers, customers, now)
    return (
        f"floor: {totals['ups']} ups, {totals['sold']} sold on the floor, {totals['fails']} "
        f"to fails ({totals['recovered']} recovered)"
    )


def _free(user) -> None:
    """Back-dated deals must not leave today's board thinking the seller is busy."""

    ClockIn.objects.filter(user=user).update(with_up=None)


RECOVERY = {  # how often Fails brings a reason back, so the chart has a shape
    "Payment too high": 0.55,
    "Trade value": 0.45,
    "Needs co-signer / credit": 0.35,
    "Wants to shop around": 0.3,
    "No vehicle in stock": 0.4,
    "Spouse / partner not present": 0.5,
    "Just looking": 0.1,
}


def _work_fails(rng, deal, fails_people, reason, failed_at, now) -> int:

    case = FailsCase.objects.get(deal=deal)
    claim_at = failed_at + timedelta(hours=rng.randint(1, 20))
    if claim_at > now - timedelta(hours=2) or rng.random() < 0.12:
        return 0  # still waiting in the queue
    specialist = rng.choice(fails_people)
    fails_actions.claim(case, specialist=specialist, at=claim_at)
    step_at = claim_at + timedelta(hours=rng.randint(2, 30))
    for kind, note in rng.sample(STEPS, k=rng.randint(1, 3)):
        if step_at > now:
            return 0
        fails_actions.add_step(case, kind, actor=specialist, notes=note, at=step_at)
        step_at += timedelta(hours=rng.randint(6, 60))
    if step_at > now or rng.random() < 0.15:
        return 0  # still being worked
    if rng.random() < RECOVERY.get(reason, 0.3):
        fails_actions.close(
            case,
            "recovered",
            actor=specialist,
            vehicle=_vehicle(rng, deal.dealership),
            gross=Decimal(rng.randrange(300, 2500, 50)),
            at=step_at,
        )
        return 1
    fails_actions.close(case, "lost", actor=specialist, reason=rng.choice(LOST_REASONS), at=step_at)
    return 0


def _today(rng, store, sellers, customers, now) -> None:
    """The board right now: most salespeople clocked in, a couple of ups waiting, one
    salesperson with a customer, appointments coming up."""
    start = now - timedelta(hours=3)
    on_floor = sellers[: max(2, len(sellers))]
    for n, user in enumerate(on_floor):
        actions.clock_in(user, at=start + timedelta(minutes=n))
    if len(on_floor) > 1:
        up = actions.log_up(
            store,
            acting_user=on_floor[0],
            source="walk_in",
            customer=customers[-1],
            interest=_vehicle(rng, store),
            at=now - timedelta(minutes=50),
        )
        actions.take_up(up, user=on_floor[0], at=now - timedelta(minutes=48))

    referral = received(store).filter(to_user__in=on_floor).first()
    if referral is not None:  # a referral from the network, waiting for its recipient
        actions.log_up(
            store,
            acting_user=on_floor[-1],
            source="referral",
            referral=referral,
            at=now - timedelta(minutes=25),
            notify=False,  # seeding: nobody is emailed
        )
    for n, source in enumerate(("internet", "phone")):
        actions.log_up(
            store,
            acting_user=on_floor[-1],
            source=source,
            customer=customers[-2 - n],
            interest=_vehicle(rng, store),
            at=now - timedelta(minutes=rng.randint(2, 20)),
        )
    local_now = timezone.localtime(now, store.zone)  # the store's business hours, not UTC's
    for k in range(3):
        actions.set_appointment(
            customers[k],
            salesperson=rng.choice(sellers),
            acting_user=rng.choice(sellers),
            starts_at=(local_now + timedelta(days=k + 1)).replace(
                hour=10 + 2 * k, minute=0, second=0, microsecond=0
            ),
            purpose=rng.choice(["Test drive", "Trade appraisal", "Sign the paperwork"]),
        )
    assert Up.objects.for_dealership(store).exists()  # nosec B101 # the demo checks its own seeding
    assert FloorEvent.objects.for_dealership(store).exists()  # nosec B101 # the demo checks its own seeding


NOTES = [
    "Loved the truck, payment came in $60 over budget.",
    "Wants to sleep on it, spouse drives it Saturday.",
    "Trade is upside down about $3k.",
    "Shopping the same unit at two other stores.",
    "Needs the blue one; we only have white in stock.",
    "",
]
STEPS = [
    ("call_back", "Called back, left a friendly voicemail."),
    ("new_numbers", "Longer term brings it to their budget."),
    ("another_vehicle", "Showed a lightly used one with the same options."),
    ("note", "Customer asked for a text next week."),
]
LOST_REASONS = ["Bought elsewhere", "Decided to keep the old car", "No longer answering", "Moved"]
