"""CLI: ``python -m bonnebouffe.planning.routing solve|solomon2json|validate ...``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from bonnebouffe.planning.routing.errors import RoutingInputError


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (0 ok, 1 infeasible/invalid, 2 bad input)."""
    parser = argparse.ArgumentParser(prog="python -m bonnebouffe.planning.routing")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_solve = sub.add_parser("solve", help="solve a problem JSON, print the plan JSON")
    p_solve.add_argument("problem")
    p_solve.add_argument("--time-limit", type=float, required=True, help="seconds")
    p_solve.add_argument("--seed", type=int, default=0)
    p_solve.add_argument("--workers", type=int, default=1)
    p_conv = sub.add_parser("solomon2json", help="convert a Solomon .txt to problem JSON")
    p_conv.add_argument("file")
    p_conv.add_argument("--vehicles", type=int, default=25)
    p_val = sub.add_parser("validate", help="validate PLAN.json against PROBLEM.json")
    p_val.add_argument("problem")
    p_val.add_argument("plan")
    args = parser.parse_args(argv)

    from bonnebouffe.planning.routing.jsonio import (
        load_problem,
        plan_from_dict,
        plan_to_dict,
    )
    from bonnebouffe.planning.routing.validate import validate_routing

    try:
        if args.cmd == "solomon2json":
            from bonnebouffe.planning.routing.solomon import solomon_file_to_dict

            json.dump(solomon_file_to_dict(args.file, num_vehicles=args.vehicles), sys.stdout)
            sys.stdout.write("\n")
            return 0
        problem = load_problem(args.problem)
        if args.cmd == "solve":
            from bonnebouffe.planning.routing.solve import solve_routing

            plan = solve_routing(
                problem, time_limit_s=args.time_limit, seed=args.seed, workers=args.workers
            )
            out = plan_to_dict(plan)
            out["violations"] = [
                {"code": v.code.value, "message": v.message, "route": v.route, "ref_id": v.ref_id}
                for v in validate_routing(problem, plan)
            ]
            json.dump(out, sys.stdout, indent=1)
            sys.stdout.write("\n")
            return 0 if plan.feasible and not out["violations"] else 1
        with open(args.plan, encoding="utf-8") as fh:
            plan = plan_from_dict(json.load(fh))
        violations = validate_routing(problem, plan)
        for v in violations:
            print(f"{v.code.value}\troute={v.route}\t{v.ref_id}\t{v.message}")
        return 1 if violations else 0
    except RoutingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
