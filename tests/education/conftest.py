"""Education scenario on top of the tiny grocery: recipes using its categories, workshops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from bonnebouffe.education.models import Recipe, RecipeIngredient, Workshop, WorkshopKind
from bonnebouffe.territory.models import Municipality
from tests.grocery.conftest import tiny_grocery  # noqa: F401  (fixture)


def translated(msgid: str) -> str:
    """A message as French users see it (its French once the catalogue has it)."""
    with translation.override("fr-ca"):
        return translation.gettext(msgid)


def make_recipe(network, title, ingredients, *, portions=4, published=True, allergens=()):  # type: ignore[no-untyped-def]
    recipe = Recipe.objects.create(
        network=network,
        title=title,
        portions=portions,
        steps="Laver.\nCouper.\n\nCuire.",
        allergens=list(allergens),
        is_published=published,
    )
    for position, (name, category, grams) in enumerate(ingredients):
        RecipeIngredient.objects.create(
            recipe=recipe, name=name, category=category, quantity_g=grams, position=position
        )
    return recipe


@dataclass
class Edu:
    g: object
    compote: Recipe
    pudding: Recipe
    lentils: Recipe
    draft: Recipe
    kitchen: Workshop


@pytest.fixture
def edu(tiny_grocery) -> Edu:  # type: ignore[no-untyped-def]  # noqa: F811
    network = tiny_grocery.tn.network
    compote = make_recipe(network, "Compote de pommes", [("Pommes", "vegetables_fruits", 800)])
    pudding = make_recipe(
        network,
        "Pouding au pain et aux pommes",
        [
            ("Pommes", "vegetables_fruits", 600),
            ("Lait", "dairy", 400),
            ("Pain de blé entier", "whole_grains", 200),
        ],
        allergens=["milk", "wheat_triticale"],
    )
    lentils = make_recipe(network, "Lentilles seules", [("Lentilles", "protein", 500)])
    draft = make_recipe(
        network, "Brouillon", [("Pommes", "vegetables_fruits", 500)], published=False
    )
    start = timezone.now() + timedelta(days=3)
    kitchen = Workshop.objects.create(
        network=network,
        title="Cuisine collective des soupes",
        kind=WorkshopKind.COLLECTIVE_KITCHEN,
        place="Sous-sol de l'église",
        municipality=Municipality.objects.get(name="Châteauguay"),
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=5,
        is_published=True,
    )
    return Edu(tiny_grocery, compote, pudding, lentils, draft, kitchen)
