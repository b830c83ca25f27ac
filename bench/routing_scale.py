"""Province-scale routing: 2,000 stops over southern Québec, planned within 5 minutes.

Usage: PYTHONPATH=src python bench/routing_scale.py [--time-limit 200]
Last line: ``routing_scale: stops=2000 feasible=<0|1> wall_s=<s> peak_mb=<m>``
(peak_mb = max resident set size of this process and its solver children, ru_maxrss).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bonnebouffe.planning.routing.solve import solve_routing
from bonnebouffe.planning.routing.synthetic import (
    SOUTHERN_QUEBEC_CITIES,
    regional_day,
)
from bonnebouffe.planning.routing.validate import validate_routing


def main() -> int:
    """Run the benchmark."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=200.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--stops", type=int, default=2000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    pickups = int(args.stops * 0.4)
    problem = regional_day(
        SOUTHERN_QUEBEC_CITIES,
        hubs=10,
        pickups=pickups,
        deliveries=args.stops - pickups,
        vehicles=120,
        seed=3,
        jitter_km=15.0,
        name="province-scale",
    )
    plan = solve_routing(problem, time_limit_s=args.time_limit, seed=1, workers=args.workers)
    violations = validate_routing(problem, plan)
    wall = time.perf_counter() - t0
    ok = plan.feasible and not violations
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = max(own, kids) / 1024.0
    print(
        f"routes={len(plan.routes)} left_out={len(plan.left_out)} "
        f"objective={plan.objective:.2f} violations={len(violations)}"
    )
    for v in violations[:5]:
        print(f"  violation {v.code.value}: {v.message}")
    print(
        f"routing_scale: stops={len(problem.stops)} feasible={int(ok)} wall_s={wall:.1f} "
        f"peak_mb={peak_mb:.0f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
