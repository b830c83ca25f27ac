"""Synthetic regional day in the west of Montérégie: 5 hubs, 300 pickups, 400 deliveries,
30 vehicles, mixed cold chain, haversine travel times.

Usage: PYTHONPATH=src python bench/regional_day.py [--time-limit 55] [--long-time-limit 600]
Last line: ``regional_day: feasible=<0|1> wall_s=<s> cost=<c> cost_long=<c> gap_pct=<g>``
where cost is the plan *objective* ($: travel + fixed costs + prizes of left-out optional
pickups), wall_s includes building the problem and the matrix, and cost_long is the best
of two solves of the same problem for ``--long-time-limit`` seconds by the same planner
with other seeds: its default (hub decomposition as a start, then whole-problem rounds),
and the undivided whole problem (``decompose=False``), printed on the ``long:`` and
``long_whole:`` lines; the gap is measured against the better of the two.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bonnebouffe.planning.routing.solve import solve_routing
from bonnebouffe.planning.routing.synthetic import (
    municipalities_from_rows,
    regional_day,
)
from bonnebouffe.planning.routing.validate import validate_routing

CSV = Path(__file__).resolve().parents[2] / "shared/data/municipalities-west-monteregie.csv"


def main() -> int:
    """Run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default=str(CSV))
    ap.add_argument("--time-limit", type=float, default=55.0)
    ap.add_argument("--long-time-limit", type=float, default=600.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    t0 = time.perf_counter()
    with open(args.csv, encoding="utf-8", newline="") as fh:
        munis = municipalities_from_rows(csv.DictReader(fh))
    problem = regional_day(munis, seed=args.seed)
    problem.matrices()  # matrix cost is part of the wall time (rebuilt in workers too)
    plan = solve_routing(problem, time_limit_s=args.time_limit, seed=1, workers=args.workers)
    violations = validate_routing(problem, plan)
    wall = time.perf_counter() - t0
    ok = plan.feasible and not violations
    reasons = Counter(lo.reason.value for lo in plan.left_out)
    print(
        f"short: routes={len(plan.routes)} trips={sum(r.num_trips for r in plan.routes)} "
        f"distance_km={plan.distance_m / 1000:.1f} travel_cost={plan.cost:.2f} "
        f"prize_missed={plan.prize_missed:.2f} left_out={len(plan.left_out)} {dict(reasons)} "
        f"violations={len(violations)} hub_parts={plan.stats.hub_parts} "
        f"iterations={plan.stats.iterations}",
        flush=True,
    )
    for v in violations[:5]:
        print(f"  violation {v.code.value}: {v.message}", flush=True)
    longs = []
    for label, decompose, seed in (("long", True, 101), ("long_whole", False, 201)):
        lp = solve_routing(
            problem,
            time_limit_s=args.long_time_limit,
            seed=seed,
            workers=args.workers,
            decompose=decompose,
        )
        lp_ok = lp.feasible and not validate_routing(problem, lp)
        print(
            f"{label}: feasible={int(lp_ok)} objective={lp.objective:.2f} "
            f"routes={len(lp.routes)} left_out={len(lp.left_out)} hub_parts={lp.stats.hub_parts}",
            flush=True,
        )
        if lp_ok:
            longs.append(lp)
    long_plan = min(longs or [lp], key=lambda p: p.objective)
    gap = 100.0 * (plan.objective - long_plan.objective) / long_plan.objective
    print(
        f"regional_day: feasible={int(ok)} wall_s={wall:.1f} cost={plan.objective:.2f} "
        f"cost_long={long_plan.objective:.2f} gap_pct={gap:.2f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
