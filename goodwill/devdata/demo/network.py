"""Demo network: salespeople publish their cards, every store records a pro at every other
store (linked to their account) plus a couple of pros at stores not on Goodwill, and
proposes partnerships — most accepted, some declined, some still waiting."""

from goodwill.dealerships.models import User
from goodwill.network import actions
from goodwill.network.models import Partnership, Pro

NOTES = [
    "Met at the Chamber breakfast. Knows commercial upfits cold.",
    "Great with first-time buyers; patient on the phone.",
    "Prefers a text before a referral comes in.",
    "Walked their lot on a Tuesday: huge used inventory.",
    "",
]
TERMS = [
    "Our shoppers who want your make go to you, and yours to us.",
    "Commercial-truck buyers to us; Tacoma and Civic shoppers to you.",
    "Call before sending; thank-you note on every win.",
    "",
]
# Stores in the area that are not on Goodwill: referrals to them go by email with ADF.
EXTERNAL = [
    ("Round Rock Kia", "Kim", "Nguyen", ["Kia"], ["EV", "value"], 30.5083, -97.6789),
    ("Austin Mazda", "Raúl", "Ortega", ["Mazda"], ["used"], 30.2205, -97.7960),
    ("Cedar Park Volkswagen", "Greta", "Holm", ["Volkswagen"], ["EV"], 30.5050, -97.8200),
    ("Central Texas Isuzu Trucks", "Lonnie", "Bass", ["Isuzu"], ["commercial"], 30.3200, -97.6900),
    ("Georgetown GMC", "Patty", "Reyes", ["GMC"], ["trucks", "fleet"], 30.6400, -97.6900),
]
SELLERS = [User.Role.SALESPERSON, User.Role.SALES_MANAGER]


def _sellers(store):
    return list(
        User.objects.filter(dealership=store, role__in=SELLERS, is_active=True).order_by("id")
    )


def seed(*, rng, stores) -> str:
    cards = {}
    for store in stores:
        cards[store.id] = [
            actions.publish_card(u, specialties=store.specialties) for u in _sellers(store)[:2]
        ]
    pros = 0
    for store in stores:
        recorder = _sellers(store)[0]  # alice.ford at the Ford store
        for other in stores:
            if other.id == store.id:
                continue
            card = rng.choice(cards[other.id])
            pro = actions.record_pro(
                store, acting_user=recorder, linked_to=card, notes=rng.choice(NOTES)
            )
            pros += 1
            partnership = actions.propose_partnership(
                pro, acting_user=recorder, terms=rng.choice(TERMS)
            )
            roll = rng.random()
            if roll < 0.75:
                actions.answer_partnership(partnership, acting_user=card.user, accept=True)
            elif roll < 0.85:
                actions.answer_partnership(
                    partnership, acting_user=card.user, accept=False, reason="Not this quarter"
                )
        for name, first, last, makes, specialties, lat, lon in rng.sample(EXTERNAL, 2):
            pro = actions.record_pro(
                store,
                acting_user=recorder,
                store_name=name,
                first_name=first,
                last_name=last,
                title="Sales consultant",
                phone=f"(512) 555-01{rng.randint(10, 99)}",
                email=f"{first.lower()}@{name.lower().replace(' ', '')}.example".replace("ú", "u"),
                makes=makes,
                specialties=specialties,
                city="Austin",
                region="TX",
                latitude=lat,
                longitude=lon,
                notes=rng.choice(NOTES),
            )
            pros += 1
            partnership = actions.propose_partnership(pro, acting_user=recorder)
            if rng.random() < 0.6:
                actions.mark_agreed(partnership, acting_user=recorder)
    agreed = Partnership.objects.filter(status=Partnership.Status.AGREED).count()
    listed = Pro.objects.filter(listed=True).count()
    return f"network: {listed} published cards, {pros} pros, {agreed} agreed partnerships"
