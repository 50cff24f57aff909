from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class ServiceConfig(AppConfig):
    name = "goodwill.service"
    label = "service"
    nav = [NavItem("Service", "service:home", key="service", order=25)]
    verbose_name = "Service"

    def ready(self):
        # Imported here because models are not loaded when this module is: Django's
        # documented place to connect signal receivers.
        from goodwill.service import receivers  # noqa: PLC0415

        receivers.connect()
