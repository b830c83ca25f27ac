from django.urls import path

from . import views

app_name = "network"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("organisations/", views.organisation_index, name="organisation_list"),
    path("organisations/carte/", views.organisation_map, name="organisation_map"),
    path("organisations/ajouter/", views.organisation_edit, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/modifier/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:org_pk>/sites/ajouter/", views.site_edit, name="site_create"),
    path("organisations/<int:org_pk>/sites/<int:pk>/", views.site_edit, name="site_edit"),
]
