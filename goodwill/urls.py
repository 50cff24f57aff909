from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views import defaults
from django.views.generic import RedirectView

from goodwill.accounts import views as account_views
from goodwill.api.api import api
from goodwill.core.tenancy import store_free
from goodwill.dealerships import views as store_views
from goodwill.feedback.urls import public_urlpatterns as feedback_links
from goodwill.outside.urls import public_urlpatterns as outside_links

# Browsers ask for /favicon.ico on pages that name none (the API docs, files).
favicon = login_not_required(
    store_free(RedirectView.as_view(url=static("goodwill/favicon.svg"), permanent=True))
)

urlpatterns = [
    path("", account_views.home, name="home"),
    path("favicon.ico", favicon),
    path("login/", account_views.sign_in, name="login"),
    path("login/code/", account_views.sign_in_code, name="login_code"),
    path("logout/", store_free(auth_views.LogoutView.as_view()), name="logout"),
    path("password-reset/", account_views.PasswordReset.as_view(), name="password_reset"),
    path("password-reset/sent/", account_views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("invite/<str:token>/", store_views.accept_invitation, name="accept_invitation"),
    path("account/", include("goodwill.accounts.urls")),
    path("my-day/", include("goodwill.myday.urls")),
    path("messages/", include("goodwill.messaging.urls")),
    path("customers/", include("goodwill.customers.urls")),
    path("floor/", include("goodwill.floor.urls")),
    path("fails/", include("goodwill.fails.urls")),
    path("rivals/", include("goodwill.rivals.urls")),
    path("service/", include("goodwill.service.urls")),
    path("duplicates/", include("goodwill.dedupe.urls")),
    path("network/", include("goodwill.network.urls")),
    path("referrals/", include("goodwill.referrals.urls")),
    path("partners/", include("goodwill.partners.urls")),
    path("asks/", include("goodwill.outreach.urls")),
    path("surveys/", include("goodwill.feedback.urls")),
    *feedback_links,
    path("outside/", include("goodwill.outside.urls")),
    *outside_links,
    path("imports/", include("goodwill.imports.urls")),
    path("store/", include("goodwill.dealerships.urls")),
    path("jobs/", include("goodwill.jobs.urls")),
    path("audit/", include("goodwill.audit.urls")),
]
# The API first: every API request walked the ~20 page prefixes above before reaching it
# (10 % of the CPU of an API GET of one customer, `bench/profile_request.py --profile`).
# No page's prefix overlaps /api/, so the order changes no match.
urlpatterns.insert(0, path("api/v1/", api.urls))


def not_found(request, exception):
    """Under /api/ even a path no route matches (an id that is not a UUID) answers JSON, as
    the document says every 404 does; pages keep the HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not Found"}, status=404)
    return defaults.page_not_found(request, exception)


handler404 = not_found
