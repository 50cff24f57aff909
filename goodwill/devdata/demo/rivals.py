"""Demo rival offers: what other stores offered the people who walked out (recorded against
the not-sold deal, most of them in the Fails Department's hands) and what referral partners
heard around town, through the real action. Payments follow the price, APR and term."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from goodwill.customers.models import Customer
from goodwill.floor.models import Deal
from goodwill.rivals.actions import record_offer

# Towns around Austin whose stores (fictional) cross-shop the demo's.
TOWNS = ["Round Rock", "Georgetown", "Cedar Park", "San Marcos", "Kyle", "Leander", "Bastrop"]
# make → (model, typical price) the rivals quote.
LINEUP = {
    "Ford": [("2025 F-150 XLT", 52900), ("2025 Explorer XLT", 43800), ("2025 Escape ST-Line", 33400)],
    "Chevrolet": [("2025 Silverado 1500 LT", 51800), ("2025 Equinox LT", 31900), ("2025 Traverse LT", 42600)],
    "Toyota": [("2025 RAV4 XLE", 34900), ("2025 Tacoma TRD Sport", 41200), ("2025 Camry SE", 31600)],
    "Honda": [("2025 CR-V EX", 34200), ("2025 Accord Sport", 32100), ("2025 Pilot EX-L", 45300)],
    "Hyundai": [("2025 Tucson SEL", 31800), ("2025 Santa Fe SEL", 37900), ("2025 Palisade SEL", 44600)],
    "Ram": [("2025 Ram 1500 Big Horn", 49900), ("2025 ProMaster 2500", 51200)],
    "Nissan": [("2025 Rogue SV", 32400), ("2025 Frontier SV", 37800), ("2025 Altima SV", 28900)],
    "Subaru": [("2025 Outback Premium", 33900), ("2025 Forester Premium", 32600)],
    "Kia": [("2025 Telluride EX", 44200), ("2025 Sportage EX", 32300)],
    "Jeep": [("2025 Grand Cherokee Laredo", 42900), ("2025 Wrangler Sport S", 39800)],
}  # fmt: skip
SOURCES = ["told", "told", "paper", "paper", "paper", "advert"]
DEAL_SHARE = 0.5  # of the not-sold deals, those where the customer named a rival's offer
NOTES = [
    "",
    "",
    "Says they will sign tomorrow unless we get closer.",
    "Rival threw in all-weather mats and tint.",
    "Includes a $1,000 conquest rebate we cannot match.",
    "Trade valued $1,500 higher than our appraisal.",
]


def _payment(price: Decimal, apr: Decimal, months: int) -> Decimal:
    rate = apr / Decimal(1200)
    if not rate:
        return (price / months).quantize(Decimal("1"))
    return (price * rate / (1 - (1 + rate) ** -months)).quantize(Decimal("1"))


def _rivals(store) -> list[tuple[str, str]]:
    """(rival store, make): the store's own makes a town over, and the makes its buyers
    cross-shop."""
    own = [m for m in store.makes if m in LINEUP] or ["Ford"]
    cross = [m for m in LINEUP if m not in store.makes]
    pairs = [(f"{town} {make}", make) for make in own for town in TOWNS[:3]]
    pairs += [(f"{town} {make}", make) for town, make in zip(TOWNS[2:], cross[:5], strict=False)]
    return pairs


def _offer_terms(rng, make: str) -> dict:
    vehicle, list_price = rng.choice(LINEUP[make])
    price = Decimal(round(list_price * rng.uniform(0.92, 0.99), -2))
    apr = Decimal(rng.choice(["0.9", "1.9", "2.9", "3.9", "4.9", "5.9", "6.9"]))
    months = rng.choice([60, 72, 72, 84])
    shape = rng.random()
    terms = {"vehicle": vehicle, "apr": apr}
    if shape < 0.45:  # a payment quote, the way most shoppers repeat it
        terms |= {"monthly_payment": _payment(price, apr, months), "term_months": months}
    elif shape < 0.75:
        terms |= {"price": price}
    else:
        terms |= {
            "price": price,
            "monthly_payment": _payment(price, apr, months),
            "term_months": months,
        }
    return terms


def seed(*, rng, stores) -> str:
    now = timezone.now()
    on_deals = from_partners = 0
    for store in stores:
        rivals = _rivals(store)
        lost = list(
            Deal.objects.for_dealership(store)
            .filter(outcome=Deal.Outcome.NOT_SOLD, closed_at__gte=now - timedelta(days=150))
            .select_related("customer", "salesperson")
            .order_by("closed_at", "id")
        )
        for deal in lost:
            if rng.random() > DEAL_SHARE:
                continue
            rival_store, make = rng.choice(rivals)
            closed = timezone.localtime(deal.closed_at, store.zone)
            record_offer(
                deal.customer,
                by=deal.salesperson,
                deal=deal,
                at=deal.closed_at,
                rival_store=rival_store,
                make=make,
                offered_on=closed.date() - timedelta(days=rng.randint(0, 3)),
                source=rng.choice(SOURCES),
                notes=rng.choice(NOTES),
                **_offer_terms(rng, make),
            )
            on_deals += 1
        partners = list(
            Customer.objects.for_dealership(store)
            .filter(relationship=Customer.Relationship.PARTNER)
            .select_related("salesperson")
            .order_by("id")[:4]
        )
        for partner in partners:
            by = partner.salesperson or (lost[0].salesperson if lost else None)
            if by is None:
                continue
            rival_store, make = rng.choice(rivals)
            when = now - timedelta(days=rng.randint(3, 120))
            record_offer(
                partner,
                by=by,
                at=when,
                rival_store=rival_store,
                make=make,
                offered_on=timezone.localtime(when, store.zone).date(),
                source="partner",
                source_detail=f"{partner.display_name} heard it from a customer",
                **_offer_terms(rng, make),
            )
            from_partners += 1
    total = on_deals + from_partners
    return f"rivals: {total} rival offers ({on_deals} on lost deals, {from_partners} from partners)"
