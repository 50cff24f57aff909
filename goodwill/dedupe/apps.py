from django.apps import AppConfig


class DedupeConfig(AppConfig):
    name = "goodwill.dedupe"
    label = "dedupe"
    verbose_name = "Duplicates and merges"
