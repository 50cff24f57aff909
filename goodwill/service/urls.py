from django.urls import path

from goodwill.service import views, views_import, views_manage

app_name = "service"
urlpatterns = [
    path("", views.home, name="home"),
    path("ros/", views.ro_list, name="ros"),
    path("ros/new/", views.ro_new, name="ro_new"),
    path("ros/<uuid:ro_id>/", views.ro_detail, name="ro"),
    path("ros/<uuid:ro_id>/update/", views.ro_update, name="ro_update"),
    path("ros/<uuid:ro_id>/refer/", views.ro_refer, name="ro_refer"),
    path("opportunities/", views.opportunity_list, name="opportunities"),
    path("opportunities/<uuid:opportunity_id>/", views.opportunity_detail, name="opportunity"),
    *[
        path(
            f"opportunities/<uuid:opportunity_id>/{action}/",
            views.opportunity_action,
            {"action": action},
            name=f"opportunity_{action}",
        )
        for action in ("refer", "lane", "dismiss")
    ],
    path("fleets/", views.fleet_list, name="fleets"),
    path("fleets/<uuid:fleet_id>/", views.fleet_detail, name="fleet"),
    path("fleets/<uuid:fleet_id>/edit/", views.fleet_edit, name="fleet_edit"),
    path("vehicles/<uuid:vehicle_id>/", views.vehicle_facts, name="vehicle"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/book/<uuid:customer_id>/", views.visit_new, name="visit_new"),
    path("visits/<uuid:visit_id>/status/", views.visit_status, name="visit_status"),
    path("specials/", views.special_list, name="specials"),
    path("specials/<uuid:special_id>/", views.special_edit, name="special"),
    path("report/", views_manage.dashboard, name="dashboard"),
    path("settings/", views_manage.settings_page, name="settings"),
    path("imports/", views_import.upload, name="import"),
    path("imports/<uuid:batch_id>/", views_import.batch, name="import_batch"),
]
