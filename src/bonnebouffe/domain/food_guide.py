"""Canada's Food Guide plate (2019), without Django.

The plate is ½ vegetables and fruits, ¼ whole grain foods, ¼ protein foods (DOMAIN.md,
Health Canada). The network's food categories (`inventory.FoodCategory` values) map onto the
three plate groups: bread and bakery count as grain foods, milk and dairy products as protein
foods (the 2019 guide moved dairy into protein foods). Prepared meals, dry and canned goods,
beverages, infant products and "other" belong to no group: they are reported apart, as
unclassified weight, never guessed.

Weights are integer grams; shares are whole percentages; money is integer cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

VEGETABLES_FRUITS = "vegetables_fruits"
WHOLE_GRAINS = "whole_grains"
PROTEIN = "protein"

#: Plate groups in display order, with their target share in percent.
PLATE_TARGET_PCT: Mapping[str, int] = {VEGETABLES_FRUITS: 50, WHOLE_GRAINS: 25, PROTEIN: 25}

#: Food category (inventory.FoodCategory value) -> plate group.
GROUP_OF_CATEGORY: Mapping[str, str] = {
    "vegetables_fruits": VEGETABLES_FRUITS,
    "whole_grains": WHOLE_GRAINS,
    "bakery": WHOLE_GRAINS,
    "protein": PROTEIN,
    "dairy": PROTEIN,
}


class FoodGuideError(ValueError):
    """A weight or an amount that cannot be placed on the plate (negative)."""


@dataclass(frozen=True)
class PlateShares:
    """How a dish's weight falls on the plate.

    `*_pct` are whole percentages of the weight that belongs to a plate group (they sum to
    100, or are all 0 when nothing does); `unclassified_g` is the weight outside the plate.
    """

    vegetables_fruits_pct: int
    whole_grains_pct: int
    protein_pct: int
    plate_g: int
    unclassified_g: int

    def __post_init__(self) -> None:
        total = self.vegetables_fruits_pct + self.whole_grains_pct + self.protein_pct
        if self.plate_g < 0 or self.unclassified_g < 0:
            raise FoodGuideError("negative weight")
        if total not in (0, 100) or (total == 0) != (self.plate_g == 0):
            raise FoodGuideError("shares must sum to 100 % of the plate weight")

    def as_rows(self) -> list[tuple[str, int, int]]:
        """(group, share %, target %) in display order."""
        shares = {
            VEGETABLES_FRUITS: self.vegetables_fruits_pct,
            WHOLE_GRAINS: self.whole_grains_pct,
            PROTEIN: self.protein_pct,
        }
        return [(group, shares[group], target) for group, target in PLATE_TARGET_PCT.items()]


def _largest_remainder(parts: Mapping[str, int], total: int, scale: int) -> dict[str, int]:
    """Split `scale` in proportion to `parts` (summing to `total`) into integers that sum to
    exactly `scale` (Hamilton's largest-remainder method, ties broken by display order)."""
    floors = {k: v * scale // total for k, v in parts.items()}
    left = scale - sum(floors.values())
    order = sorted(parts, key=lambda k: (-(parts[k] * scale % total), list(parts).index(k)))
    for k in order[:left]:
        floors[k] += 1
    return floors


def plate_shares(weights_g: Iterable[tuple[str, int]]) -> PlateShares:
    """The plate shares of (food category, grams) pairs, e.g. a recipe's ingredients.

    A category may appear several times; unknown categories count as unclassified.
    Raises FoodGuideError for a negative weight.
    """
    by_group = dict.fromkeys(PLATE_TARGET_PCT, 0)
    unclassified = 0
    for category, grams in weights_g:
        if grams < 0:
            raise FoodGuideError("negative weight")
        group = GROUP_OF_CATEGORY.get(category)
        if group is None:
            unclassified += grams
        else:
            by_group[group] += grams
    plate = sum(by_group.values())
    pct = _largest_remainder(by_group, plate, 100) if plate else dict.fromkeys(by_group, 0)
    return PlateShares(
        vegetables_fruits_pct=pct[VEGETABLES_FRUITS],
        whole_grains_pct=pct[WHOLE_GRAINS],
        protein_pct=pct[PROTEIN],
        plate_g=plate,
        unclassified_g=unclassified,
    )


def plate_split_cents(amount_cents: int) -> dict[str, int]:
    """Split an amount along the plate targets (½, ¼, ¼), in cents, summing to the amount
    exactly (leftover cents by largest remainder, vegetables and fruits first on a tie).

    Raises FoodGuideError for a negative amount.
    """
    if amount_cents < 0:
        raise FoodGuideError("negative amount")
    if amount_cents == 0:
        return dict.fromkeys(PLATE_TARGET_PCT, 0)
    return _largest_remainder(PLATE_TARGET_PCT, 100, amount_cents)
