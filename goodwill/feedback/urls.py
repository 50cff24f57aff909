from django.urls import path

from goodwill.feedback import delight_views, views

app_name = "feedback"
urlpatterns = [
    path("", views.survey_list, name="surveys"),
    path("settings/", views.survey_settings, name="settings"),
    path("report/", delight_views.report, name="report"),
    path("referrals/", delight_views.referrals, name="referrals"),
    path("recovery/", views.recovery_list, name="recovery"),
    path("recovery/<uuid:task_id>/", views.recovery_detail, name="recovery_detail"),
    path("recovery/<uuid:task_id>/close/", views.recovery_close, name="recovery_close"),
]

# The customer's private links (no login; the token is the key), included at the top level.
public_urlpatterns = [
    path("s/<str:token>/", views.survey, name="survey"),
    path("s/<str:token>/thanks/", views.survey_thanks, name="survey_thanks"),
    path("r/<str:token>/", views.referral_link, name="referral_link"),
]
