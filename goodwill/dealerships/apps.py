from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class DealershipsConfig(AppConfig):
    name = "goodwill.dealerships"
    label = "dealerships"
    nav = [NavItem("Staff", "dealerships:staff", key="staff", order=90)]
