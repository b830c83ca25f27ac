"""Demo education data: home recipes in French made with the grocery's products, workshops of
the coming weeks in west-Montérégie, and anonymous needs survey answers in the 5 MRCs.

No real person: survey answers carry no personal data by design; registrations use the demo
accounts.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from bonnebouffe.accounts.models import Membership, User
from bonnebouffe.grocery.models import Product
from bonnebouffe.network.models import Network
from bonnebouffe.territory.models import MRC, Municipality

from .models import (
    NeedsSurveyResponse,
    Recipe,
    RecipeIngredient,
    RespondentKind,
    Workshop,
    WorkshopKind,
    WorkshopRegistration,
)
from .services import workshop_register

# (title, summary, portions, allergens, [(ingredient, category, grams, grocery product)], steps)
RecipeSpec = tuple[str, str, int, list[str], list[tuple[str, str, int, str | None]], list[str]]
RECIPES: list[RecipeSpec] = [
    (
        "Soupe aux lentilles",
        "Une soupe nourrissante et économique, meilleure le lendemain.",
        6,
        [],
        [
            ("Lentilles vertes sèches", "protein", 450, "Lentilles vertes sèches"),
            ("Carottes", "vegetables_fruits", 300, "Carottes"),
            ("Oignons", "vegetables_fruits", 200, "Oignons"),
            ("Pommes de terre", "vegetables_fruits", 400, "Pommes de terre jaunes"),
            ("Tomates en dés", "dry_goods", 796, "Tomates en dés (conserve)"),
        ],
        [
            "Rincer les lentilles à l'eau froide.",
            "Couper les oignons, les carottes et les pommes de terre en petits dés.",
            "Faire revenir les oignons 5 minutes dans un peu d'huile.",
            "Ajouter les légumes, les lentilles, les tomates et 2 litres d'eau.",
            "Laisser mijoter 35 minutes, saler et poivrer.",
        ],
    ),
    (
        "Chili végé",
        "Un chili doux aux pois chiches, servi sur du riz brun.",
        6,
        [],
        [
            ("Pois chiches en conserve", "protein", 1080, "Pois chiches en conserve"),
            ("Tomates en dés", "dry_goods", 796, "Tomates en dés (conserve)"),
            ("Oignons", "vegetables_fruits", 200, "Oignons"),
            ("Carottes", "vegetables_fruits", 250, "Carottes"),
            ("Riz brun", "whole_grains", 400, "Riz brun"),
        ],
        [
            "Faire cuire le riz brun selon l'emballage.",
            "Faire revenir les oignons et les carottes hachés.",
            "Ajouter les pois chiches rincés, les tomates et 1 c. à soupe d'épices à chili.",
            "Laisser mijoter 25 minutes et servir sur le riz.",
        ],
    ),
    (
        "Gruau aux pommes",
        "Un déjeuner chaud prêt en 10 minutes.",
        4,
        ["milk"],
        [
            ("Flocons d'avoine", "whole_grains", 320, "Flocons d'avoine"),
            ("Lait 2 %", "dairy", 1000, "Lait 2 %"),
            ("Pommes", "vegetables_fruits", 300, "Pommes Cortland"),
        ],
        [
            "Couper les pommes en dés.",
            "Porter le lait à frémissement avec les pommes.",
            "Ajouter l'avoine et cuire 5 minutes en brassant.",
            "Servir avec un peu de cannelle.",
        ],
    ),
    (
        "Pâtes au thon et au brocoli",
        "Un souper rapide avec des produits de garde-manger.",
        4,
        ["wheat_triticale", "fish", "milk"],
        [
            ("Pâtes de blé entier", "whole_grains", 450, "Pâtes de blé entier"),
            ("Thon pâle en conserve", "protein", 340, "Thon pâle en conserve"),
            ("Brocoli", "vegetables_fruits", 450, "Brocoli"),
            ("Fromage cheddar", "dairy", 100, "Fromage cheddar"),
        ],
        [
            "Cuire les pâtes; ajouter le brocoli en bouquets 3 minutes avant la fin.",
            "Égoutter en gardant une tasse d'eau de cuisson.",
            "Mélanger avec le thon égoutté, le fromage râpé et un peu d'eau de cuisson.",
        ],
    ),
    (
        "Sauté de tofu au riz brun",
        "Des légumes croquants et du tofu doré.",
        4,
        ["soy", "wheat_triticale"],
        [
            ("Tofu ferme", "protein", 454, "Tofu ferme"),
            ("Riz brun", "whole_grains", 400, "Riz brun"),
            ("Brocoli", "vegetables_fruits", 450, "Brocoli"),
            ("Carottes", "vegetables_fruits", 200, "Carottes"),
            ("Sauce soya", "other", 45, None),
        ],
        [
            "Cuire le riz brun.",
            "Couper le tofu en cubes et le faire dorer dans une poêle huilée.",
            "Ajouter les carottes en rondelles et le brocoli; cuire 5 minutes.",
            "Arroser de sauce soya et servir sur le riz.",
        ],
    ),
    (
        "Potage à la courge butternut",
        "Un potage doux et velouté pour l'automne.",
        6,
        ["milk"],
        [
            ("Courge butternut", "vegetables_fruits", 1200, "Courge butternut"),
            ("Oignons", "vegetables_fruits", 150, "Oignons"),
            ("Pommes de terre", "vegetables_fruits", 300, "Pommes de terre jaunes"),
            ("Lait 2 %", "dairy", 250, "Lait 2 %"),
        ],
        [
            "Peler et couper la courge, l'oignon et les pommes de terre.",
            "Couvrir d'eau et cuire 25 minutes.",
            "Réduire en purée, ajouter le lait et réchauffer sans faire bouillir.",
        ],
    ),
    (
        "Omelette aux légumes et rôties",
        "Un repas complet avec ce qui reste au frigo.",
        4,
        ["eggs", "milk", "wheat_triticale", "sesame"],
        [
            ("Œufs", "protein", 600, "Œufs (douzaine)"),
            ("Brocoli", "vegetables_fruits", 200, "Brocoli"),
            ("Oignons", "vegetables_fruits", 100, "Oignons"),
            ("Fromage cheddar", "dairy", 80, "Fromage cheddar"),
            ("Pain de blé entier", "bakery", 300, "Pain de blé entier"),
        ],
        [
            "Faire revenir l'oignon et le brocoli hachés.",
            "Battre les œufs, les verser dans la poêle et cuire à feu doux.",
            "Parsemer de fromage, plier l'omelette et servir avec des rôties.",
        ],
    ),
    (
        "Parfait au yogourt et aux bleuets",
        "Une collation ou un déjeuner sans cuisson.",
        4,
        ["milk"],
        [
            ("Yogourt nature", "dairy", 750, "Yogourt nature"),
            ("Bleuets surgelés", "vegetables_fruits", 300, "Bleuets surgelés"),
            ("Flocons d'avoine", "whole_grains", 120, "Flocons d'avoine"),
        ],
        [
            "Faire dégeler les bleuets.",
            "Dans des verres, alterner yogourt, bleuets et flocons d'avoine grillés.",
        ],
    ),
    (
        "Salade de pois chiches",
        "Une salade-repas fraîche qui se garde 3 jours au frigo.",
        4,
        ["mustard"],
        [
            ("Pois chiches en conserve", "protein", 540, "Pois chiches en conserve"),
            ("Laitue romaine", "vegetables_fruits", 300, "Laitue romaine"),
            ("Carottes", "vegetables_fruits", 150, "Carottes"),
            ("Vinaigrette à la moutarde", "other", 60, None),
        ],
        [
            "Rincer et égoutter les pois chiches.",
            "Râper les carottes et couper la laitue.",
            "Mélanger avec la vinaigrette juste avant de servir.",
        ],
    ),
    (
        "Poulet, pommes de terre et carottes au four",
        "Un plat tout-en-un sur une seule plaque.",
        4,
        [],
        [
            ("Poitrines de poulet", "protein", 600, "Poitrines de poulet"),
            ("Pommes de terre", "vegetables_fruits", 800, "Pommes de terre jaunes"),
            ("Carottes", "vegetables_fruits", 400, "Carottes"),
        ],
        [
            "Chauffer le four à 200 °C.",
            "Couper les légumes en morceaux et les huiler sur une plaque.",
            "Ajouter le poulet assaisonné et cuire 35 minutes, jusqu'à 74 °C à cœur.",
        ],
    ),
]

# (title, kind, place, municipality, days from today, start hour, hours, capacity, description)
WORKSHOPS = [
    (
        "Cuisine collective : soupes et potages",
        WorkshopKind.COLLECTIVE_KITCHEN,
        "Cuisine communautaire",
        "Salaberry-de-Valleyfield",
        6,
        13,
        3,
        10,
        "On cuisine ensemble trois soupes et chacun repart avec des portions pour la semaine.",
    ),
    (
        "Dégustation de légumineuses",
        WorkshopKind.TASTING,
        "Épicerie solidaire",
        "Salaberry-de-Valleyfield",
        9,
        11,
        2,
        6,
        "Goûter le chili végé et la salade de pois chiches, avec les recettes à emporter.",
    ),
    (
        "Atelier budget : bien manger avec peu",
        WorkshopKind.BUDGET,
        "Salle communautaire",
        "Châteauguay",
        13,
        18,
        2,
        15,
        "Planifier les repas de la semaine, lire les circulaires et éviter le gaspillage.",
    ),
    (
        "Cuisine collective : repas pour le congélateur",
        WorkshopKind.COLLECTIVE_KITCHEN,
        "Sous-sol de l'église",
        "Huntingdon",
        16,
        9,
        4,
        8,
        "Préparer des plats à congeler avec les surplus de la semaine.",
    ),
    (
        "Dégustation de courges d'automne",
        WorkshopKind.TASTING,
        "Centre communautaire",
        "Saint-Rémi",
        20,
        14,
        2,
        12,
        "Découvrir la courge butternut : potage, purée et courge rôtie.",
    ),
    (
        "Atelier budget en famille",
        WorkshopKind.BUDGET,
        "Maison de la famille",
        "Vaudreuil-Dorion",
        27,
        10,
        2,
        12,
        "Faire l'épicerie à plusieurs, comparer les prix au kilo, cuisiner en grande quantité.",
    ),
]

# Wanted categories, weighted by what food banks report most asked for.
SURVEY_CATEGORIES = [
    "vegetables_fruits",
    "vegetables_fruits",
    "vegetables_fruits",
    "protein",
    "protein",
    "dairy",
    "dairy",
    "whole_grains",
    "bakery",
    "dry_goods",
    "prepared",
]
SURVEY_PRODUCTS = [
    "",
    "",
    "Viande et poisson frais",
    "Fruits frais l'hiver",
    "Pain sans gluten",
    "Lait et œufs",
    "Repas prêts à réchauffer",
    "Produits pour bébé",
    "Légumes biologiques locaux",
    "Céréales à déjeuner",
]
SURVEY_MRC_WEIGHTS = {
    "Beauharnois-Salaberry": 15,
    "Le Haut-Saint-Laurent": 10,
    "Les Jardins-de-Napierville": 9,
    "Roussillon": 14,
    "Vaudreuil-Soulanges": 12,
}


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


@transaction.atomic
def demo_education_generate(*, rng: random.Random, network: Network) -> dict[str, int]:
    """Create the demo recipes, workshops (one of them full) and survey answers."""
    products = {p.name: p for p in Product.objects.filter(network=network)}
    for title, summary, portions, allergens, ingredients, steps in RECIPES:
        recipe = Recipe.objects.create(
            network=network,
            title=title,
            summary=summary,
            portions=portions,
            allergens=allergens,
            steps="\n".join(steps),
            is_published=True,
        )
        RecipeIngredient.objects.bulk_create(
            RecipeIngredient(
                recipe=recipe,
                name=name,
                category=category,
                quantity_g=grams,
                product=products.get(product) if product else None,
                position=position,
            )
            for position, (name, category, grams, product) in enumerate(ingredients)
        )
    towns = {m.name: m for m in Municipality.objects.select_related("mrc")}
    workshops = []
    for title, kind, place, town, days, hour, hours, capacity, description in WORKSHOPS:
        workshops.append(
            Workshop.objects.create(
                network=network,
                title=title,
                kind=kind,
                place=place,
                municipality=towns[town],
                starts_at=_at(days, hour),
                ends_at=_at(days, hour + hours),
                capacity=capacity,
                description=description,
                is_published=True,
            )
        )
    # The tasting fills up with demo accounts, so the calendar shows a full workshop.
    users = User.objects.filter(
        pk__in=Membership.objects.filter(organisation__network=network).values("user_id")
    ).order_by("username")
    tasting = workshops[1]
    left = tasting.capacity
    for user in users:
        if left <= 0:
            break
        seats = min(left, rng.randint(1, 3))
        workshop_register(network_id=network.pk, workshop_id=tasting.pk, user=user, seats=seats)
        left -= seats
    n_responses = 0
    mrcs = {m.name: m for m in MRC.objects.filter(name__in=SURVEY_MRC_WEIGHTS)}
    by_mrc: dict[str, list[Municipality]] = {}
    for m in towns.values():
        by_mrc.setdefault(m.mrc.name, []).append(m)
    for name in sorted(mrcs):
        places = sorted(by_mrc.get(name, []), key=lambda m: m.name)
        for _i in range(SURVEY_MRC_WEIGHTS[name]):
            response = NeedsSurveyResponse.objects.create(
                network=network,
                respondent_kind=RespondentKind.HOUSEHOLD
                if rng.random() < 0.8
                else RespondentKind.AGENCY,
                mrc=mrcs[name],
                wanted_categories=sorted(set(rng.sample(SURVEY_CATEGORIES, rng.randint(1, 4)))),
                wanted_products=rng.choice(SURVEY_PRODUCTS),
            )
            if places:
                response.pickup_municipalities.set(
                    rng.sample(places, min(len(places), rng.randint(1, 3)))
                )
            n_responses += 1
    return {"recipes": len(RECIPES), "workshops": len(workshops), "survey": n_responses}


def demo_education_reset(*, network: Network) -> None:
    """Remove a network's education records (before its organisations and users go)."""
    WorkshopRegistration.objects.filter(workshop__network=network).delete()
    Workshop.objects.filter(network=network).delete()
    RecipeIngredient.objects.filter(recipe__network=network).delete()
    Recipe.objects.filter(network=network).delete()
    NeedsSurveyResponse.objects.filter(network=network).delete()
