from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class OutreachConfig(AppConfig):
    name = "goodwill.outreach"
    label = "outreach"
    verbose_name = "Outreach (asks and contacts)"
    nav = [
        NavItem("Asks", "outreach:asks", key="outreach", order=75, roles=("is_manager",), more=True)
    ]
