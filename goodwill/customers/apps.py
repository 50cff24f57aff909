from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class CustomersConfig(AppConfig):
    name = "goodwill.customers"
    label = "customers"
    nav = [NavItem("Customers", "customers:list", key="customers", order=10)]

    def ready(self):
        # Imported here because models are not loaded when this module is: Django's
        # documented place to connect signal receivers.
        from goodwill.customers.actions import hand_over_customers  # noqa: PLC0415
        from goodwill.dealerships.signals import staff_deactivating  # noqa: PLC0415

        staff_deactivating.connect(hand_over_customers, dispatch_uid="customers.hand_over")
