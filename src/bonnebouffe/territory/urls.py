from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.territory_map, name="map"),
    path("importer/", views.figures_import, name="import"),
]
