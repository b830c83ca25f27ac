"""Reads of the education side: recipes with their plate and cost per portion, the
"cook with this week's surplus" suggestions, the weekly budget helper, upcoming workshops with
seats left, and the needs survey aggregated per MRC.

Who sees what: recipes, the budget helper and workshops are generic information open to every
signed-in user of the network; the cost per portion is shown at every tier (it is public price
information, not a household's tier). Survey results are aggregates per MRC only, for network
administrators, hub coordinators and evaluators; no selector returns an individual response.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.domain.food_guide import PlateShares, plate_shares, plate_split_cents
from bonnebouffe.domain.pricing import weekly_food_budget_cents
from bonnebouffe.grocery.selectors import category_prices, point_list, policy_for, tier_list
from bonnebouffe.inventory.models import Balance, FoodCategory
from bonnebouffe.inventory.selectors import distributable_q
from bonnebouffe.network.models import Network, Site
from bonnebouffe.territory.models import MRC, Municipality

from .models import (
    NeedsSurveyResponse,
    Recipe,
    RecipeIngredient,
    RespondentKind,
    Workshop,
    WorkshopRegistration,
)

#: Lots whose date falls within this many days count as "to use this week".
SOON_DAYS = 7
MIN_HOUSEHOLD_SIZE = 1
MAX_HOUSEHOLD_SIZE = 12


# --- scope --------------------------------------------------------------------------------


def network_id_for(scope: Scope) -> int | None:
    """The network whose recipes and workshops a user sees (their first network)."""
    if scope.network_ids:
        return min(scope.network_ids)
    if scope.is_superuser:
        return Network.objects.order_by("pk").values_list("pk", flat=True).first()
    return None


def survey_answerable_by(scope: Scope) -> bool:
    """Households and agency staff answer the needs survey."""
    return scope.is_household or scope.has_role(Role.AGENCY_STAFF)


def survey_results_visible_to(scope: Scope) -> bool:
    return scope.has_role(Role.NETWORK_ADMIN, Role.HUB_COORDINATOR, Role.EVALUATOR)


# --- recipes ------------------------------------------------------------------------------


def recipe_list(*, network_id: int, published_only: bool = True) -> QuerySet[Recipe]:
    qs = Recipe.objects.filter(network_id=network_id).prefetch_related(
        Prefetch("ingredients", queryset=RecipeIngredient.objects.order_by("position", "pk"))
    )
    if published_only:
        qs = qs.filter(is_published=True)
    return qs.order_by("title", "pk")


def recipe_get(*, network_id: int, pk: int) -> Recipe | None:
    return recipe_list(network_id=network_id).filter(pk=pk).first()


def recipe_plate(*, recipe: Recipe) -> PlateShares:
    return plate_shares((i.category, i.quantity_g) for i in recipe.ingredients.all())


@dataclass(frozen=True)
class TierCost:
    code: str
    name: str
    cents_per_portion: int

    @property
    def dollars_per_portion(self) -> Decimal:
        """For the `money` template filter, which takes dollars."""
        return Decimal(self.cents_per_portion) / 100


@dataclass(frozen=True)
class RecipeCost:
    """Cost of one portion at each tier; `missing_categories` (labels) had no current price
    and are left out of every figure."""

    tiers: list[TierCost]
    missing_categories: list[str] = field(default_factory=list)


def recipe_cost(
    *, recipe: Recipe, prices: dict[str, dict[str, int]], tiers: list[tuple[str, str]]
) -> RecipeCost:
    """Sum of quantity_g x price per kg / 1000 / portions, per tier (rounded half up to the cent).

    `prices` is {category: {tier code: cents per kg}} (grocery `category_prices`), `tiers`
    the (code, name) pairs to show, in order.
    """
    ingredients = list(recipe.ingredients.all())
    missing = sorted(
        {i.category for i in ingredients if not prices.get(i.category)},
        key=lambda c: list(FoodCategory.values).index(c) if c in FoodCategory.values else 99,
    )
    rows = []
    for code, name in tiers:
        total = sum(
            (
                Decimal(i.quantity_g) * prices[i.category][code] / 1000
                for i in ingredients
                if code in prices.get(i.category, {})
            ),
            Decimal(0),
        )
        per_portion = (total / max(recipe.portions, 1)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        rows.append(TierCost(code=code, name=name, cents_per_portion=int(per_portion)))
    labels = [str(FoodCategory(c).label) if c in FoodCategory.values else c for c in missing]
    return RecipeCost(tiers=rows, missing_categories=labels)


def recipe_cost_for(*, recipe: Recipe, network_id: int) -> RecipeCost:
    tiers = [(t.code, t.name) for t in tier_list(network_id=network_id)]
    return recipe_cost(recipe=recipe, prices=category_prices(network_id=network_id), tiers=tiers)


# --- cook with this week's surplus ---------------------------------------------------------


def _grocery_site_ids(network_id: int) -> list[int]:
    """Sites that stock the network's grocery points; without a grocery, every site."""
    ids: set[int] = set()
    for stock_site, sale_site in point_list(network_id=network_id).values_list(
        "stock_site_id", "sale_site_id"
    ):
        ids |= {stock_site, sale_site}
    if not ids:
        ids = set(
            Site.objects.filter(organisation__network_id=network_id).values_list("pk", flat=True)
        )
    return sorted(ids)


def stock_by_category(*, network_id: int, on: date | None = None) -> dict[str, tuple[int, int]]:
    """{category: (distributable grams on hand, of which dated within SOON_DAYS)} at the
    network's grocery sites."""
    day = on or timezone.localdate()
    rows = (
        Balance.objects.filter(site_id__in=_grocery_site_ids(network_id), quantity_g__gt=0)
        .filter(distributable_q("lot__", on=day))
        .values("category")
        .annotate(
            total=Sum("quantity_g"),
            soon=Sum(
                "quantity_g",
                filter=Q(
                    lot__date_value__gte=day,
                    lot__date_value__lte=day + timedelta(days=SOON_DAYS),
                ),
            ),
        )
        .order_by()
    )
    return {r["category"]: (int(r["total"] or 0), int(r["soon"] or 0)) for r in rows}


@dataclass(frozen=True)
class SurplusSuggestion:
    recipe: Recipe
    in_stock_pct: int
    soon_pct: int
    categories: list[str]


def surplus_rank(
    *, recipes: list[Recipe], stock: dict[str, tuple[int, int]], limit: int = 3
) -> list[SurplusSuggestion]:
    """Recipes by the share of their weight whose category is on hand now; weight whose
    category has lots to use within SOON_DAYS counts twice, so near-dated food goes first."""
    scored = []
    for recipe in recipes:
        ingredients = list(recipe.ingredients.all())
        total = sum(i.quantity_g for i in ingredients)
        if not total:
            continue
        in_stock = sum(i.quantity_g for i in ingredients if stock.get(i.category, (0, 0))[0] > 0)
        soon = sum(i.quantity_g for i in ingredients if stock.get(i.category, (0, 0))[1] > 0)
        if not in_stock:
            continue
        cats = sorted({i.category for i in ingredients if stock.get(i.category, (0, 0))[0] > 0})
        scored.append(
            (
                -(in_stock + soon) / total,
                recipe.title,
                SurplusSuggestion(
                    recipe=recipe,
                    in_stock_pct=round(100 * in_stock / total),
                    soon_pct=round(100 * soon / total),
                    categories=[str(FoodCategory(c).label) for c in cats],
                ),
            )
        )
    scored.sort(key=lambda t: (t[0], t[1]))
    return [s for _score, _title, s in scored[:limit]]


def surplus_suggestions(
    *, network_id: int, limit: int = 3, on: date | None = None
) -> list[SurplusSuggestion]:
    return surplus_rank(
        recipes=list(recipe_list(network_id=network_id)),
        stock=stock_by_category(network_id=network_id, on=on),
        limit=limit,
    )


# --- weekly budget ------------------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyBudget:
    household_size: int
    total_cents: int
    vegetables_fruits_cents: int
    whole_grains_cents: int
    protein_cents: int
    family_of_4_cents: int

    @property
    def total_dollars(self) -> Decimal:
        """For the `money` template filter, which takes dollars."""
        return Decimal(self.total_cents) / 100

    @property
    def family_of_4_dollars(self) -> Decimal:
        return Decimal(self.family_of_4_cents) / 100


def weekly_budget(*, network_id: int, household_size: int) -> WeeklyBudget | None:
    """The weekly nutritious food budget for a household size, split along the plate; None
    when the network has no grocery policy. Raises PricingError for a size below 1."""
    policy = policy_for(network_id=network_id)
    if policy is None:
        return None
    family = int(policy.weekly_basket_family_of_4_cents)
    total = weekly_food_budget_cents(family_of_4_cents=family, household_size=household_size)
    split = plate_split_cents(total)
    return WeeklyBudget(
        household_size=household_size,
        total_cents=total,
        vegetables_fruits_cents=split["vegetables_fruits"],
        whole_grains_cents=split["whole_grains"],
        protein_cents=split["protein"],
        family_of_4_cents=family,
    )


# --- workshops ----------------------------------------------------------------------------


def workshop_seats_taken(*, workshop_id: int) -> int:
    total = WorkshopRegistration.objects.filter(workshop_id=workshop_id).aggregate(s=Sum("seats"))[
        "s"
    ]
    return int(total or 0)


def workshop_list_upcoming(
    *, network_id: int, user_id: int | None = None, now: datetime | None = None
) -> QuerySet[Workshop]:
    """Published workshops not yet over, with `seats_taken`, `seats_left` and `my_seats`."""
    moment = now or timezone.now()
    taken = Subquery(
        WorkshopRegistration.objects.filter(workshop=OuterRef("pk"))
        .values("workshop")
        .annotate(s=Sum("seats"))
        .values("s"),
        output_field=IntegerField(),
    )
    mine = Subquery(
        WorkshopRegistration.objects.filter(workshop=OuterRef("pk"), user_id=user_id or 0).values(
            "seats"
        )[:1],
        output_field=IntegerField(),
    )
    return (
        Workshop.objects.filter(network_id=network_id, is_published=True, ends_at__gte=moment)
        .select_related("municipality")
        .annotate(seats_taken=Coalesce(taken, 0), my_seats=Coalesce(mine, 0))
        .order_by("starts_at", "pk")
    )


# --- needs survey -------------------------------------------------------------------------


def survey_mrc_choices(*, network_id: int) -> QuerySet[MRC]:
    return MRC.objects.filter(region__networks=network_id).distinct().order_by("name")


def survey_municipality_choices(*, network_id: int) -> QuerySet[Municipality]:
    return (
        Municipality.objects.filter(mrc__region__networks=network_id)
        .distinct()
        .select_related("mrc")
        .order_by("name")
    )


@dataclass(frozen=True)
class MrcNeeds:
    """Counts for one MRC. Only counts: no response, free text or date is carried."""

    mrc_name: str
    responses: int
    households: int
    agencies: int
    categories: list[tuple[str, int]]
    municipalities: list[tuple[str, int]]


def survey_results(*, network_id: int) -> list[MrcNeeds]:
    """The needs survey per MRC: responses by kind of respondent, wanted categories and
    pickup municipalities, most wanted first. Free-text answers are never returned."""
    base = NeedsSurveyResponse.objects.filter(network_id=network_id)
    per_mrc = (
        base.values("mrc_id", "mrc__name")
        .annotate(
            n=Count("pk"),
            households=Count("pk", filter=Q(respondent_kind=RespondentKind.HOUSEHOLD)),
            agencies=Count("pk", filter=Q(respondent_kind=RespondentKind.AGENCY)),
        )
        .order_by("mrc__name")
    )
    categories: dict[int, Counter[str]] = {}
    for mrc_id, wanted in base.values_list("mrc_id", "wanted_categories").iterator():
        categories.setdefault(mrc_id, Counter()).update(set(wanted or []))
    places: dict[int, list[tuple[str, int]]] = {}
    through = NeedsSurveyResponse.pickup_municipalities.through
    for place in (
        through.objects.filter(needssurveyresponse__network_id=network_id)
        .values("needssurveyresponse__mrc_id", "municipality__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "municipality__name")
    ):
        places.setdefault(place["needssurveyresponse__mrc_id"], []).append(
            (place["municipality__name"], place["n"])
        )
    order = list(FoodCategory.values)
    results = []
    for row in per_mrc:
        counts = categories.get(row["mrc_id"], Counter())
        cats = sorted(
            ((c, n) for c, n in counts.items() if c in FoodCategory.values),
            key=lambda cn: (-cn[1], order.index(cn[0])),
        )
        results.append(
            MrcNeeds(
                mrc_name=row["mrc__name"],
                responses=row["n"],
                households=row["households"],
                agencies=row["agencies"],
                categories=[(str(FoodCategory(c).label), n) for c, n in cats],
                municipalities=places.get(row["mrc_id"], []),
            )
        )
    return results
