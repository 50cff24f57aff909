from django.apps import AppConfig


class DealershipsConfig(AppConfig):
    name = "goodwill.dealerships"
    label = "dealerships"
