"""Fair allocation of rescued food to agencies (pure core, no Django).

Public API: :class:`AllocationProblem`, :class:`AllocationPlan`, :func:`solve_allocation`,
:func:`validate_allocation`, :func:`trade_off_curve`, :func:`proportional_plan`,
:func:`hard_band_feasible`; pooling (Choice System) lives in :mod:`.pooling`.
"""

from .engine import (
    DEFAULT_CURVE_DELTAS,
    CurvePoint,
    hard_band_feasible,
    proportional_plan,
    solve_allocation,
    trade_off_curve,
)
from .errors import AllocationError, ErrorCode
from .jsonio import load_problem, plan_to_dict, problem_from_dict, problem_to_dict
from .model import (
    Agency,
    AllocationPlan,
    AllocationProblem,
    Assignment,
    BindingReason,
    EquityMetrics,
    Explanation,
    FoodCategory,
    Hub,
    Lot,
    LotScope,
    PlanMethod,
    Policy,
    StorageClass,
)
from .validate import Violation, ViolationCode, validate_allocation

__all__ = [
    "DEFAULT_CURVE_DELTAS",
    "Agency",
    "AllocationError",
    "AllocationPlan",
    "AllocationProblem",
    "Assignment",
    "BindingReason",
    "CurvePoint",
    "EquityMetrics",
    "ErrorCode",
    "Explanation",
    "FoodCategory",
    "Hub",
    "Lot",
    "LotScope",
    "PlanMethod",
    "Policy",
    "StorageClass",
    "Violation",
    "ViolationCode",
    "hard_band_feasible",
    "load_problem",
    "plan_to_dict",
    "problem_from_dict",
    "problem_to_dict",
    "proportional_plan",
    "solve_allocation",
    "trade_off_curve",
    "validate_allocation",
]
