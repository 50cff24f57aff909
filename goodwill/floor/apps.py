from django.apps import AppConfig


class FloorConfig(AppConfig):
    name = "goodwill.floor"
    label = "floor"
    verbose_name = "Showroom floor"
