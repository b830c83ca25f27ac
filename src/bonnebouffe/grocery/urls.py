from django.urls import path

from . import views

app_name = "grocery"
urlpatterns = [
    path("", views.shop, name="shop"),
    path("panier/<int:window_pk>/", views.cart, name="cart"),
    path("commandes/", views.my_orders, name="my_orders"),
    path("commandes/<int:pk>/", views.order_detail, name="order_detail"),
    path("ma-carte/", views.my_card, name="my_card"),
    path("mes-donnees.json", views.my_data, name="my_data"),
    path("comptoir/", views.staff_home, name="staff_home"),
    path("comptoir/caisse/<int:point_pk>/", views.counter, name="counter"),
    path("comptoir/recus/<int:pk>/", views.receipt, name="receipt"),
    path("comptoir/preparation/<int:pk>/", views.window_prep, name="window_prep"),
    path("comptoir/membres/", views.members, name="members"),
    path("comptoir/membres/<int:household_pk>/carte/", views.member_card, name="member_card"),
    path("comptoir/produits/", views.products, name="products"),
    path("comptoir/produits/<int:pk>/stock/", views.product_stock, name="product_stock"),
    path("comptoir/subventions/", views.subsidies, name="subsidies"),
    path("demandes-donnees/", views.data_requests, name="data_requests"),
]
