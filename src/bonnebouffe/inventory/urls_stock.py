from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("sites/<int:site_pk>/emplacements/", views.locations, name="locations"),
    path("cueillette/", views.pick_list, name="pick_list"),
    path("cueillette/sortie/", views.pick_issue, name="pick_issue"),
    path("inventaire/", views.count, name="count"),
    path("lots/", views.lot_search, name="lot_search"),
    path("lots/<str:code>/", views.lot_detail, name="lot_detail"),
    path("lots/<str:code>/deplacer/", views.lot_move, name="lot_move"),
    path("lots/<str:code>/sortir/", views.lot_issue, name="lot_issue"),
    path("lots/<str:code>/valoriser/", views.lot_dispose_view, name="lot_dispose"),
    path("etiquettes/", views.labels_page, name="labels"),
    path("etiquettes/<uuid:token>/", views.labels_download, name="labels_download"),
]
