from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API's own plumbing: tokens, idempotency keys, the NinjaAPI instance."""

    name = "goodwill.api"
    label = "api"

    def ready(self):
        from goodwill.api import receivers  # noqa: F401, PLC0415 - connects signals
