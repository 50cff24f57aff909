from django.urls import path

from goodwill.outside import views

app_name = "outside"
urlpatterns = [
    path("", views.outside_list, name="list"),
    path("new/", views.log_referral, name="log"),
    path("referrals/<uuid:referral_id>/link/", views.new_link, name="new_link"),
    path("pros/<uuid:pro_id>/invite/", views.invite_pro, name="invite"),
]

# The outside pro's private links (no login; the token is the key), at the top level.
public_urlpatterns = [
    path("p/<str:token>/", views.pro_report, name="pro_report"),
    path("join/<str:token>/", views.pro_join, name="pro_join"),
]
