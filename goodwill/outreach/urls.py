from django.urls import path

from goodwill.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.ask_log, name="asks"),
    path("settings/", views.ask_settings, name="settings"),
    path("customers/<uuid:customer_id>/check/", views.check, name="check"),
    path("customers/<uuid:customer_id>/hold/", views.hold, name="hold"),
    path("holds/<uuid:hold_id>/end/", views.end_hold, name="end_hold"),
]
