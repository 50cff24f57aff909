from django.urls import path

from bare import views

urlpatterns = [
    path("api/customers", views.customers),
    path("api/customers/<uuid:public_id>", views.customer),
    path("customers/", views.customer_list),
    path("up", views.up),
]
