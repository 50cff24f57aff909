"""Demo data: a few customers at the Ford store entered twice, the way it happens (a nickname,
a swapped name, a typo), plus a household member who must not be proposed; then one bulk
pass so the review screen has proposals to merge or dismiss."""

from goodwill.customers import actions as customer_actions
from goodwill.customers.models import Customer
from goodwill.dedupe.actions import run_dedupe

VARIANTS = [
    lambda c: {
        "first_name": {"Robert": "Bob", "William": "Bill", "James": "Jim"}.get(
            c.first_name, c.first_name[:-1] + c.first_name[-1] * 2
        ),
        "last_name": c.last_name,
    },
    lambda c: {"first_name": c.last_name, "last_name": c.first_name},
    lambda c: {"first_name": c.first_name, "last_name": c.last_name[:-1] or c.last_name},
]


def seed(*, rng, stores) -> str:
    store = next((s for s in stores if s.slug == "ford"), None)
    if store is None:
        return ""
    admin = store.staff.filter(role="admin").first()
    people = list(
        Customer.objects.for_dealership(store)
        .filter(kind=Customer.Kind.PERSON)
        .exclude(primary_phone="")
        .order_by("id")[:12]
    )
    made = 0
    for i, original in enumerate(people[:6]):
        names = VARIANTS[i % len(VARIANTS)](original)
        customer_actions.create_customer(
            store,
            acting_user=admin,
            phones={"mobile": original.primary_phone},
            street=original.street,
            city=original.city,
            region=original.region,
            postal_code=original.postal_code,
            reason="Entered again by the BDC",
            confirm_new=True,  # the BDC said "add as new": these are the duplicates to find
            **names,
        )
        made += 1
    if len(people) > 6:
        spouse_of = people[6]
        customer_actions.create_customer(
            store,
            acting_user=admin,
            first_name="Maria" if spouse_of.first_name != "Maria" else "Elena",
            last_name=spouse_of.last_name,
            phones={"home": spouse_of.primary_phone},
            street=spouse_of.street,
            city=spouse_of.city,
            postal_code=spouse_of.postal_code,
            reason="Household member",
            confirm_new=True,
        )
    run = run_dedupe(store, acting_user=admin)
    return f"duplicates: {made} entered twice at {store.name}, {run.clusters_found} proposed"
