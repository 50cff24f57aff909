from django.urls import path

from goodwill.fails import views

app_name = "fails"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/claim/", views.claim, name="claim"),
    path("<uuid:case_id>/step/", views.add_step, name="step"),
    path("<uuid:case_id>/close/", views.close, name="close"),
    path("follow-ups/<uuid:follow_up_id>/done/", views.follow_up_done, name="follow_up_done"),
]
