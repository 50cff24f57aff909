"""Reading rival offers: a store's recent offers by rival store and make (the managers'
report), and the latest offers of the customers on one page (the Fails queue) in one query."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Avg, Count, Max, Min

from goodwill.rivals.models import RivalOffer, percent

PERIODS = (30, 90, 365)
DEFAULT_DAYS = 90


def recent(dealership, days: int):
    since = dealership.local_now().date() - timedelta(days=days)
    return RivalOffer.objects.for_dealership(dealership).filter(offered_on__gte=since)


def by_store_and_make(dealership, days: int = DEFAULT_DAYS) -> list[dict]:
    """One row per (rival store, make), most offers first: how many, to how many customers,
    the price and payment they quote (lowest and average), the best APR, the latest date."""
    rows = list(
        recent(dealership, days)
        .values("rival_store", "make")
        .annotate(
            offers=Count("id"),
            customers=Count("customer", distinct=True),
            low_price=Min("price"),
            avg_price=Avg("price"),
            low_payment=Min("monthly_payment"),
            avg_payment=Avg("monthly_payment"),
            best_apr=Min("apr"),
            latest=Max("offered_on"),
        )
        .order_by("-offers", "rival_store", "make")
    )
    for row in rows:
        row["best_apr_text"] = percent(row["best_apr"])
    return rows


def by_store(rows: list[dict]) -> list[dict]:
    """The (store, make) rows rolled up per rival store, for the bars above the table."""
    stores: dict[str, dict] = defaultdict(lambda: {"offers": 0, "makes": []})
    for row in rows:
        store = stores[row["rival_store"]]
        store["offers"] += row["offers"]
        store["makes"].append(row["make"])
    most = max((s["offers"] for s in stores.values()), default=0)
    out = [
        {"rival_store": name, **s, "share": round(100 * s["offers"] / most) if most else 0}
        for name, s in stores.items()
    ]
    return sorted(out, key=lambda s: (-s["offers"], s["rival_store"]))


def offers_for_customers(dealership, customer_ids, *, per_customer: int = 2) -> dict:
    """customer id → their newest offers (at most `per_customer`), one query for a page."""
    found: dict[int, list[RivalOffer]] = defaultdict(list)
    if not customer_ids:
        return found
    for offer in (
        RivalOffer.objects.for_dealership(dealership)
        .filter(customer_id__in=set(customer_ids))
        .order_by("customer_id", "-offered_on", "-id")
    ):
        if len(found[offer.customer_id]) < per_customer:
            found[offer.customer_id].append(offer)
    return found
