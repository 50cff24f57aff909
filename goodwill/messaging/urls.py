from django.urls import path

from goodwill.messaging import views

app_name = "messaging"
urlpatterns = [
    path("customers/<uuid:customer_id>/", views.conversation, name="conversation"),
    path("templates/", views.templates, name="templates"),
    path("templates/<uuid:template_id>/", views.template_edit, name="template_edit"),
    path("number/", views.number, name="number"),
]
