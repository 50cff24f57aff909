"""Demo referrals: a few hundred over the last six months, between the demo stores, to pros
not on Goodwill and inside each store, in every state — with thank-yous and rewards, so every
screen has something true to show. Nobody is emailed (notify=False)."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.customers.models import Customer
from goodwill.dealerships.models import User
from goodwill.network.models import Pro
from goodwill.network.suggest import COMMERCIAL_MAKES, MODELS
from goodwill.referrals import actions, thanks
from goodwill.referrals.models import Referral, Reward, ThankYou

S = Referral.Status
# Target state → how often; every state shows up at every store.
STATES = [
    (S.SENT, 10),
    (S.ACKNOWLEDGED, 10),
    (S.CONTACTED, 10),
    (S.APPOINTMENT, 10),
    (S.WON, 32),
    (S.LOST, 18),
    (S.RETURNED, 10),
]
PATH = {  # the steps that lead to each state
    S.SENT: [],
    S.ACKNOWLEDGED: ["acknowledge"],
    S.CONTACTED: ["acknowledge", "contact"],
    S.APPOINTMENT: ["acknowledge", "contact", "appointment"],
    S.WON: ["acknowledge", "contact", "appointment", "win"],
    S.LOST: ["acknowledge", "contact", "lose"],
    S.RETURNED: ["acknowledge", "send_back"],
}
LOST = ["Bought elsewhere", "Financing fell through", "Decided to wait a year", "No answer"]
BACK = ["Not a fit for us: wants a manual", "Out of our area", "Already our customer"]
INTERNAL = [
    ("service", "60k-mile service and new tires"),
    ("service", "brakes squeak"),
    ("sales", "wants to trade in at service"),
    ("parts", "running boards for the F-150"),
    ("commercial", "fleet of 6 vans"),
]
PER_STORE = 40
INTERNAL_PER_STORE = 6


def _interest(rng, pro) -> tuple[str, str]:
    make = rng.choice(pro.makes)
    models = MODELS.get(make, "").split()
    wishes = [f"a {make} {rng.choice(models).title()}" if models else f"a {make}"] * 3
    wishes += [f"a used {make}", f"a {make} for their daughter"]
    if make in COMMERCIAL_MAKES:
        wishes.append(f"an upfitted {make} box truck")
    return rng.choice(wishes), make


def _walk(referral, target, *, worker, rng, now):
    at = referral.sent_at
    for step in PATH[target]:
        at = min(now, at + timedelta(minutes=rng.randint(20, 60 * 30)))
        kwargs = {}
        if step == "win":
            kwargs["value"] = Decimal(rng.randrange(18_000, 72_000, 250))
            if rng.random() < 0.35:
                kwargs["reward_amount"] = Decimal(rng.choice([50, 100, 150, 250]))
        elif step == "lose":
            kwargs["reason"] = rng.choice(LOST)
        elif step == "send_back":
            kwargs["reason"] = rng.choice(BACK)
        elif step in ("contact", "appointment"):
            kwargs["note"] = rng.choice(["Called, left a message", "Texted", "Sat 10am", ""])
        actions.transition(referral, step, acting_user=worker, at=at, notify=False, **kwargs)
    if target == S.SENT and referral.ack_due_at and referral.ack_due_at < now:
        actions.remind(referral, at=referral.ack_due_at, notify=False)


def seed(*, rng, stores) -> str:
    now = timezone.now()
    counts = {s: 0 for s, _ in STATES}
    states, weights = zip(*STATES, strict=True)
    for store in stores:
        staff = list(User.objects.filter(dealership=store, is_active=True).order_by("id"))
        sellers = [u for u in staff if u.role in (User.Role.SALESPERSON, User.Role.SALES_MANAGER)]
        customers = list(Customer.objects.for_dealership(store).order_by("id"))
        partners = [c for c in customers if c.relationship in ("partner", "friend", "customer")]
        pros = list(Pro.objects.filter(dealership=store, listed=False, is_active=True))
        for i in range(PER_STORE):
            pro = rng.choice(pros)
            sender = sellers[0] if i % 3 == 0 else rng.choice(sellers)
            interest, make = _interest(rng, pro)
            referrer = rng.choice(partners) if rng.random() < 0.25 else None
            customer = rng.choice([c for c in customers if c != referrer])
            # Every state appears at every store; the rest follow the weights.
            target = states[i] if i < len(states) else rng.choices(states, weights)[0]
            referral = actions.send_referral(
                customer,
                acting_user=sender,
                pro=pro,
                interest=interest,
                make=make,
                source=rng.choices(["unprompted", "asked", "card"], [50, 30, 20])[0],
                referrer_kind=referrer.relationship if referrer else "staff",
                referrer_customer=referrer,
                direction_method="in_person" if rng.random() < 0.6 else "",
                at=now - timedelta(hours=rng.uniform(2, 24 * 180)),
                notify=False,
            )
            worker = pro.user or sender
            _walk(referral, target, worker=worker, rng=rng, now=now)
            counts[target] += 1
        for _ in range(INTERNAL_PER_STORE):
            department, interest = rng.choice(INTERNAL)
            if department not in store.departments:
                department = "service"
            target = rng.choices(states, weights)[0]
            referral = actions.send_referral(
                rng.choice(customers),
                acting_user=rng.choice(sellers),
                to_department=department,
                interest=interest,
                at=now - timedelta(hours=rng.uniform(2, 24 * 90)),
                notify=False,
            )
            worker = rng.choice([u for u in staff if u.pk != referral.sent_by_id])
            _walk(referral, target, worker=worker, rng=rng, now=now)
            counts[target] += 1
    _gratitude(rng)
    total = sum(counts.values())
    by_state = ", ".join(f"{n} {s}" for s, n in counts.items())
    return f"referrals: {total} ({by_state})"


def _send_thanks(task) -> None:
    """In Goodwill to a colleague or pro, else by email, else as a letter: whichever the
    outreach rules allow for the person (some demo customers gave no consent, some have no
    postal address: their note stays to do)."""
    # The day after the win, at noon in the US (outside every store's quiet hours).
    at = (task.referral.closed_at + timedelta(days=1)).replace(hour=18, minute=0)
    for method in thanks.methods_for(task):
        try:
            thanks.send_thank_you(
                task, method=method, acting_user=task.assigned_to, at=at,
                notify=False,
            )  # fmt: skip
        except ValidationError:
            continue
        return


def _gratitude(rng) -> None:
    """Most older thank-you notes written; rewards approved, paid or rejected by a manager."""
    for task in ThankYou.objects.select_related("referral", "assigned_to").order_by("id"):
        if task.referral.closed_at < timezone.now() - timedelta(days=7) and rng.random() < 0.7:
            _send_thanks(task)
    managers = {}
    for i, reward in enumerate(Reward.objects.order_by("id")):
        manager = managers.get(reward.dealership_id)
        if manager is None:
            manager = managers[reward.dealership_id] = (
                User.objects.filter(dealership_id=reward.dealership_id, role__in=User.MANAGER_ROLES)
                .order_by("id")
                .first()
            )
        step = i % 5  # every status shows up: waiting, rejected, approved, paid, paid
        if step == 0:
            continue
        if step == 1:
            actions.decide_reward(
                reward, acting_user=manager, decision="reject", note="Already our customer"
            )
            continue
        actions.decide_reward(reward, acting_user=manager, decision="approve")
        if step >= 3:
            actions.decide_reward(reward, acting_user=manager, decision="paid")
