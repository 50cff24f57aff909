from django.contrib.auth import views as auth_views
from django.urls import include, path

from goodwill.api.api import api
from goodwill.core import views as core_views
from goodwill.core.tenancy import store_free

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", store_free(auth_views.LogoutView.as_view()), name="logout"),
    path("customers/", include("goodwill.customers.urls")),
    path("floor/", include("goodwill.floor.urls")),
    path("fails/", include("goodwill.fails.urls")),
    path("duplicates/", include("goodwill.dedupe.urls")),
    path("network/", include("goodwill.network.urls")),
    path("referrals/", include("goodwill.referrals.urls")),
    path("imports/", include("goodwill.imports.urls")),
    path("store/", include("goodwill.dealerships.urls")),
    path("api/v1/", api.urls),
]
