"""``solve_routing``: run PyVRP (1 or more seeds in parallel processes), keep the best."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from bonnebouffe.planning.routing.decompose import HubPart, hub_parts, part_time_limits
from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError
from bonnebouffe.planning.routing.model import RoutePlan, RoutingProblem
from bonnebouffe.planning.routing.reasons import left_out_reasons

if TYPE_CHECKING:
    from bonnebouffe.planning.routing.pyvrp_adapter import RouteSketch

T = TypeVar("T")

ROUND_S = 5.0
"""Seconds of search per round (at most 1,000 stops; more stops, proportionally longer):
after each round every run restarts from the best plan so far, with a new seed."""

DECOMPOSE_SHARE = 0.3
"""Share of the time budget spent on the per-hub parts before the whole-problem search."""


def _solve_one(
    problem: RoutingProblem,
    time_limit_s: float,
    seed: int,
    initial: list[RouteSketch] | None = None,
) -> RoutePlan:
    from bonnebouffe.planning.routing.pyvrp_adapter import solve_with_pyvrp

    return solve_with_pyvrp(problem, time_limit_s=time_limit_s, seed=seed, initial=initial)


def _sketches(problem: RoutingProblem, plan: RoutePlan) -> list[RouteSketch]:
    from bonnebouffe.planning.routing.pyvrp_adapter import plan_sketches

    return plan_sketches(problem, plan)


def _solve_part(
    problem: RoutingProblem, part: HubPart, time_limit_s: float, seed: int
) -> tuple[list[RouteSketch], int]:
    from bonnebouffe.planning.routing.pyvrp_adapter import solve_part_with_pyvrp

    return solve_part_with_pyvrp(problem, part, time_limit_s=time_limit_s, seed=seed)


def _rank(plan: RoutePlan) -> tuple[int, float]:
    return (0 if plan.feasible else 1, plan.objective)


class _NoPool:
    """``ProcessPoolExecutor`` stand-in that runs the call at once in this process."""

    def __enter__(self) -> _NoPool:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[..., T], /, *args: object) -> Future[T]:
        future: Future[T] = Future()
        future.set_result(fn(*args))
        return future


def solve_routing(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    seed: int = 0,
    workers: int = 1,
    decompose: bool = True,
    initial_plan: RoutePlan | None = None,
) -> RoutePlan:
    """Plan routes for ``problem``.

    Args:
        problem: the routing problem (matrix from ``problem.travel``).
        time_limit_s: wall budget in seconds of the whole call (matrix building
            included), shared by the hub parts and the rounds (``ROUND_S``); the
            ``workers`` processes run concurrently. Not counted: the left-out-reason
            pass, and in a single round PyVRP's initial local search (~3 s at 700
            stops) and process start-up, by which wall time can exceed the budget.
        seed: seed of the first run; process ``i`` of round ``k`` uses
            ``seed + i + k * workers``, hub part ``i`` uses ``seed + i``.
        workers: number of parallel processes (1 = solve in this process).
        decompose: when the problem splits by hub (``decompose.hub_parts``), first
            solve each hub's part alone (in parallel, ``DECOMPOSE_SHARE`` of the budget),
            then start every whole-problem run from the merged routes. The whole-problem
            search may move any stop to any vehicle; the parts are only its start.
        initial_plan: a plan *of this problem* (e.g. yesterday's plan re-solved, or a
            previous solve) to start every run from instead; no decomposition then.

    Returns:
        The best plan (feasible first, then lowest objective) with left-out reasons.
        Check ``plan.feasible`` and ``validate_routing``: an infeasible problem yields a
        plan with ``feasible=False`` rather than an exception.

    Raises:
        RoutingInputError(BAD_PARAMETER): time_limit_s <= 0 or workers < 1.
        RoutingInputError(PROVIDER_FAILED/BAD_MATRIX): from the travel model.
    """
    if not time_limit_s > 0:
        raise RoutingInputError(ErrorCode.BAD_PARAMETER, "time_limit_s must be > 0")
    if workers < 1:
        raise RoutingInputError(ErrorCode.BAD_PARAMETER, "workers must be >= 1")
    t0 = time.perf_counter()
    seeds = tuple(seed + i for i in range(workers))
    initial = _sketches(problem, initial_plan) if initial_plan is not None else None
    hubs = {vt.depot_id for vt in problem.vehicle_types}
    use_parts = decompose and initial is None and len(hubs) > 1  # else no matrix needed
    parts = hub_parts(problem, problem.matrices()[1]) if use_parts else ()
    part_iterations = 0
    with ProcessPoolExecutor(max_workers=workers) if workers > 1 else _NoPool() as pool:
        if parts:
            budget = DECOMPOSE_SHARE * (time_limit_s - (time.perf_counter() - t0))
            limits = part_time_limits(parts, budget, workers)
            order = sorted(range(len(parts)), key=lambda i: -parts[i].size)
            part_futures = [
                pool.submit(_solve_part, problem, parts[i], limits[i], seed + i) for i in order
            ]
            initial = []
            for f in part_futures:
                routes, iters = f.result()
                initial.extend(routes)
                part_iterations += iters
        plans: list[RoutePlan] = []
        left = time_limit_s - (time.perf_counter() - t0)
        size = len(problem.stops) + 2 * len(problem.shipments)
        rounds = max(1, int(left // (ROUND_S * max(1.0, size / 1000))))
        for k in range(rounds):
            left = time_limit_s - (time.perf_counter() - t0)
            limit = max(0.05, left / (rounds - k))
            futures = [
                pool.submit(_solve_one, problem, limit, s + k * workers, initial) for s in seeds
            ]
            plans.extend(f.result() for f in futures)
            if k + 1 < rounds:
                initial = _sketches(problem, min(plans, key=_rank))
    best = min(plans, key=_rank)
    dist, dur = problem.matrices()
    left_out = left_out_reasons(problem, best, dist, dur)
    stats = dataclasses.replace(
        best.stats,
        runtime_s=time.perf_counter() - t0,
        seeds=seeds,
        workers=workers,
        iterations=part_iterations + sum(p.stats.iterations for p in plans),
        hub_parts=len(parts),
    )
    return dataclasses.replace(best, left_out=left_out, stats=stats)
