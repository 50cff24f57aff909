from django.urls import path

from goodwill.floor import views

app_name = "floor"
urlpatterns = [
    path("", views.board, name="board"),
    path("ups/new/", views.log_up, name="log_up"),
    path("ups/<uuid:up_id>/take/", views.take, name="take"),
    path("ups/<uuid:up_id>/assign/", views.assign, name="assign"),
    path("clock/", views.clock, name="clock"),
    path("pass/", views.pass_turn, name="pass"),
    path("find-customer/", views.customer_search, name="customer_search"),
    path("deals/<uuid:deal_id>/", views.deal_detail, name="deal"),
    path("deals/<uuid:deal_id>/to/", views.deal_turn_over, name="turn_over"),
    path("deals/<uuid:deal_id>/sold/", views.deal_sold, name="sold"),
    path("deals/<uuid:deal_id>/not-sold/", views.deal_not_sold, name="not_sold"),
    path("deals/<uuid:deal_id>/appointment/", views.deal_appointment, name="appointment"),
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/<uuid:appointment_id>/invite.ics", views.appointment_ics, name="ics"),
    path(
        "appointments/<uuid:appointment_id>/status/",
        views.appointment_status,
        name="appointment_status",
    ),
    path("settings/", views.floor_settings, name="settings"),
    path("report/", views.report, name="report"),
]
