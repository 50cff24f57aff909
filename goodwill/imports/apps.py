from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class ImportsConfig(AppConfig):
    name = "goodwill.imports"
    label = "imports"
    nav = [
        NavItem("Import", "imports:list", key="imports", order=70, roles=("is_manager",), more=True)
    ]
    verbose_name = "Imports and exports"
