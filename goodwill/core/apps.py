from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces without models: tenancy middleware, access helpers, CLI, layout."""

    name = "goodwill.core"
    label = "core"

    def ready(self):
        from goodwill.core import checks  # noqa: F401, PLC0415 - registers the checks
