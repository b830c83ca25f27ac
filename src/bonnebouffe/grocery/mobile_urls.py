from django.urls import path

from . import mobile_views as views

app_name = "grocery_mobile"

urlpatterns = [
    path("", views.timetable, name="timetable"),
    path("arrets/<int:pk>/affiche.pdf", views.stop_poster, name="stop_poster"),
    path("tournees/", views.trip_list, name="trip_list"),
    path("tournees/<int:pk>/", views.trip_detail, name="trip_detail"),
    path("tournees/<int:pk>/arrets/<int:stop_pk>/ventes/", views.stop_sales, name="stop_sales"),
]
