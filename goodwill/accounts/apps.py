from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class AccountsConfig(AppConfig):
    """Signing in and what proves who you are: the first-run page, two-step sign-in with an
    authenticator app, throttling, session limits, passwords, API tokens; and the API of
    the store and its invitations (`dealerships` sits below the API layer)."""

    name = "goodwill.accounts"
    label = "accounts"
    nav = [NavItem("Account", "accounts:account", key="account", order=95, more=True)]

    def ready(self):
        from goodwill.accounts import receivers  # noqa: F401, PLC0415 - connects signals
