from django.urls import path

from . import views

app_name = "coldchain"
urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("appareils/ajouter/", views.unit_create, name="unit_create"),
    path("appareils/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("appareils/<int:pk>/releve/", views.reading_add, name="reading_add"),
    path("ecarts/<int:pk>/", views.excursion_review, name="excursion_review"),
]
