"""Equity-constrained allocation engine (LP on HiGHS, then FEFO whole-lot rounding).

Model (see docs/allocation.md): variables x[a, g] >= 0 kg of supply group g to agency a for
allowed pairs only, band slacks lo[a, c], hi[a, c] >= 0 kg.  Maximise
sum coef[a, g] x[a, g] - penalty x sum (lo + hi) subject to group supply, receiving capacity
per (agency, storage class), and the window band
(1 - delta) F[a, c] <= prior[a, c] + sum_{g in c} x[a, g] + lo - hi <= (1 + delta) F[a, c].
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from .errors import AllocationError, ErrorCode
from .index import IntArray, ProblemIndex, build_index
from .lp import LpOutcome, solve_lp
from .metrics import evaluate, explain
from .model import (
    AllocationPlan,
    AllocationProblem,
    Assignment,
    EquityMetrics,
    PlanMethod,
)
from .rounding import disaggregate_fefo, proportional_baseline, round_milp, round_whole_lots

DEFAULT_CURVE_DELTAS: tuple[float, ...] = (0.0, 0.02, 0.05, 0.1, 0.2, 0.5, math.inf)


@dataclass(frozen=True)
class CurvePoint:
    """One point of the equity/efficiency trade-off curve (fractional LP)."""

    delta: float
    distributed_kg: float
    weighted_value: float
    band_slack_kg: float
    max_relative_deviation: float
    min_fill_rate: float
    hard_band_held: bool


def _effective_delta(problem: AllocationProblem, delta: float | None) -> float:
    d = problem.policy.delta if delta is None else float(delta)
    if math.isnan(d) or d < 0:
        raise AllocationError(ErrorCode.BAD_DELTA, f"delta must be >= 0 (or inf), got {delta!r}")
    return d


def _make_plan(
    ix: ProblemIndex,
    delta: float,
    method: PlanMethod,
    arrays: tuple[IntArray, IntArray, IntArray, IntArray],
    lp: LpOutcome | None,
    timings: dict[str, float],
    explain_plan: bool,
) -> AllocationPlan:
    a_idx, l_idx, grams, units = arrays
    t0 = time.perf_counter()
    ev = evaluate(ix, delta, a_idx, l_idx, grams)
    expl = explain(ix, delta, method, a_idx, l_idx, grams, ev.period_kg) if explain_plan else ()
    timings["evaluate_s"] = time.perf_counter() - t0
    if lp is not None:
        bound = lp.objective
        gap = 100.0 * (bound - ev.objective) / max(abs(bound), 1e-9)
        vgap = 100.0 * (lp.value - ev.value) / max(abs(lp.value), 1e-9)
    else:
        bound, gap, vgap = math.nan, math.nan, math.nan
    assignments = tuple(
        Assignment(ix.lot_ids[lo], ix.agency_ids[a], g, None if u < 0 else u)
        for a, lo, g, u in zip(
            a_idx.tolist(), l_idx.tolist(), grams.tolist(), units.tolist(), strict=True
        )
    )
    return AllocationPlan(
        period_id=ix.problem.period_id,
        method=method,
        delta=delta,
        assignments=assignments,
        objective=ev.objective,
        lp_bound=bound,
        rounding_gap_pct=gap,
        value_gap_pct=vgap,
        hard_band_held=ev.hard_band_held,
        metrics=ev.metrics,
        explanations=expl,
        solve_seconds=sum(timings.values()),
        status="optimal",
        timings_s=dict(timings),
    )


def solve_allocation(
    problem: AllocationProblem,
    *,
    delta: float | None = None,
    whole_lots: bool = False,
    hard_band: bool = False,
    explain_plan: bool = True,
    time_limit_s: float | None = None,
    milp_time_limit_s: float | None = None,
    index: ProblemIndex | None = None,
) -> AllocationPlan:
    """Solve one period: equity-banded LP, then FEFO disaggregation or whole-lot rounding.

    ``delta`` (relative band, default ``problem.policy.delta``; ``math.inf`` = no band).
    ``whole_lots`` rounds to whole lots / whole units (grams exact) with the LP-guided
    heuristic; if ``milp_time_limit_s`` is given, a MILP over (lot x LP-supported agency) is
    also tried for that many seconds and the better of the two plans is kept (small problems
    only).  Otherwise lots may be split.  ``hard_band`` forbids band slack.  ``time_limit_s``
    limits the LP solve (seconds).  Quantities in the plan are grams.

    Raises AllocationError: BAD_DELTA; HARD_BAND_INFEASIBLE if ``hard_band`` and the band
    cannot hold; SOLVER_FAILED if HiGHS fails.
    """
    d = _effective_delta(problem, delta)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ix = index if index is not None else build_index(problem)
    timings["index_s"] = time.perf_counter() - t0
    lp = solve_lp(ix, d, hard=hard_band, time_limit_s=time_limit_s)
    if lp is None:
        raise AllocationError(
            ErrorCode.HARD_BAND_INFEASIBLE, f"no allocation keeps every agency within {d:.3g}"
        )
    timings["lp_build_s"] = lp.build_seconds
    timings["lp_solve_s"] = lp.solve_seconds
    t1 = time.perf_counter()
    if whole_lots:
        arrays = round_whole_lots(ix, lp.x_kg, d)
        method = PlanMethod.WHOLE_LOTS
        if milp_time_limit_s is not None:
            alt = round_milp(ix, lp.x_kg, d, time_limit_s=milp_time_limit_s)
            if alt is not None and (
                evaluate(ix, d, alt[0], alt[1], alt[2]).objective
                > evaluate(ix, d, arrays[0], arrays[1], arrays[2]).objective
            ):
                arrays = alt
    else:
        arrays = disaggregate_fefo(ix, lp.x_kg)
        method = PlanMethod.LP
    timings["lots_s"] = time.perf_counter() - t1
    return _make_plan(ix, d, method, arrays, lp, timings, explain_plan)


def proportional_plan(
    problem: AllocationProblem,
    *,
    delta: float | None = None,
    lp_bound: LpOutcome | None = None,
    explain_plan: bool = True,
    index: ProblemIndex | None = None,
) -> AllocationPlan:
    """Baseline plan: each lot whole to the allowed agency furthest below its fair share.

    ``delta`` only matters for the band measures and objective.  Raises AllocationError
    (BAD_DELTA).
    """
    d = _effective_delta(problem, delta)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ix = index if index is not None else build_index(problem)
    arrays = proportional_baseline(ix)
    timings["baseline_s"] = time.perf_counter() - t0
    return _make_plan(ix, d, PlanMethod.PROPORTIONAL, arrays, lp_bound, timings, explain_plan)


def hard_band_feasible(problem: AllocationProblem, delta: float | None = None) -> bool:
    """True if some fractional allocation keeps every (agency, category) within the band.

    Raises AllocationError (BAD_DELTA, SOLVER_FAILED).
    """
    d = _effective_delta(problem, delta)
    return solve_lp(build_index(problem), d, hard=True) is not None


def trade_off_curve(
    problem: AllocationProblem, deltas: tuple[float, ...] = DEFAULT_CURVE_DELTAS
) -> list[CurvePoint]:
    """Kg distributed (fractional LP) for each band width, so a committee can choose delta.

    Raises AllocationError (BAD_DELTA, SOLVER_FAILED).
    """
    ix = build_index(problem)
    out: list[CurvePoint] = []
    for raw in deltas:
        d = _effective_delta(problem, raw)
        lp = solve_lp(ix, d)
        assert lp is not None
        arrays = disaggregate_fefo(ix, lp.x_kg)
        ev = evaluate(ix, d, arrays[0], arrays[1], arrays[2])
        m: EquityMetrics = ev.metrics
        out.append(
            CurvePoint(
                delta=d,
                distributed_kg=m.distributed_kg,
                weighted_value=m.weighted_value,
                band_slack_kg=m.band_slack_kg,
                max_relative_deviation=m.max_relative_deviation,
                min_fill_rate=m.min_fill_rate,
                hard_band_held=ev.hard_band_held,
            )
        )
    return out
