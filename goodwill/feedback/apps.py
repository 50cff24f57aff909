from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class FeedbackConfig(AppConfig):
    name = "goodwill.feedback"
    label = "feedback"
    verbose_name = "Feedback (surveys, promoters, recovery)"
    nav = [
        NavItem(
            "Surveys",
            "feedback:surveys",
            key="feedback",
            order=76,
            roles=("is_manager",),
            more=True,
        )
    ]

    def ready(self):
        # Imported here because models are not loaded when this module is: Django's
        # documented place to connect signal receivers.
        from goodwill.feedback import receivers  # noqa: PLC0415

        receivers.connect()
