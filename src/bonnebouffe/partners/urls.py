from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("carte/", views.directory_map, name="map"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export-hsds.json", views.export_hsds, name="export_hsds"),
    path("contribuer/", views.contribution_new, name="contribute"),
    path("projets/", views.projects, name="project_list"),
    path("projets/<int:pk>/", views.project_detail, name="project_detail"),
]
