"""My day: the page each role lands on after signing in. Thin: `items.my_day` builds it."""

from django.shortcuts import render

from goodwill.core.tenancy import staff_required
from goodwill.myday.apps import COUNT_KEY
from goodwill.myday.items import my_day


@staff_required
def home(request):
    day = my_day(request.user)
    # The nav reads the count from the session (no query on every other page); it is as
    # fresh as the last look at My day, which is where sign-in lands.
    if request.session.get(COUNT_KEY) != day.count:
        request.session[COUNT_KEY] = day.count
    return render(request, "myday/home.html", {"nav": "myday", "day": day})
