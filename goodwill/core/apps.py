from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces without models: tenancy middleware, access helpers, CLI, layout."""

    name = "goodwill.core"
    label = "core"

    def ready(self):
        from django.apps import apps  # noqa: PLC0415
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415
        from django.db.models.signals import post_migrate  # noqa: PLC0415

        from goodwill.core import checks, storewall  # noqa: F401, PLC0415 - registers the checks

        # Sign-in: the rest of the request acts for the new user's store (first of the
        # receivers: core is the first of the project's apps, so the audit entry is written
        # under it).
        user_logged_in.connect(storewall.signed_in, dispatch_uid="goodwill.storewall.signed_in")
        # Once per migrate (core has no models, so the signal comes for the store's app).
        post_migrate.connect(
            storewall.install_after_migrate,
            sender=apps.get_app_config("dealerships"),
            dispatch_uid="goodwill.storewall.install",
        )
