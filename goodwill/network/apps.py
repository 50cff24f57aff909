from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class NetworkConfig(AppConfig):
    name = "goodwill.network"
    label = "network"
    nav = [NavItem("Pros", "network:list", key="network", order=60)]
    verbose_name = "Pro network"
