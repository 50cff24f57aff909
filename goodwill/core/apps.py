from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces without models: tenancy middleware, access helpers, CLI, layout."""

    name = "goodwill.core"
    label = "core"
