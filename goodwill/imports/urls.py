from django.urls import path

from goodwill.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("export/", views.export, name="export"),
    path("<uuid:batch_id>/", views.batch_detail, name="batch"),
    path("<uuid:batch_id>/dry-run/", views.dry_run, name="dry_run"),
    path("<uuid:batch_id>/commit/", views.commit, name="commit"),
    path("<uuid:batch_id>/errors.csv", views.errors_csv, name="errors_csv"),
    path("<uuid:batch_id>/undo/", views.undo, name="undo"),
]
