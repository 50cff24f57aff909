"""Demo referral partners, through the real actions: at every store a body shop and a fleet
manager who send the store customers (thanked by letter or email, some rewarded), and a
few partners who bought a vehicle after they started referring: customers now, and still
partners. The referrals seeder before this one already made a partner of every customer
credited with a referral. Nobody is emailed."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from goodwill.customers.actions import create_customer
from goodwill.customers.models import Customer
from goodwill.dealerships.models import User
from goodwill.floor import actions as floor
from goodwill.partners import actions
from goodwill.partners.models import Partner
from goodwill.referrals import actions as referrals
from goodwill.referrals import thanks
from goodwill.referrals.models import Referral, ThankYou

BUSINESSES = [
    ("Eastside Collision", Partner.Kind.BODY_SHOP, "Sends us cars their estimates total"),
    ("Hill Country Plumbing (fleet)", Partner.Kind.FLEET, "Fleet manager: 14 vans"),
]
INTERESTS = ["a replacement after a total loss", "a work van", "a family SUV", "a pickup"]
BUYERS_PER_STORE = 2


def seed(*, rng, stores) -> str:
    now = timezone.now()
    made, bought = 0, 0
    for store in stores:
        staff = list(User.objects.filter(dealership=store, is_active=True).order_by("id"))
        sellers = [u for u in staff if u.role == User.Role.SALESPERSON]
        if not sellers:
            continue
        referred = list(Customer.objects.for_dealership(store).order_by("id")[60:90])
        for n, (name, kind, note) in enumerate(BUSINESSES):
            business = create_customer(
                store,
                acting_user=sellers[0],
                kind=Customer.Kind.BUSINESS,
                company_name=name,
                relationship=Customer.Relationship.PARTNER,
                phones={"work": f"(512) 555-{190 + n:04d}"},  # 555-01xx: fiction
                street=f"{100 + 40 * n} Commerce Dr",
                city=store.city,
                region=store.region,
                postal_code=store.postal_code,
                reason="Demo partner",
                confirm_new=True,
            )
            since = now - timedelta(days=rng.randint(150, 300))
            actions.add_partner(
                store, acting_user=sellers[0], customer=business, kind=kind, note=note, at=since
            )
            made += 1
            for _ in range(rng.randint(2, 4)):
                if referred:
                    _referral(rng, store, business, referred.pop(), sellers, since, now)
        buyers = list(
            Partner.objects.filter(
                dealership=store,
                is_active=True,
                customer__relationship__in=("partner", "friend", "prospect"),
                became_customer_at__isnull=True,
            ).select_related("customer")[:BUYERS_PER_STORE]
        )
        for partner in buyers:
            seller = rng.choice(sellers)
            # In the past (at least two days ago): a sale recorded after the fact emails nobody.
            at = min(
                max(partner.since + timedelta(days=20), now - timedelta(days=40)),
                now - timedelta(days=2),
            )
            at = at.replace(hour=17, minute=rng.randint(0, 59))  # store hours in the US
            floor.clock_in(seller, at=at - timedelta(minutes=5))
            up = floor.log_up(
                store,
                acting_user=seller,
                source="referral",
                customer=partner.customer,
                designated_to=seller,
                interest="a new truck",
                at=at,
                notify=False,
            )
            deal = floor.take_up(up, user=seller, at=at + timedelta(minutes=2))
            floor.mark_sold(
                deal,
                acting_user=seller,
                vehicle="2026 Ford F-150 XLT",
                gross=Decimal(rng.randrange(800, 2600, 50)),
                at=at + timedelta(minutes=90),
            )
            floor.clock_out(seller, at=at + timedelta(hours=2))
            bought += 1
    total = Partner.objects.count()
    return f"partners: {total} ({made} businesses added, {bought} partners bought a vehicle)"


def _referral(rng, store, partner_customer, customer, sellers, since, now) -> None:
    sent = since + timedelta(days=rng.randint(1, max(2, (now - since).days - 2)))
    seller = rng.choice(sellers)
    others = [u for u in sellers if u.pk != seller.pk] or sellers
    referral = referrals.send_referral(
        customer,
        acting_user=seller,
        to_user=rng.choice(others),
        interest=rng.choice(INTERESTS),
        referrer_kind=Referral.Referrer.PARTNER,
        referrer_customer=partner_customer,
        at=sent,
        notify=False,
    )
    if sent > now - timedelta(days=3) or rng.random() < 0.3:
        return  # still open
    worker = referral.to_user
    referrals.transition(referral, "acknowledge", acting_user=worker, at=sent, notify=False)
    referrals.transition(
        referral,
        "win",
        acting_user=worker,
        value=Decimal(rng.randrange(24_000, 68_000, 250)),
        reward_amount=Decimal(rng.choice([100, 150, 250])),
        at=sent + timedelta(days=2),
        notify=False,
    )
    for task in ThankYou.objects.filter(referral=referral, status=ThankYou.Status.OPEN):
        try:  # the partner has a postal address: a letter on the store's letterhead
            thanks.send_thank_you(
                task,
                method=thanks.methods_for(task)[-1],
                acting_user=task.assigned_to,
                at=(sent + timedelta(days=3)).replace(hour=18, minute=0),
                notify=False,
            )
        except ValidationError:
            continue
