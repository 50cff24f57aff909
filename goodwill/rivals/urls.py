from django.urls import path

from goodwill.rivals import views

app_name = "rivals"
urlpatterns = [
    path("", views.report, name="report"),
    path("offers/", views.offer_list, name="offers"),
    path("offers/<uuid:offer_id>/", views.detail, name="detail"),
    path("customers/<uuid:customer_id>/new/", views.record, name="record"),
]
