from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "goodwill.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
