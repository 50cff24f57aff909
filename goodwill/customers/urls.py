from django.urls import path

from goodwill.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<uuid:customer_id>/", views.customer_detail, name="detail"),
    path("<uuid:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<uuid:customer_id>/consent/", views.consent_set, name="consent"),
    path("<uuid:customer_id>/assign/", views.customer_assign, name="assign"),
    path("<uuid:customer_id>/vehicles/new/", views.vehicle_add, name="vehicle_add"),
    path("vehicles/<uuid:vehicle_id>/edit/", views.vehicle_edit, name="vehicle_edit"),
]
