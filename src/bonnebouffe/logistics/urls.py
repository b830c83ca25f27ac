from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "logistics"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/replanifier/", views.plan_replan, name="plan_replan"),
    path("plans/<int:pk>/feuille/<int:number>.pdf", views.route_sheet, name="route_sheet"),
    path("flotte/", views.fleet, name="fleet"),
    path("flotte/vehicules/ajouter/", views.vehicle_edit, name="vehicle_add"),
    path("flotte/vehicules/<int:pk>/", views.vehicle_edit, name="vehicle_edit"),
    path("flotte/chauffeurs/ajouter/", views.driver_edit, name="driver_add"),
    path("flotte/chauffeurs/<int:pk>/", views.driver_edit, name="driver_edit"),
    path("flotte/quarts/ajouter/", views.shift_edit, name="shift_add"),
    path("flotte/quarts/<int:pk>/", views.shift_edit, name="shift_edit"),
    path("livraisons/", views.delivery_requests, name="delivery_requests"),
    path("livraisons/ajouter/", views.delivery_request_add, name="delivery_request_add"),
    path("aujourdhui/", views.driver_today, name="driver_today"),
]
