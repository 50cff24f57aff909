from django.apps import AppConfig

from goodwill.core.navigation import NavItem

# The session key under which My day leaves its count for the nav (read with no query).
COUNT_KEY = "gw_myday_count"


class MyDayConfig(AppConfig):
    name = "goodwill.myday"
    label = "myday"
    nav = [NavItem("My day", "myday:home", key="myday", order=1, count_key=COUNT_KEY)]
    verbose_name = "My day"
