from dataclasses import fields

import pytest

from bonnebouffe.education.selectors import (
    MrcNeeds,
    recipe_cost_for,
    recipe_plate,
    surplus_suggestions,
    survey_results,
    weekly_budget,
)
from bonnebouffe.education.services import survey_response_submit
from bonnebouffe.inventory.models import FoodCategory
from bonnebouffe.territory.models import MRC, Municipality


def test_cost_per_portion_at_each_tier_comes_from_current_prices(edu):
    # Apples 3.00 $/kg; milk 5.00 $ per 2 kg = 2.50 $/kg; Privilège -30 %, Au suivant +20 %.
    # Solidaire: (600 g x 300 + 400 g x 250) / 1000 / 4 portions = 70 cents.
    cost = recipe_cost_for(recipe=edu.pudding, network_id=edu.g.tn.network.pk)
    assert [(t.code, t.name, t.cents_per_portion) for t in cost.tiers] == [
        ("solidaire", "Solidaire", 70),
        ("privilege", "Privilège", 49),
        ("au-suivant", "Au suivant", 84),
    ]
    assert cost.missing_categories == [str(FoodCategory.WHOLE_GRAINS.label)]


def test_a_recipe_whose_categories_have_no_price_costs_nothing_and_says_so(edu):
    cost = recipe_cost_for(recipe=edu.lentils, network_id=edu.g.tn.network.pk)
    assert {t.cents_per_portion for t in cost.tiers} == {0}
    assert cost.missing_categories == [str(FoodCategory.PROTEIN.label)]


def test_plate_shares_of_a_recipe_follow_its_ingredient_weights(edu):
    plate = recipe_plate(recipe=edu.pudding)
    assert plate.as_rows() == [
        ("vegetables_fruits", 50, 50),
        ("whole_grains", 17, 25),
        ("protein", 33, 25),
    ]


def test_surplus_suggestions_prefer_recipes_using_stock_dated_this_week(edu):
    # Milk (dairy) is dated in 6 days, apples in 11: the pudding uses both and goes first;
    # lentils are not in stock; the draft is not published.
    suggestions = surplus_suggestions(network_id=edu.g.tn.network.pk)
    assert [s.recipe.title for s in suggestions] == [
        "Pouding au pain et aux pommes",
        "Compote de pommes",
    ]
    first = suggestions[0]
    assert (first.in_stock_pct, first.soon_pct) == (83, 33)


@pytest.mark.parametrize(("size", "expected_cents"), [(1, 15000), (4, 30000), (9, 45000)])
def test_the_weekly_budget_scales_the_family_of_4_basket_by_the_square_root(
    edu, size, expected_cents
):
    budget = weekly_budget(network_id=edu.g.tn.network.pk, household_size=size)
    assert budget is not None and budget.total_cents == expected_cents
    assert budget.vegetables_fruits_cents == expected_cents // 2
    assert (
        budget.vegetables_fruits_cents + budget.whole_grains_cents + budget.protein_cents
        == expected_cents
    )


def test_survey_results_are_counts_per_mrc_without_any_single_answer(edu):
    network_id = edu.g.tn.network.pk
    roussillon = MRC.objects.get(name="Roussillon")
    hsl = MRC.objects.get(name="Le Haut-Saint-Laurent")
    mercier = Municipality.objects.get(name="Mercier")
    for kind, mrc, cats, places in [
        ("household", roussillon, ["protein"], [mercier]),
        ("household", roussillon, ["protein", "dairy"], [mercier]),
        ("agency", roussillon, ["dairy"], []),
        ("household", hsl, ["vegetables_fruits"], []),
    ]:
        survey_response_submit(
            network_id=network_id,
            respondent_kind=kind,
            mrc=mrc,
            wanted_categories=cats,
            wanted_products="Jean Tremblay veut du poisson",
            pickup_municipalities=places,
        )
    rows = {r.mrc_name: r for r in survey_results(network_id=network_id)}
    r = rows["Roussillon"]
    assert (r.responses, r.households, r.agencies) == (3, 2, 1)
    assert r.categories == [
        (str(FoodCategory.PROTEIN.label), 2),
        (str(FoodCategory.DAIRY.label), 2),
    ]
    assert r.municipalities == [("Mercier", 2)]
    assert rows["Le Haut-Saint-Laurent"].responses == 1
    assert {f.name for f in fields(MrcNeeds)} == {
        "mrc_name",
        "responses",
        "households",
        "agencies",
        "categories",
        "municipalities",
    }
    assert "Tremblay" not in repr(list(rows.values()))
