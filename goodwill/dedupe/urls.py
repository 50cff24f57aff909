from django.urls import path

from goodwill.dedupe import views

app_name = "dedupe"
urlpatterns = [
    path("", views.review, name="review"),
    path("check/", views.check, name="check"),
    path("run/", views.run, name="run"),
    path("clusters/<uuid:cluster_id>/", views.cluster_detail, name="cluster"),
    path("clusters/<uuid:cluster_id>/dismiss/", views.cluster_dismiss, name="dismiss"),
    path("clusters/<uuid:cluster_id>/merge/", views.cluster_merge, name="merge"),
    path("merges/", views.merge_list, name="merges"),
    path("merges/<uuid:merge_id>/", views.merge_detail, name="merge_detail"),
    path("merges/<uuid:merge_id>/undo/", views.merge_undo, name="undo"),
]
