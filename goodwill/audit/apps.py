from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class AuditConfig(AppConfig):
    """The audit log: who read, searched, exported, imported, merged, shared or changed what."""

    name = "goodwill.audit"
    label = "audit"
    verbose_name = "Audit log"
    nav = [
        NavItem("Audit", "audit:log", key="audit", order=97, roles=("is_dealer_admin",), more=True)
    ]

    def ready(self):
        from goodwill.audit import receivers  # noqa: F401, PLC0415 - connects signals
