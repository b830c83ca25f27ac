from bonnebouffe.demo.services import demo_generate, demo_reset
from bonnebouffe.education.models import NeedsSurveyResponse, Recipe, Workshop
from bonnebouffe.education.selectors import (
    surplus_suggestions,
    survey_results,
    workshop_list_upcoming,
)


def test_the_demo_has_recipes_workshops_and_survey_answers_and_reset_removes_them(db):
    demo_generate(scale="region", seed=3, with_stock=False)
    recipes = list(Recipe.objects.prefetch_related("ingredients__product"))
    assert len(recipes) >= 8
    for recipe in recipes:
        assert recipe.ingredients.exists()
        for ingredient in recipe.ingredients.all():
            if ingredient.product is not None:
                # A recipe declares every allergen of the grocery products it uses.
                assert set(ingredient.product.allergens) <= set(recipe.allergens), recipe.title
    network_id = recipes[0].network_id
    workshops = list(workshop_list_upcoming(network_id=network_id))
    assert 4 <= len(workshops) <= 6
    assert any(w.seats_taken >= w.capacity for w in workshops)
    results = survey_results(network_id=network_id)
    assert len(results) == 5 and 50 <= sum(r.responses for r in results) <= 70
    assert surplus_suggestions(network_id=network_id)
    demo_reset()
    assert not Recipe.objects.exists() and not Workshop.objects.exists()
    assert not NeedsSurveyResponse.objects.exists()
