"""Frozen problem and plan dataclasses of the fair-allocation core.

Units are in field names: ``*_kg`` kilograms (float), ``*_g`` grams (int), ``people_served``
persons, ``*_per_kg`` dollars (or any consistent cost unit) per kilogram.  Mapping fields are
copied into plain dicts at construction and excluded from hashing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .errors import AllocationError, ErrorCode


class StorageClass(StrEnum):
    """Temperature class of a lot and of a receiving capacity."""

    AMBIENT = "ambient"
    REFRIGERATED = "refrigerated"
    FROZEN = "frozen"


class FoodCategory(StrEnum):
    """Food categories, following Canada's Food Guide plate (2019) plus residual classes."""

    VEGETABLES_FRUITS = "vegetables_fruits"
    PROTEIN_FOODS = "protein_foods"
    WHOLE_GRAINS = "whole_grains"
    OTHER_GRAINS = "other_grains"
    PREPARED_MEALS = "prepared_meals"
    OTHER = "other"


class LotScope(StrEnum):
    """Which lots an agency may receive, by the lot's hub."""

    ALL = "all"  # any hub of the network (inter-hub surcharge applies)
    MRC = "mrc"  # hubs of the agency's MRC only
    HUB = "hub"  # the agency's own hub only


class PlanMethod(StrEnum):
    """How a plan was produced."""

    LP = "lp"  # fractional LP quantities disaggregated to lots by FEFO
    WHOLE_LOTS = "whole_lots"  # LP-guided FEFO rounding: whole lots / whole units
    PROPORTIONAL = "proportional"  # baseline: each lot whole to the agency furthest below share


class BindingReason(StrEnum):
    """Why an agency's allocation in a category is where it is (see docs/allocation.md)."""

    NONE = "none"  # within band, nothing binding
    ELIGIBILITY = "eligibility"
    CAPACITY = "capacity"
    EXPIRY = "expiry"
    EQUITY = "equity"  # held at the upper edge of the band while supply remained
    SUPPLY = "supply"
    COST = "cost"  # supply and room remained; the objective (transport, rounding) chose not to


DEFAULT_NUTRITION_WEIGHT: dict[FoodCategory, float] = {
    FoodCategory.VEGETABLES_FRUITS: 1.5,
    FoodCategory.PROTEIN_FOODS: 1.4,
    FoodCategory.WHOLE_GRAINS: 1.3,
    FoodCategory.OTHER_GRAINS: 1.0,
    FoodCategory.PREPARED_MEALS: 1.0,
    FoodCategory.OTHER: 0.7,
}

CATEGORIES: tuple[FoodCategory, ...] = tuple(FoodCategory)
CLASSES: tuple[StorageClass, ...] = tuple(StorageClass)


def _fail(code: ErrorCode, message: str) -> AllocationError:
    return AllocationError(code, message)


def _category(value: object) -> FoodCategory:
    try:
        return FoodCategory(str(value))
    except ValueError:
        raise _fail(ErrorCode.UNKNOWN_CATEGORY, f"unknown food category {value!r}") from None


def _storage(value: object) -> StorageClass:
    try:
        return StorageClass(str(value))
    except ValueError:
        raise _fail(ErrorCode.UNKNOWN_STORAGE_CLASS, f"unknown storage class {value!r}") from None


def kg_to_g(quantity_kg: float) -> int:
    """Convert kilograms (float) to whole grams (int), rounding to the nearest gram."""
    return round(quantity_kg * 1000.0)


def _finite_nonneg(value: float, code: ErrorCode, what: str) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise _fail(code, f"{what} must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True)
class Hub:
    """A distribution hub (entrepôt / point de chute) belonging to one MRC."""

    hub_id: str
    mrc_id: str

    def __post_init__(self) -> None:
        if not self.hub_id or not self.mrc_id:
            raise _fail(ErrorCode.EMPTY_ID, "hub_id and mrc_id must be non-empty")


@dataclass(frozen=True)
class Agency:
    """A receiving agency (organisme).

    ``capacity_kg`` is the receiving capacity per storage class for the period, kg (missing
    classes mean 0).  ``prior_received_kg`` is what the agency already received per category in
    the previous weeks of the rolling equity window, kg.  ``earliest_delivery`` is the first date
    the agency can be delivered in the period; a lot whose DLU is before it cannot go there.
    """

    agency_id: str
    hub_id: str
    people_served: int
    capacity_kg: Mapping[StorageClass, float] = field(hash=False)
    earliest_delivery: date
    deprivation_factor: float = 1.0
    ineligible_categories: frozenset[FoodCategory] = frozenset()
    transport_cost_per_kg: float = 0.0
    prior_received_kg: Mapping[FoodCategory, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.agency_id or not self.hub_id:
            raise _fail(ErrorCode.EMPTY_ID, "agency_id and hub_id must be non-empty")
        if isinstance(self.people_served, bool) or int(self.people_served) <= 0:
            raise _fail(
                ErrorCode.NON_POSITIVE_PEOPLE,
                f"agency {self.agency_id}: people_served must be > 0",
            )
        f = float(self.deprivation_factor)
        if not (math.isfinite(f) and f > 0):
            raise _fail(
                ErrorCode.BAD_DEPRIVATION_FACTOR,
                f"agency {self.agency_id}: deprivation_factor must be > 0",
            )
        caps: dict[StorageClass, float] = {c: 0.0 for c in CLASSES}
        for key, value in self.capacity_kg.items():
            v = float(value)
            _finite_nonneg(v, ErrorCode.NEGATIVE_CAPACITY, f"agency {self.agency_id} capacity")
            caps[_storage(key)] = v
        object.__setattr__(self, "capacity_kg", caps)
        object.__setattr__(
            self,
            "ineligible_categories",
            frozenset(_category(c) for c in self.ineligible_categories),
        )
        cost = float(self.transport_cost_per_kg)
        _finite_nonneg(cost, ErrorCode.NEGATIVE_COST, f"agency {self.agency_id} transport cost")
        prior: dict[FoodCategory, float] = {}
        for cat_key, value in self.prior_received_kg.items():
            v = float(value)
            _finite_nonneg(v, ErrorCode.NEGATIVE_QUANTITY, f"agency {self.agency_id} prior kg")
            prior[_category(cat_key)] = v
        object.__setattr__(self, "prior_received_kg", prior)

    @property
    def need_weight(self) -> float:
        """Need weight = people served x deprivation adjustment factor (persons)."""
        return float(self.people_served) * float(self.deprivation_factor)


@dataclass(frozen=True)
class Lot:
    """An available lot of food at a hub.

    ``dlu`` is the hard expiry (date limite d'utilisation): never allocated to an agency whose
    earliest delivery is after it.  ``best_before`` only affects urgency.  A ``divisible`` lot
    can be split into whole units of ``unit_kg``; ``quantity_kg`` must then be a multiple of
    ``unit_kg`` (to the gram).
    """

    lot_id: str
    hub_id: str
    category: FoodCategory
    storage_class: StorageClass
    quantity_kg: float
    dlu: date | None = None
    best_before: date | None = None
    unit_kg: float | None = None
    divisible: bool = False

    def __post_init__(self) -> None:
        if not self.lot_id or not self.hub_id:
            raise _fail(ErrorCode.EMPTY_ID, "lot_id and hub_id must be non-empty")
        object.__setattr__(self, "category", _category(self.category))
        object.__setattr__(self, "storage_class", _storage(self.storage_class))
        q = float(self.quantity_kg)
        if not (math.isfinite(q) and q > 0) or kg_to_g(q) <= 0:
            raise _fail(
                ErrorCode.NON_POSITIVE_QUANTITY, f"lot {self.lot_id}: quantity_kg must be >= 1 g"
            )
        if self.divisible:
            if (
                self.unit_kg is None
                or not math.isfinite(self.unit_kg)
                or kg_to_g(self.unit_kg) <= 0
            ):
                raise _fail(ErrorCode.BAD_UNIT, f"lot {self.lot_id}: divisible lot needs unit_kg")
            if kg_to_g(q) % kg_to_g(self.unit_kg) != 0:
                raise _fail(
                    ErrorCode.LOT_NOT_MULTIPLE_OF_UNIT,
                    f"lot {self.lot_id}: quantity_kg {q} is not a multiple of unit_kg",
                )
        elif self.unit_kg is not None and (
            not math.isfinite(self.unit_kg) or kg_to_g(self.unit_kg) <= 0
        ):
            raise _fail(ErrorCode.BAD_UNIT, f"lot {self.lot_id}: unit_kg must be >= 1 g")

    @property
    def quantity_g(self) -> int:
        """Lot size in whole grams."""
        return kg_to_g(self.quantity_kg)

    @property
    def unit_g(self) -> int | None:
        """Unit size in grams for divisible lots, else None."""
        return kg_to_g(self.unit_kg) if self.divisible and self.unit_kg is not None else None

    @property
    def expiry(self) -> date | None:
        """Date used for FEFO and urgency: the earlier of DLU and best-before (None = undated)."""
        dates = [d for d in (self.dlu, self.best_before) if d is not None]
        return min(dates) if dates else None


@dataclass(frozen=True)
class Policy:
    """Policy settings of a run.

    ``delta`` is the equity band (relative, 0.10 = +/-10 % of fair share; ``math.inf`` disables
    it).  ``slack_penalty_per_kg`` is the objective penalty per kg outside the band.
    ``urgency_bucket_days`` are upper bounds (exclusive, days from period start to expiry) of the
    urgency buckets; ``urgency_weights`` has one more entry (the last one for later or undated
    lots).  ``inter_hub_cost_per_kg`` is added when the lot's hub differs from the agency's.
    """

    delta: float = 0.10
    slack_penalty_per_kg: float = 1000.0
    nutrition_weight: Mapping[FoodCategory, float] = field(
        default_factory=lambda: dict(DEFAULT_NUTRITION_WEIGHT), hash=False
    )
    urgency_bucket_days: tuple[int, ...] = (3, 7, 14)
    urgency_weights: tuple[float, ...] = (1.5, 1.3, 1.15, 1.0)
    lot_scope: LotScope = LotScope.ALL
    inter_hub_cost_per_kg: float = 0.0
    withhold_whole_lots: bool = True

    def __post_init__(self) -> None:
        d = float(self.delta)
        if math.isnan(d) or d < 0:
            raise _fail(ErrorCode.BAD_DELTA, f"delta must be >= 0 (or inf), got {self.delta!r}")
        p = float(self.slack_penalty_per_kg)
        if not (math.isfinite(p) and p > 0):
            raise _fail(ErrorCode.BAD_POLICY, "slack_penalty_per_kg must be > 0")
        weights = dict(DEFAULT_NUTRITION_WEIGHT)
        for key, value in self.nutrition_weight.items():
            v = float(value)
            _finite_nonneg(v, ErrorCode.BAD_POLICY, "nutrition weight")
            weights[_category(key)] = v
        object.__setattr__(self, "nutrition_weight", weights)
        days = tuple(int(x) for x in self.urgency_bucket_days)
        if any(b <= a for a, b in itertools.pairwise(days)):
            raise _fail(ErrorCode.BAD_POLICY, "urgency_bucket_days must be increasing")
        if len(self.urgency_weights) != len(days) + 1:
            raise _fail(ErrorCode.BAD_POLICY, "urgency_weights needs len(urgency_bucket_days)+1")
        for w in self.urgency_weights:
            _finite_nonneg(float(w), ErrorCode.BAD_POLICY, "urgency weight")
        object.__setattr__(self, "urgency_bucket_days", days)
        object.__setattr__(self, "urgency_weights", tuple(float(w) for w in self.urgency_weights))
        try:
            object.__setattr__(self, "lot_scope", LotScope(str(self.lot_scope)))
        except ValueError:
            raise _fail(
                ErrorCode.UNKNOWN_LOT_SCOPE, f"unknown lot scope {self.lot_scope!r}"
            ) from None
        _finite_nonneg(float(self.inter_hub_cost_per_kg), ErrorCode.NEGATIVE_COST, "inter-hub cost")


@dataclass(frozen=True)
class AllocationProblem:
    """One allocation period: hubs, agencies, available lots, window history and policy.

    ``window_prior_supply_kg`` is the supply per category distributed in the previous weeks of
    the rolling equity window (kg); agencies carry what they received of it.  Fair share of an
    agency in a category over the window = need share among eligible agencies x (prior window
    supply + supply available this period).
    """

    period_id: str
    period_start: date
    period_end: date
    hubs: tuple[Hub, ...]
    agencies: tuple[Agency, ...]
    lots: tuple[Lot, ...]
    window_prior_supply_kg: Mapping[FoodCategory, float] = field(default_factory=dict, hash=False)
    window_weeks: int = 1
    policy: Policy = field(default_factory=Policy)

    def __post_init__(self) -> None:
        if not self.period_id:
            raise _fail(ErrorCode.EMPTY_ID, "period_id must be non-empty")
        if self.period_end < self.period_start:
            raise _fail(ErrorCode.BAD_PERIOD, "period_end is before period_start")
        if int(self.window_weeks) < 1:
            raise _fail(ErrorCode.BAD_PERIOD, "window_weeks must be >= 1")
        object.__setattr__(self, "hubs", tuple(self.hubs))
        object.__setattr__(self, "agencies", tuple(self.agencies))
        object.__setattr__(self, "lots", tuple(self.lots))
        if not self.agencies:
            raise _fail(ErrorCode.NO_AGENCIES, "a problem needs at least one agency")
        hub_ids = [h.hub_id for h in self.hubs]
        _unique(hub_ids, "hub")
        _unique([a.agency_id for a in self.agencies], "agency")
        _unique([lot.lot_id for lot in self.lots], "lot")
        known = set(hub_ids)
        for a in self.agencies:
            if a.hub_id not in known:
                raise _fail(ErrorCode.UNKNOWN_HUB, f"agency {a.agency_id}: unknown hub {a.hub_id}")
        for lot in self.lots:
            if lot.hub_id not in known:
                raise _fail(ErrorCode.UNKNOWN_HUB, f"lot {lot.lot_id}: unknown hub {lot.hub_id}")
        prior: dict[FoodCategory, float] = {}
        for key, value in self.window_prior_supply_kg.items():
            v = float(value)
            _finite_nonneg(v, ErrorCode.NEGATIVE_QUANTITY, "window_prior_supply_kg")
            prior[_category(key)] = v
        object.__setattr__(self, "window_prior_supply_kg", prior)

    @property
    def mrc_of_hub(self) -> dict[str, str]:
        """Mapping hub_id -> mrc_id."""
        return {h.hub_id: h.mrc_id for h in self.hubs}

    def with_policy(self, policy: Policy) -> AllocationProblem:
        """Return a copy of this problem with another policy."""
        return AllocationProblem(
            period_id=self.period_id,
            period_start=self.period_start,
            period_end=self.period_end,
            hubs=self.hubs,
            agencies=self.agencies,
            lots=self.lots,
            window_prior_supply_kg=self.window_prior_supply_kg,
            window_weeks=self.window_weeks,
            policy=policy,
        )


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise _fail(ErrorCode.DUPLICATE_ID, f"duplicate {what} id {i!r}")
        seen.add(i)


@dataclass(frozen=True)
class Assignment:
    """``quantity_g`` grams of lot ``lot_id`` go to ``agency_id`` (``units`` if divisible)."""

    lot_id: str
    agency_id: str
    quantity_g: int
    units: int | None = None

    @property
    def quantity_kg(self) -> float:
        """Quantity in kilograms."""
        return self.quantity_g / 1000.0


@dataclass(frozen=True)
class EquityMetrics:
    """Equity and efficiency measures of a plan (window totals; see docs/allocation.md)."""

    max_relative_deviation: float  # max |R - F| / F over (agency, category) with F > 0
    min_fill_rate: float  # min R / F over (agency, category) with F > 0
    gini_per_person: float  # Gini of window kg per need-weighted person across agencies
    envy_kg_per_person: float  # max_{a,b} (b's per-person kg in a's eligible cats - a's own)
    envy_relative: float  # envy_kg_per_person / mean per-person kg
    distributed_kg: float  # allocated this period
    available_kg: float  # supply this period (lots not past DLU at period start)
    undistributed_kg: float
    weighted_value: float  # sum coef x kg (nutrition x urgency - transport), no penalty
    band_slack_kg: float  # total kg outside the band (below lower + above upper edge)


@dataclass(frozen=True)
class Explanation:
    """Fair share vs allocation for one agency or MRC in one category, with the binding reason."""

    level: str  # "agency" | "mrc"
    entity_id: str
    category: FoodCategory
    fair_share_kg: float  # over the window
    allocated_kg: float  # over the window (prior + this period)
    allocated_period_kg: float  # this period only
    reason: BindingReason


@dataclass(frozen=True)
class AllocationPlan:
    """Result of a solve: lot assignments (grams), objective, bounds and equity measures.

    ``objective`` is the penalised objective (weighted value - penalty x band slack kg) of the
    assignments; ``lp_bound`` the LP optimum of the same objective; ``rounding_gap_pct`` =
    100 x (lp_bound - objective) / |lp_bound| and ``value_gap_pct`` the same on the unpenalised
    weighted value.
    """

    period_id: str
    method: PlanMethod
    delta: float
    assignments: tuple[Assignment, ...]
    objective: float
    lp_bound: float
    rounding_gap_pct: float
    value_gap_pct: float
    hard_band_held: bool
    metrics: EquityMetrics
    explanations: tuple[Explanation, ...]
    solve_seconds: float
    status: str = "optimal"
    timings_s: Mapping[str, float] = field(default_factory=dict, hash=False)

    def allocated_kg_by_agency(self) -> dict[str, float]:
        """Total kg per agency in this period."""
        out: dict[str, float] = {}
        for a in self.assignments:
            out[a.agency_id] = out.get(a.agency_id, 0.0) + a.quantity_kg
        return out
