from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "goodwill.referrals"
    label = "referrals"
    verbose_name = "Referrals"
