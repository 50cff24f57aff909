from django.apps import AppConfig


class OutsideConfig(AppConfig):
    name = "goodwill.outside"
    label = "outside"
    verbose_name = "Outside Goodwill (referrals from and to pros not on it, invitations)"

    def ready(self):
        # Imported here because models are not loaded when this module is: Django's
        # documented place to connect signal receivers.
        from goodwill.outside import receivers  # noqa: PLC0415

        receivers.connect()
