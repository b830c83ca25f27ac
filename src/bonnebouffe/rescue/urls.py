from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "rescue"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.offer_list, name="offer_list"),
    path("carte/", views.offer_map, name="offer_map"),
    path("tableau-ouvert/", views.open_board, name="open_board"),
    path("mes-offres/", views.my_offers_view, name="my_offers"),
    path("nouvelle/", views.offer_new, name="offer_new"),
    path("nouvelle/article/", views.offer_item_row, name="offer_item_row"),
    path("importer/", views.offer_import, name="offer_import"),
    path("<int:pk>/", views.offer_detail, name="offer_detail"),
    path("<int:pk>/accepter/", views.offer_accept_view, name="offer_accept"),
    path("<int:pk>/fermer/", views.offer_close_view, name="offer_close"),
    path(
        "receptions/acceptation/<int:acceptance_pk>/",
        views.reception_new,
        name="reception_new",
    ),
    path("receptions/sans-offre/", views.reception_walk_in, name="reception_walk_in"),
    path("receptions/<int:pk>/", views.reception_detail, name="reception_detail"),
]
