from django.apps import AppConfig

from goodwill.core.navigation import NavItem


class ReferralsConfig(AppConfig):
    name = "goodwill.referrals"
    label = "referrals"
    nav = [NavItem("Referrals", "referrals:inbox", key="referrals", order=50)]
    verbose_name = "Referrals"
