from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class RivalsConfig(AppConfig):
    name = "goodwill.rivals"
    label = "rivals"
    verbose_name = "What rivals offered"
    nav = [
        NavItem("Rivals", "rivals:report", key="rivals", order=35, roles=("is_manager",), more=True)
    ]
