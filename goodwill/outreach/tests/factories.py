"""Store B's ask objects for the tenancy walk: an ask and a hold on store B's customer."""

from datetime import datetime, timedelta

from django.utils import timezone

from goodwill.customers.actions import set_consent
from goodwill.outreach import actions
from goodwill.outreach.policy import store_zone


def daytime(days: int = 0, hour: int = 11):
    """A weekday-independent time of day, outside any default quiet hours, in store time."""
    zone = store_zone(None)
    day = (timezone.now() + timedelta(days=days)).astimezone(zone).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def store_b_objects(world) -> dict:
    set_consent(world.customer, "text", granted=True, method="in_person", acting_user=world.bob)
    ask = actions.record_ask(
        world.customer, "message", "text", by=world.bob, at=daytime(-1), source="test"
    )
    hold = actions.hold_asks(world.customer, "requested", by=world.bob)
    return {"ask_id": ask.public_id, "hold_id": hold.public_id}
