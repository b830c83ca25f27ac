from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "allocation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.run_index, name="run_list"),
    path("resume/", views.summary, name="summary"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("<int:pk>/publier/", views.run_publish_view, name="run_publish"),
    path("lignes/<int:pk>/ajuster/", views.line_adjust_view, name="line_adjust"),
    path("mes-lignes/", views.my_lines_view, name="my_lines"),
    path("lignes/<int:pk>/confirmer/", views.line_confirm_view, name="line_confirm"),
    path("lignes/<int:pk>/refuser/", views.line_refuse_view, name="line_refuse"),
    path("lignes/<int:pk>/livrer/", views.line_deliver_view, name="line_deliver"),
    path("besoins/", views.needs, name="needs"),
    path("besoins/<int:agency_id>/", views.need_edit, name="need_edit"),
]

# Portioned boxes (views_boxes.py).
from . import views_boxes  # noqa: E402

urlpatterns += [
    path("paniers/", views_boxes.box_list, name="box_list"),
    path("paniers/nouveau/", views_boxes.box_create, name="box_create"),
    path("paniers/assembler/", views_boxes.box_assemble_view, name="box_assemble"),
    path("paniers/assemblages/<int:pk>/", views_boxes.box_assembly_detail, name="box_assembly"),
]

# Pooling mode (Choice System): sealed-bid rounds between hubs.
from . import pooling_views  # noqa: E402

urlpatterns += [
    path("mise-en-commun/", pooling_views.round_index, name="pooling_round_list"),
    path("mise-en-commun/<int:pk>/", pooling_views.round_detail, name="pooling_round_detail"),
    path(
        "mise-en-commun/<int:pk>/fermer/",
        pooling_views.round_close_view,
        name="pooling_round_close",
    ),
]
