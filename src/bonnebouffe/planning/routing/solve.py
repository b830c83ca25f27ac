"""``solve_routing``: run PyVRP (1 or more seeds in parallel processes), keep the best."""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor

from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError
from bonnebouffe.planning.routing.model import RoutePlan, RoutingProblem
from bonnebouffe.planning.routing.reasons import left_out_reasons


def _solve_one(problem: RoutingProblem, time_limit_s: float, seed: int) -> RoutePlan:
    from bonnebouffe.planning.routing.pyvrp_adapter import solve_with_pyvrp

    return solve_with_pyvrp(problem, time_limit_s=time_limit_s, seed=seed)


def _rank(plan: RoutePlan) -> tuple[int, float]:
    return (0 if plan.feasible else 1, plan.objective)


def solve_routing(
    problem: RoutingProblem, *, time_limit_s: float, seed: int = 0, workers: int = 1
) -> RoutePlan:
    """Plan routes for ``problem``.

    Args:
        problem: the routing problem (matrix from ``problem.travel``).
        time_limit_s: budget in seconds for each solver run (matrix building included);
            with ``workers > 1`` the runs are concurrent. Not counted by PyVRP's stopping
            criterion: its initial local search (~3 s at 700 stops), process start-up and
            the left-out-reason pass, so wall time can exceed ``time_limit_s`` by that.
        seed: seed of the first run; run ``i`` uses ``seed + i``.
        workers: number of parallel processes (1 = solve in this process).

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
    if workers == 1:
        plans = [_solve_one(problem, time_limit_s, seed)]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_solve_one, problem, time_limit_s, s) for s in seeds]
            plans = [f.result() for f in futures]
    best = min(plans, key=_rank)
    dist, dur = problem.matrices()
    left = left_out_reasons(problem, best, dist, dur)
    stats = dataclasses.replace(
        best.stats,
        runtime_s=time.perf_counter() - t0,
        seeds=seeds,
        workers=workers,
        iterations=sum(p.stats.iterations for p in plans),
    )
    return dataclasses.replace(best, left_out=left, stats=stats)
