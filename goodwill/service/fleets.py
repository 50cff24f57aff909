"""A fleet at a glance: each vehicle's service history, days down and money lost to
downtime this year, maintenance due (by date or mileage) and what is in the shop now."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from goodwill.service.models import Fleet, RepairOrder, ServiceSettings, days_between
from goodwill.service.valuation import vehicle_class_of

DUE_SOON_DAYS = 30
DUE_SOON_MILES = 1000


@dataclass
class FleetVehicle:
    vehicle: object
    cost_per_day: int
    ros: list = field(default_factory=list)
    days_down: int = 0
    in_shop: object = None  # the open RO
    maintenance: str = ""  # "due", "soon" or ""
    maintenance_text: str = ""

    @property
    def money_lost(self) -> int:
        return self.days_down * self.cost_per_day


def summary(fleet: Fleet, *, now=None) -> dict:
    """Three queries whatever the fleet's size: vehicles with their facts, this year's and
    open ROs, the store's settings."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year_start = timezone.localtime(now).replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    rules = ServiceSettings.objects.filter(dealership_id=fleet.dealership_id).first()
    rules = rules or ServiceSettings()
    vehicles = list(
        fleet.customer.vehicles.select_related("service").order_by("year", "model", "id")
    )
    rows = {}
    for v in vehicles:
        facts = getattr(v, "service", None)
        cost = (
            (facts.downtime_cost_per_day if facts else None)
            or fleet.downtime_cost_per_day
            or rules.downtime_default(facts.vehicle_class if facts else vehicle_class_of(v.model))
        )
        row = FleetVehicle(v, cost)
        if facts and facts.maintenance_due_on:
            days = (facts.maintenance_due_on - today).days
            if days <= DUE_SOON_DAYS:
                row.maintenance = "due" if days <= 0 else "soon"
                row.maintenance_text = f"Maintenance due {facts.maintenance_due_on:%b %-d}"
        if facts and facts.maintenance_due_miles and v.mileage:
            left = facts.maintenance_due_miles - v.mileage
            if left <= DUE_SOON_MILES:
                row.maintenance = "due" if left <= 0 else (row.maintenance or "soon")
                row.maintenance_text = (
                    row.maintenance_text + " · " if row.maintenance_text else ""
                ) + f"due at {facts.maintenance_due_miles:,} mi ({v.mileage:,} now)"
        rows[v.pk] = row
    ros = (
        RepairOrder.objects.for_dealership(fleet.dealership_id)
        .filter(vehicle_id__in=list(rows), opened_at__gte=year_start - timedelta(days=365))
        .order_by("-opened_at", "-id")
    )
    for ro in ros:
        row = rows[ro.vehicle_id]
        row.ros.append(ro)
        if ro.is_open:
            row.in_shop = ro
            if ro.opened_at >= year_start:
                row.days_down += days_between(ro.opened_at, now)
        elif ro.opened_at >= year_start:
            row.days_down += ro.days_down
    listed = list(rows.values())
    return {
        "vehicles": listed,
        "days_down": sum(r.days_down for r in listed),
        "money_lost": sum(r.money_lost for r in listed),
        "in_shop": [r for r in listed if r.in_shop],
        "due": [r for r in listed if r.maintenance],
        "year": today.year,
    }
