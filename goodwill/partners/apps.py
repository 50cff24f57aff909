from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "goodwill.partners"
    label = "partners"
    verbose_name = "Referral partners"

    def ready(self):
        # Imported here because models are not loaded when this module is: Django's
        # documented place to connect signal receivers.
        from goodwill.partners import receivers  # noqa: PLC0415

        receivers.connect()
