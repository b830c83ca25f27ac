"""Food-safety rules for donated food in Québec, free of Django.

Sources: quebec.ca "Dons d'aliments" (fridges ≤ 4 °C, freezers ≤ -18 °C, checked daily);
Health Canada (the "date limite d'utilisation" is a hard limit: never distribute after it;
"best before" is about quality); Moisson Sud-Ouest practice (shelf-stable goods at most one
year past best-before; dented or opened packages refused).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


class StorageClass(enum.StrEnum):
    AMBIENT = "ambient"
    REFRIGERATED = "refrigerated"
    FROZEN = "frozen"


class DateKind(enum.StrEnum):
    BEST_BEFORE = "best_before"
    USE_BY = "use_by"  # date limite d'utilisation (DLU)
    PACKAGED_ON = "packaged_on"
    NONE = "none"


class HoldReason(enum.StrEnum):
    USE_BY_PASSED = "use_by_passed"
    BEST_BEFORE_TOO_OLD = "best_before_too_old"
    TEMPERATURE_REVIEW = "temperature_review"
    RECALL = "recall"


class Allergen(enum.StrEnum):
    """Health Canada's priority food allergens (and added sulphites ≥ 10 ppm)."""

    PEANUTS = "peanuts"
    TREE_NUTS = "tree_nuts"
    MILK = "milk"
    EGGS = "eggs"
    FISH = "fish"
    CRUSTACEANS_MOLLUSCS = "crustaceans_molluscs"
    SOY = "soy"
    WHEAT_TRITICALE = "wheat_triticale"
    SESAME = "sesame"
    MUSTARD = "mustard"
    SULPHITES = "sulphites"


@dataclass(frozen=True)
class SafetyPolicy:
    """Thresholds a network may change in its settings; defaults from the sources above."""

    refrigerated_max_c: Decimal = Decimal("4")
    frozen_max_c: Decimal = Decimal("-18")
    shelf_stable_max_days_past_best_before: int = 365
    near_date_days: int = 3

    def max_temperature_c(self, storage_class: StorageClass) -> Decimal | None:
        """The highest acceptable temperature for a class (None: no limit for ambient)."""
        if storage_class == StorageClass.REFRIGERATED:
            return self.refrigerated_max_c
        if storage_class == StorageClass.FROZEN:
            return self.frozen_max_c
        return None


DEFAULT_POLICY = SafetyPolicy()


def temperature_ok(
    storage_class: StorageClass,
    temperature_c: Decimal | None,
    policy: SafetyPolicy = DEFAULT_POLICY,
) -> bool:
    """True when a measured temperature is within the class threshold (ambient: always).

    A refrigerated or frozen item with no measured temperature is not acceptable.
    """
    limit = policy.max_temperature_c(storage_class)
    if limit is None:
        return True
    return temperature_c is not None and temperature_c <= limit


def date_hold(
    *,
    date_kind: DateKind,
    date_value: date | None,
    storage_class: StorageClass,
    today: date,
    policy: SafetyPolicy = DEFAULT_POLICY,
) -> HoldReason | None:
    """Why a lot must not be distributed today because of its date, or None.

    - past its date limite d'utilisation (use_by < today): always blocked;
    - shelf-stable (ambient) more than `shelf_stable_max_days_past_best_before` days past its
      best-before date: blocked.
    """
    if date_value is None:
        return None
    if date_kind == DateKind.USE_BY and date_value < today:
        return HoldReason.USE_BY_PASSED
    if (
        date_kind == DateKind.BEST_BEFORE
        and storage_class == StorageClass.AMBIENT
        and today - date_value > timedelta(days=policy.shelf_stable_max_days_past_best_before)
    ):
        return HoldReason.BEST_BEFORE_TOO_OLD
    return None


def days_to_date(date_value: date | None, today: date) -> int | None:
    """Days left until the lot's date (negative when past); None when there is no date."""
    return None if date_value is None else (date_value - today).days


def urgency_score(quantity_kg: Decimal, days_left: int | None) -> Decimal:
    """Offer urgency = kg x (1 / days to expiry), so big and soon comes first.

    Days left are floored at 1 (today or past counts as 1); no date counts as 30 days.
    """
    days = 30 if days_left is None else max(days_left, 1)
    return (quantity_kg / Decimal(days)).quantize(Decimal("0.001"))
