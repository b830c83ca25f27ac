from django.urls import path

from . import views

app_name = "education"
urlpatterns = [
    path("recettes/", views.recipe_list, name="recipe_list"),
    path("recettes/<int:pk>/", views.recipe_detail, name="recipe_detail"),
    path("budget/", views.budget, name="budget"),
    path("ateliers/", views.workshop_list, name="workshop_list"),
    path("ateliers/<int:pk>/inscription/", views.workshop_register, name="workshop_register"),
    path("ateliers/<int:pk>/annulation/", views.workshop_cancel, name="workshop_cancel"),
    path("sondage/", views.survey, name="survey"),
    path("sondage/resultats/", views.survey_results, name="survey_results"),
]
