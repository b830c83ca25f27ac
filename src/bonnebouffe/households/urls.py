from django.urls import path

from . import views

app_name = "households"
urlpatterns = [
    path("", views.household_index, name="list"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/donnees.json", views.household_download, name="download"),
]
