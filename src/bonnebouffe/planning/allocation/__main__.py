"""CLI: ``python -m bonnebouffe.planning.allocation solve|curve PROBLEM.json``.

Prints JSON on stdout; exit code 2 with ``{"error": code, "message": ...}`` on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .engine import DEFAULT_CURVE_DELTAS, proportional_plan, solve_allocation, trade_off_curve
from .errors import AllocationError
from .jsonio import (
    curve_to_dict,
    format_delta,
    load_problem,
    metrics_to_dict,
    parse_delta,
    plan_to_dict,
)
from .validate import validate_allocation


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (0 ok, 2 input/solver error)."""
    parser = argparse.ArgumentParser(prog="python -m bonnebouffe.planning.allocation")
    sub = parser.add_subparsers(dest="command", required=True)
    p_solve = sub.add_parser("solve", help="allocate one period and print the plan as JSON")
    p_solve.add_argument("problem")
    p_solve.add_argument("--delta", default=None, help="band width (e.g. 0.1, or inf)")
    p_solve.add_argument("--whole-lots", action="store_true", help="round to whole lots/units")
    p_solve.add_argument("--hard-band", action="store_true", help="fail if the band cannot hold")
    p_solve.add_argument("--no-explanations", action="store_true")
    p_curve = sub.add_parser("curve", help="kg distributed per band width")
    p_curve.add_argument("problem")
    p_curve.add_argument("--deltas", default=None, help="comma-separated, e.g. 0,0.05,inf")
    args = parser.parse_args(argv)
    try:
        problem = load_problem(args.problem)
        if args.command == "solve":
            delta = None if args.delta is None else parse_delta(args.delta)
            plan = solve_allocation(
                problem, delta=delta, whole_lots=args.whole_lots, hard_band=args.hard_band
            )
            base = proportional_plan(problem, delta=plan.delta, explain_plan=False)
            out = plan_to_dict(plan, include_explanations=not args.no_explanations)
            out["violations"] = [
                {
                    "code": str(v.code),
                    "lot_id": v.lot_id,
                    "agency_id": v.agency_id,
                    "message": v.message,
                }
                for v in validate_allocation(problem, plan)
            ]
            out["baseline_proportional"] = {
                "delta": format_delta(base.delta),
                "metrics": metrics_to_dict(base.metrics),
                "hard_band_held": base.hard_band_held,
            }
        else:
            deltas = (
                DEFAULT_CURVE_DELTAS
                if args.deltas is None
                else tuple(parse_delta(d) for d in args.deltas.split(","))
            )
            out = {
                "period_id": problem.period_id,
                "curve": curve_to_dict(trade_off_curve(problem, deltas)),
            }
    except AllocationError as exc:
        json.dump({"error": exc.code.value, "message": exc.message}, sys.stdout)
        sys.stdout.write("\n")
        return 2
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
