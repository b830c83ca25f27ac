from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_index, name="list"),
    path("<uuid:pk>/", views.job_detail, name="detail"),
    path("<uuid:pk>/annuler/", views.job_cancel_view, name="cancel"),
]
