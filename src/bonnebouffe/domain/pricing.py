"""Income-based prices ("universalisme proportionné"), without Django.

Money is integer cents everywhere. The rules come from ../shared/DOMAIN.md:

- A network defines tiers; a tier price is either a per-product price or a percentage rule
  applied to the regular price (for example Privilège -30 %, a pay-it-forward price +20 %).
- Eligibility from income: the Market Basket Measure (MBM, Statistics Canada table
  11-10-0066-01) is published for a family of 4; for another size it is scaled by
  sqrt(size) / sqrt4. A tier rule "income / MBM(size) ≤ ratio → tier" is configurable. The income
  itself is never stored: the person picks the income band shown in dollars for their size.
- The subsidy of a sale line is the regular price minus the price charged (negative for a
  pay-it-forward price, which is then a contribution).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class PricingError(ValueError):
    """A price rule or an eligibility table that cannot be applied."""


def tier_price_cents(
    regular_cents: int, *, percent_adjust: Decimal | int = 0, fixed_cents: int | None = None
) -> int:
    """The price of one sale unit at a tier, in cents.

    `fixed_cents` (a per-product price for the tier) wins over `percent_adjust` (-30 means
    30 % off, +20 means 20 % more). Rounded half up to the cent; never below zero.
    Raises PricingError for a negative regular price or an adjustment below -100 %.
    """
    if regular_cents < 0:
        raise PricingError("negative regular price")
    if fixed_cents is not None:
        if fixed_cents < 0:
            raise PricingError("negative tier price")
        return fixed_cents
    adjust = Decimal(percent_adjust)
    if adjust < -100:
        raise PricingError("adjustment below -100 %")
    price = (Decimal(regular_cents) * (100 + adjust) / 100).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return max(int(price), 0)


def line_amount_cents(unit_price_cents: int, *, units: int = 0, grams: int = 0) -> int:
    """Amount of a line: price per unit x units, or price per kg x grams / 1000 (half up)."""
    if units < 0 or grams < 0:
        raise PricingError("negative quantity")
    if units:
        return unit_price_cents * units
    amount = (Decimal(unit_price_cents) * grams / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(amount)


def mbm_threshold_cents(family_of_4_cents: int, household_size: int) -> int:
    """MBM for a household of `household_size`: the family-of-4 figure x sqrtsize / 2 (cents)."""
    if household_size < 1:
        raise PricingError("household size below 1")
    if family_of_4_cents <= 0:
        raise PricingError("MBM must be positive")
    return int(
        (Decimal(family_of_4_cents) * Decimal(math.sqrt(household_size)) / 2).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )


@dataclass(frozen=True)
class EligibilityRule:
    """Income / MBM(size) ≤ `max_ratio` gives `tier_code`; `max_ratio=None` is the rest."""

    tier_code: str
    max_ratio: Decimal | None


@dataclass(frozen=True)
class IncomeBand:
    """One choice shown to a household: annual income up to `upper_cents` (None: above)."""

    tier_code: str
    lower_cents: int
    upper_cents: int | None


def income_bands(
    *, family_of_4_cents: int, household_size: int, rules: Sequence[EligibilityRule]
) -> list[IncomeBand]:
    """The income bands in dollars for one household size, lowest first.

    Rules are sorted by ratio; exactly one rule must be open-ended (`max_ratio=None`).
    Raises PricingError when the rules are empty, have no open-ended rule, more than one, or
    a ratio that is not positive.
    """
    bounded = sorted((r for r in rules if r.max_ratio is not None), key=lambda r: r.max_ratio)  # type: ignore[arg-type, return-value]
    open_ended = [r for r in rules if r.max_ratio is None]
    if len(open_ended) != 1:
        raise PricingError("exactly one rule must cover incomes above every ratio")
    if any(r.max_ratio is not None and r.max_ratio <= 0 for r in bounded):
        raise PricingError("ratios must be positive")
    mbm = mbm_threshold_cents(family_of_4_cents, household_size)
    bands: list[IncomeBand] = []
    lower = 0
    for rule in bounded:
        assert rule.max_ratio is not None
        upper = int((Decimal(mbm) * rule.max_ratio).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        bands.append(IncomeBand(tier_code=rule.tier_code, lower_cents=lower, upper_cents=upper))
        lower = upper
    bands.append(IncomeBand(tier_code=open_ended[0].tier_code, lower_cents=lower, upper_cents=None))
    return bands


def tier_for_income(
    *,
    annual_income_cents: int,
    family_of_4_cents: int,
    household_size: int,
    rules: Sequence[EligibilityRule],
) -> str:
    """The tier of an income (used only transiently, never stored). Raises PricingError."""
    if annual_income_cents < 0:
        raise PricingError("negative income")
    for band in income_bands(
        family_of_4_cents=family_of_4_cents, household_size=household_size, rules=rules
    ):
        if band.upper_cents is None or annual_income_cents <= band.upper_cents:
            return band.tier_code
    raise AssertionError("unreachable: the last band is open-ended")


def weekly_food_budget_cents(*, family_of_4_cents: int, household_size: int) -> int:
    """A weekly food budget: the weekly cost for a family of 4 x sqrtsize / 2 (half up).

    The same square-root equivalence scale as the MBM; the family-of-4 weekly cost of a
    nutritious food basket is a network setting. Raises PricingError.
    """
    if household_size < 1:
        raise PricingError("household size below 1")
    if family_of_4_cents < 0:
        raise PricingError("negative budget")
    return int(
        (Decimal(family_of_4_cents) * Decimal(math.sqrt(household_size)) / 2).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )
