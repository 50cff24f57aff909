from django.urls import path

from goodwill.myday import views

app_name = "myday"
urlpatterns = [
    path("", views.home, name="home"),
]
