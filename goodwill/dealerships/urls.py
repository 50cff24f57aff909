from django.urls import path

from goodwill.dealerships import views

app_name = "dealerships"
urlpatterns = [
    path("staff/", views.staff_list, name="staff"),
    path("staff/new/", views.staff_add, name="staff_add"),
    path("staff/<uuid:user_id>/", views.staff_edit, name="staff_edit"),
    path("staff/<uuid:user_id>/reactivate/", views.staff_reactivate, name="staff_reactivate"),
    path("settings/", views.store_settings, name="settings"),
    path("staff/invite/", views.invite, name="invite"),
    path(
        "staff/invitations/<uuid:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "staff/invitations/<uuid:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
]
