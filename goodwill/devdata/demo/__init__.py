"""`goodwill demo`: eight fictional stores around Austin, TX, and a history in every app.

The stores and their customers come first (`stores.py`); then each app's seeder adds its
data through the app's own actions, in the order the apps build on each other. A new app
adds a module here and a line to `APP_SEEDERS`."""

import random

from django.db import transaction

from goodwill.dealerships.models import Dealership
from goodwill.devdata.demo import (
    dedupe,
    feedback,
    floor,
    messaging,
    network,
    partners,
    referrals,
    rivals,
    service,
    stores,
)
from goodwill.devdata.demo.stores import DEMO_PASSWORD, logins_text
from goodwill.feedback.receivers import recording_history

# Each `seed(rng=…, stores=…) -> summary` runs in its own transaction, in this order.
APP_SEEDERS = (dedupe, network, referrals, partners, floor, rivals, service, feedback, messaging)

__all__ = ["DEMO_PASSWORD", "logins_text", "seed"]


def seed(*, seed: int = 7, customers_per_store: int = 62, stdout=None) -> None:
    rng = random.Random(seed)  # nosec B311 # fictional demo data, reproducible by seed
    with recording_history():  # the demo emails nobody, whatever day it is seeded
        stores.seed(rng=rng, customers_per_store=customers_per_store, stdout=stdout)
        every_store = list(Dealership.objects.order_by("id"))
        for module in APP_SEEDERS:
            with transaction.atomic():
                summary = module.seed(rng=rng, stores=every_store)
            if stdout and summary:
                stdout.write(f"  {summary}")
