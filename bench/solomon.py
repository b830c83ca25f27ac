"""Solomon VRPTW benchmark through the project's JSON format, adapter and validator.

Usage (from the repo root):
    PYTHONPATH=src python bench/solomon.py --dir ../shared/bench/solomon --time-limit 10

Each ``*.txt`` in ``--dir`` is converted with ``solomon_to_dict`` (DIMACS convention:
x10, truncated Euclidean), parsed back with ``problem_from_dict``, solved with
``solve_routing`` (``--workers`` seeds in parallel inside the wall budget) and checked with
``validate_routing``. Costs are distance / 10, compared with ``bks_dist_dimacs`` of the
``bks.csv`` next to the instances. Last line:
``solomon: instances=N mean_gap_pct=x max_gap_pct=y infeasible=n``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bonnebouffe.planning.routing.jsonio import problem_from_dict
from bonnebouffe.planning.routing.solomon import SCALE, solomon_file_to_dict
from bonnebouffe.planning.routing.solve import solve_routing
from bonnebouffe.planning.routing.validate import validate_routing

OVERHEAD_S = 1.0  # process start, matrix and PyVRP initial local search outside its limit


def main() -> int:
    """Run the benchmark; exit code 1 if any instance is infeasible."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--time-limit", type=float, default=10.0, help="wall s per instance")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="comma-separated instance names")
    args = ap.parse_args()
    folder = Path(args.dir)
    bks: dict[str, float] = {}
    with open(folder / "bks.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            bks[row["instance"].strip().upper()] = float(row["bks_dist_dimacs"])
    files = sorted(folder.glob("*.txt"), key=lambda p: p.stem.upper())
    if args.only:
        wanted = {n.strip().upper() for n in args.only.split(",")}
        files = [f for f in files if f.stem.upper() in wanted]
    gaps: list[float] = []
    infeasible = 0
    for f in files:
        t0 = time.perf_counter()
        problem = problem_from_dict(solomon_file_to_dict(f))
        plan = solve_routing(
            problem,
            time_limit_s=max(0.5, args.time_limit - OVERHEAD_S),
            seed=args.seed,
            workers=args.workers,
        )
        violations = validate_routing(problem, plan)
        wall = time.perf_counter() - t0
        ok = plan.feasible and not violations
        cost = plan.distance_m / SCALE
        ref = bks.get(f.stem.upper())
        gap = 100.0 * (cost - ref) / ref if ref else float("nan")
        if not ok:
            infeasible += 1
        elif ref:
            gaps.append(gap)
        print(
            f"{f.stem}\tcost={cost:.1f}\tbks={ref}\tgap_pct={gap:.3f}\tfeasible={int(ok)}"
            f"\twall_s={wall:.2f}\troutes={len(plan.routes)}",
            flush=True,
        )
        for v in violations[:5]:
            print(f"  violation {v.code.value}: {v.message}", flush=True)
    mean = sum(gaps) / len(gaps) if gaps else float("nan")
    mx = max(gaps) if gaps else float("nan")
    print(
        f"solomon: instances={len(files)} mean_gap_pct={mean:.3f} max_gap_pct={mx:.3f} "
        f"infeasible={infeasible}"
    )
    return 1 if infeasible else 0


if __name__ == "__main__":
    raise SystemExit(main())
