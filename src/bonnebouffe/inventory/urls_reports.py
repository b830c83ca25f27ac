"""Reconciliation, traceability and recall pages (under /stock/, namespace "inventory")."""

from django.urls import URLPattern, URLResolver, path

from . import report_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("rapprochement/", report_views.reconciliation, name="reconciliation"),
    path("tracabilite/", report_views.trace, name="trace"),
    path("tracabilite/amont/", report_views.trace_upstream, name="trace_upstream"),
    path("tracabilite/export.csv", report_views.trace_export_csv, name="trace_csv"),
    path("tracabilite/avis-de-rappel/", report_views.recall_pdf, name="recall_pdf"),
    path("tracabilite/rappeler/", report_views.recall_lots, name="recall_lots"),
    path("rappels/<uuid:pk>/", report_views.recall_job, name="recall_job"),
    path("rappels/<uuid:pk>/pdf/", report_views.recall_download, name="recall_download"),
]
