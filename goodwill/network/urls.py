from django.urls import path

from goodwill.network import views

app_name = "network"
urlpatterns = [
    path("", views.pro_list, name="list"),
    path("new/", views.pro_create, name="create"),
    path("me/", views.my_card, name="my_card"),
    path("directory/<uuid:card_id>/add/", views.add_from_directory, name="add_from_directory"),
    path("<uuid:pro_id>/", views.pro_detail, name="detail"),
    path("<uuid:pro_id>/edit/", views.pro_edit, name="edit"),
    path("<uuid:pro_id>/card.vcf", views.pro_vcard_download, name="vcard"),
    path("<uuid:pro_id>/print/", views.pro_print, name="print"),
    path("<uuid:pro_id>/card.pdf", views.pro_card_pdf, name="pdf"),
    path("<uuid:pro_id>/photo.jpg", views.pro_photo, name="photo"),
    path("<uuid:pro_id>/partnership/", views.partnership_propose, name="propose"),
    path(
        "partnerships/<uuid:partnership_id>/accept/",
        views.partnership_answer,
        {"decision": "accept"},
        name="accept",
    ),
    path(
        "partnerships/<uuid:partnership_id>/decline/",
        views.partnership_answer,
        {"decision": "decline"},
        name="decline",
    ),
    path(
        "partnerships/<uuid:partnership_id>/agreed/",
        views.partnership_answer,
        {"decision": "agreed"},
        name="agreed",
    ),
    path(
        "partnerships/<uuid:partnership_id>/end/",
        views.partnership_answer,
        {"decision": "end"},
        name="end",
    ),
]
