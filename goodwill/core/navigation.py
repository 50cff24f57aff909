"""The top navigation, assembled from the apps: each `AppConfig` lists its own entries, so a
new app adds a menu line without editing the layout (and core imports no domain app).

    class FloorConfig(AppConfig):
        nav = [NavItem("Floor", "floor:board", key="floor", order=30)]
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    key: str  # the `nav` value a page sets to mark its entry as current
    order: int = 50
    roles: tuple[str, ...] = field(default=())  # e.g. ("is_manager",); empty: every staff member
    # A session key whose number the entry shows as a count (set by the app's own page, so
    # the nav of every page costs no query), e.g. My day's items.
    count_key: str = ""
    # Under "More" instead of the bar: the bar keeps what a salesperson, advisor or fails
    # specialist opens every hour (seven links fit a 390 px row); settings, reports and admin
    # pages are one tap further. An admin saw 17 links in one row before.
    more: bool = False

    def shown_to(self, user) -> bool:
        return all(getattr(user, flag, False) for flag in self.roles)


def nav_items() -> list[NavItem]:
    items = [item for config in apps.get_app_configs() for item in getattr(config, "nav", ())]
    return sorted(items, key=lambda item: (item.order, item.label))


def nav(request):
    """Context processor: `nav_links` (the bar) and `nav_more` (the "More" menu), the entries
    the signed-in staff member may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "dealership", None) is None:
        return {"nav_links": [], "nav_more": []}
    session = getattr(request, "session", {})
    links = [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "key": item.key,
            "count": session.get(item.count_key) if item.count_key else None,
            "more": item.more,
        }
        for item in nav_items()
        if item.shown_to(user)
    ]
    return {
        "nav_links": [link for link in links if not link["more"]],
        "nav_more": [link for link in links if link["more"]],
    }
