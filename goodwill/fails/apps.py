from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class FailsConfig(AppConfig):
    name = "goodwill.fails"
    label = "fails"
    nav = [NavItem("Fails", "fails:queue", key="fails", order=30)]
    verbose_name = "Fails Department"

    def ready(self):
        # Imported here because models are not loaded when this module is: Django's
        # documented place to connect signal receivers.
        from goodwill.fails import receivers  # noqa: PLC0415

        receivers.connect()
