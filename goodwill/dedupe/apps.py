from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class DedupeConfig(AppConfig):
    name = "goodwill.dedupe"
    label = "dedupe"
    nav = [
        NavItem(
            "Duplicates",
            "dedupe:review",
            key="dedupe",
            order=40,
            roles=("is_dealer_admin",),
            more=True,
        )
    ]
    verbose_name = "Duplicates and merges"
