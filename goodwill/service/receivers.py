"""How service answers the floor's signals (connected in `ServiceConfig.ready`).

Service sits above the floor: when the floor sells a vehicle (which is already the
customer's by then), service books its first service and introduces the customer's advisor.
Receivers run inside the sale's transaction."""

from goodwill.floor import signals
from goodwill.service import actions


def welcome_to_service(**kwargs):
    actions.welcome_to_service(**kwargs)


def connect() -> None:
    signals.vehicle_sold.connect(welcome_to_service, dispatch_uid="service.welcome")
