"""Hypothesis properties: every plan respects every hard constraint."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from bonnebouffe.planning.allocation import (
    AllocationProblem,
    Assignment,
    hard_band_feasible,
    proportional_plan,
    solve_allocation,
    validate_allocation,
)

from .conftest import problems

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_direct(problem: AllocationProblem, plan_assignments: tuple[Assignment, ...]) -> None:
    """Re-check the core rules without the validator (defence in depth)."""
    lots = {x.lot_id: x for x in problem.lots}
    ags = {a.agency_id: a for a in problem.agencies}
    per_lot: dict[str, int] = {}
    for asg in plan_assignments:
        lot, ag = lots[asg.lot_id], ags[asg.agency_id]
        per_lot[lot.lot_id] = per_lot.get(lot.lot_id, 0) + asg.quantity_g
        assert lot.category not in ag.ineligible_categories
        assert lot.dlu is None or lot.dlu >= ag.earliest_delivery
    for lot_id, grams in per_lot.items():
        assert grams <= lots[lot_id].quantity_g


@FAST
@given(problems())
def test_lp_plan_is_valid(problem: AllocationProblem) -> None:
    plan = solve_allocation(problem, explain_plan=False)
    assert validate_allocation(problem, plan) == []
    _check_direct(problem, plan.assignments)


@FAST
@given(problems())
def test_whole_lot_plan_is_valid(problem: AllocationProblem) -> None:
    plan = solve_allocation(problem, whole_lots=True)
    assert validate_allocation(problem, plan) == []
    _check_direct(problem, plan.assignments)
    assert plan.objective <= plan.lp_bound + 1e-6 * max(1.0, abs(plan.lp_bound))


@FAST
@given(problems())
def test_baseline_is_valid(problem: AllocationProblem) -> None:
    plan = proportional_plan(problem, explain_plan=False)
    assert validate_allocation(problem, plan) == []


@FAST
@given(problems())
def test_band_holds_when_hard_band_feasible(problem: AllocationProblem) -> None:
    delta = problem.policy.delta
    plan = solve_allocation(problem, explain_plan=False)
    if hard_band_feasible(problem, delta):
        assert plan.hard_band_held, plan.metrics
    else:
        assert not plan.hard_band_held
