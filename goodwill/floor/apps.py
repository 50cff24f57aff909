from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class FloorConfig(AppConfig):
    name = "goodwill.floor"
    label = "floor"
    nav = [NavItem("Floor", "floor:board", key="floor", order=20)]
    verbose_name = "Showroom floor"
