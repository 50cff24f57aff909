"""Demo texting: each store texts from its own (fictional, 555) number and has the templates
its staff send most. Texts go to the console backend unless GOODWILL_SMS_BACKEND says
otherwise."""

from goodwill.dealerships.models import User
from goodwill.messaging import actions

TEMPLATES = [
    (
        "Thanks for visiting",
        "text",
        "",
        "Hi {first_name}, thanks for stopping by {store} today. "
        "Any question, just text me back. {my_first_name}",
    ),
    (
        "Still interested?",
        "text",
        "",
        "Hi {first_name}, it's {my_first_name} at {store}. Still "
        "thinking about it? I can hold a test drive for you this week.",
    ),
    (
        "Your quote",
        "email",
        "Your quote from {store}",
        "Hello {first_name},\n\nAs promised, the "
        "numbers we talked about are ready. Reply here or call {store_phone}.\n\n{my_name}",
    ),
]


def seed(*, rng, stores) -> str:
    for n, store in enumerate(stores):
        manager = (
            User.objects.filter(dealership=store, role__in=User.MANAGER_ROLES, is_active=True)
            .order_by("id")
            .first()
        )
        if manager is None:
            continue
        actions.set_sms_number(store, acting_user=manager, number=f"+1512555{n + 170:04d}")
        for name, channel, subject, body in TEMPLATES:
            actions.save_template(
                store, acting_user=manager, name=name, channel=channel, subject=subject, body=body
            )
    return f"texting: a number and {len(TEMPLATES)} templates per store"
