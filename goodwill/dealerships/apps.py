from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class DealershipsConfig(AppConfig):
    name = "goodwill.dealerships"
    label = "dealerships"
    nav = [
        NavItem("Staff", "dealerships:staff", key="staff", order=90, more=True),
        NavItem(
            "Store",
            "dealerships:settings",
            key="store",
            order=92,
            roles=("is_dealer_admin",),
            more=True,
        ),
    ]
