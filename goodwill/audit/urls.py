from django.urls import path

from goodwill.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("audit.csv", views.audit_csv, name="csv"),
]
