from django.apps import AppConfig


class FailsConfig(AppConfig):
    name = "goodwill.fails"
    label = "fails"
    verbose_name = "Fails Department"
