"""Solver behaviour on tiny problems; every plan goes through the validator."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonnebouffe.planning.routing import (
    Depot,
    LeftOutReason,
    Load,
    Location,
    RoutePlan,
    RoutingProblem,
    Shipment,
    StopKind,
    VisitKind,
    replan_problem,
    solve_routing,
    validate_routing,
)
from bonnebouffe.planning.routing.jsonio import load_problem, problem_from_dict
from bonnebouffe.planning.routing.solomon import solomon_file_to_dict, solomon_to_dict

from .helpers import problem, stop, vtype, xy

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "src/bonnebouffe/planning/routing/samples/tiny.json"
SOLOMON_DIR = Path("/work/shared/bench/solomon")
T = 0.4


def solve_ok(p: RoutingProblem, t: float = T, seed: int = 1) -> RoutePlan:
    plan = solve_routing(p, time_limit_s=t, seed=seed)
    assert plan.feasible
    assert validate_routing(p, plan) == []
    return plan


def test_pyvrp_contract() -> None:
    import pyvrp
    from pyvrp import Client, ProblemData, VehicleType, solve
    from pyvrp import Depot as PDepot
    from pyvrp import Shipment as PShipment
    from pyvrp._pyvrp import ActivityType
    from pyvrp.read import ROUND_FUNCS
    from pyvrp.stop import MaxRuntime

    from bonnebouffe.planning.routing.pyvrp_adapter import pyvrp_version

    assert pyvrp_version().startswith("0.14.")
    assert pyvrp is not None
    for cls, names in [
        (
            Client,
            ["delivery", "pickup", "service_duration", "tw_early", "tw_late", "prize", "required"],
        ),
        (PDepot, ["tw_early", "tw_late"]),
        (PShipment, ["pickup_location", "delivery_location", "amount", "pickup_tw_early"]),
        (
            VehicleType,
            [
                "num_available",
                "capacity",
                "start_depot",
                "end_depot",
                "fixed_cost",
                "tw_early",
                "tw_late",
                "shift_duration",
                "max_distance",
                "unit_distance_cost",
                "unit_duration_cost",
                "profile",
                "initial_load",
                "reload_depots",
                "max_reloads",
            ],
        ),
    ]:
        doc = cls.__init__.__doc__ or ""
        for n in names:
            assert n in doc, (cls, n)
    assert {"data", "stop", "seed", "collect_stats", "display"} <= set(
        inspect.signature(solve).parameters
    )
    assert all(hasattr(ActivityType, n) for n in ("CLIENT", "DEPOT", "PICKUP", "DELIVERY"))
    assert MaxRuntime(1.0) is not None and ProblemData is not None
    import numpy as np

    assert ROUND_FUNCS["dimacs"](np.array([12.345, 3.99])).tolist() == [123, 39]


def test_tiny_sample_solves_and_validates() -> None:
    p = load_problem(SAMPLE)
    plan = solve_ok(p)
    assert plan.travel.provider == "haversine"
    assert plan.travel.as_dict()["detour_factor"] == 1.3
    frozen_route = next(
        r for r in plan.routes if any(v.ref_id == "agency-sainte-martine" for v in r.visits)
    )
    assert frozen_route.vehicle_type_id == "fridge-truck"


def test_cold_goods_only_on_cold_vehicles() -> None:
    stops = [stop(f"c{i}", 10 + i, 5, kg=5, ref_kg=5) for i in range(4)]
    stops += [stop(f"f{i}", 5, 10 + i, kg=0, frz_kg=5) for i in range(3)]
    stops += [stop(f"a{i}", -5, -5 - i, kg=10) for i in range(4)]
    p = problem(
        stops,
        [
            vtype("van", count=3, cost_per_km=1.0),  # cheap but no fridge
            vtype(
                "fridge",
                count=2,
                cost_per_km=50.0,
                capacity_refrigerated_kg=50.0,
                capacity_frozen_kg=50.0,
            ),
        ],
    )
    plan = solve_ok(p)
    for r in plan.routes:
        if r.vehicle_type_id == "van":
            assert all(not v.ref_id.startswith(("c", "f")) for v in r.visits)


def test_left_out_reasons() -> None:
    stops = [
        stop("cold", 3, 4, kind=StopKind.PICKUP, kg=1, ref_kg=10, required=False, prize=500.0),
        stop("huge", 3, 5, kind=StopKind.PICKUP, kg=500, required=False, prize=500.0),
        stop("late", 900, 900, kind=StopKind.PICKUP, tw=(0, 100), required=False, prize=500.0),
        stop("cheap", 400, 300, kind=StopKind.PICKUP, kg=1, required=False, prize=1.0),
        stop("ok", 1, 1, kind=StopKind.PICKUP, kg=5, required=False, prize=500.0),
    ]
    p = problem(stops, [vtype(count=1)])
    plan = solve_ok(p)
    reasons = {lo.ref_id: lo.reason for lo in plan.left_out}
    assert reasons == {
        "cold": LeftOutReason.NO_CAPACITY_COLD,
        "huge": LeftOutReason.NO_CAPACITY,
        "late": LeftOutReason.OUTSIDE_TIME_WINDOW_REACH,
        "cheap": LeftOutReason.NOT_WORTH_COST,
    }


def test_optional_pickups_left_out_when_capacity_short() -> None:
    stops = [
        stop(f"p{i}", 5 + i, 5, kind=StopKind.PICKUP, kg=40, required=False, prize=500.0)
        for i in range(4)
    ]
    p = problem(stops, [vtype(count=1, capacity_kg=100.0)])
    plan = solve_ok(p)
    assert len(plan.left_out) == 2
    assert {lo.reason for lo in plan.left_out} == {LeftOutReason.NO_ROOM_IN_PLAN}


def test_reloads_used_when_one_trip_is_not_enough() -> None:
    stops = [stop(f"d{i}", 10 + i, 10, kg=60) for i in range(4)]
    p = problem(stops, [vtype(count=1, capacity_kg=130.0, reload_depot_ids=("d0",))])
    plan = solve_ok(p)
    assert len(plan.routes) == 1
    assert plan.routes[0].num_trips >= 2
    assert any(v.kind is VisitKind.RELOAD for v in plan.routes[0].visits)


def test_multi_depot_mixed_fleet() -> None:
    depots = [Depot("west", xy(0, 0)), Depot("east", xy(1000, 0))]
    stops = [stop(f"w{i}", 10 * i, 20) for i in range(4)] + [
        stop(f"e{i}", 1000 - 10 * i, 20) for i in range(4)
    ]
    p = problem(
        stops,
        [vtype("vw", depot="west", count=1), vtype("ve", depot="east", count=1, capacity_kg=200.0)],
        depots=depots,
    )
    plan = solve_ok(p)
    by_type = {r.vehicle_type_id: {v.ref_id for v in r.visits} for r in plan.routes}
    assert by_type["vw"] == {f"w{i}" for i in range(4)}
    assert by_type["ve"] == {f"e{i}" for i in range(4)}


def test_shipments_precedence() -> None:
    sh = Shipment("s1", xy(50, 0), xy(0, 50), Load(ambient_kg=30), required=True)
    p = problem([stop("a", 20, 20)], shipments=(sh,))
    plan = solve_ok(p)
    kinds = [v.kind for r in plan.routes for v in r.visits if v.ref_id == "s1"]
    assert kinds == [VisitKind.SHIPMENT_PICKUP, VisitKind.SHIPMENT_DELIVERY]


def test_fixed_prefix_replanning() -> None:
    stops = [stop(f"d{i}", 10 * i, 5, kg=20, service=5) for i in range(1, 4)]
    stops += [stop(f"p{i}", 5, 10 * i, kind=StopKind.PICKUP, kg=20, service=5) for i in range(1, 4)]
    p = problem(stops, [vtype(count=1, capacity_kg=200.0, reload_depot_ids=("d0",))])
    plan = solve_ok(p)
    new, committed = replan_problem(p, plan, {0: 2}, now_s=plan.routes[0].visits[1].departure_s)
    done_ids = {v.ref_id for v in plan.routes[0].visits[: committed[0]]}
    assert committed[0] >= 2
    assert not done_ids & {s.id for s in new.stops}
    assert len(new.vehicle_starts) == 1
    # one extra requirement: a new urgent pickup appears
    new = RoutingProblem(
        name=new.name,
        depots=new.depots,
        stops=(*new.stops, stop("urgent", 30, 30, kind=StopKind.PICKUP, kg=10)),
        vehicle_types=new.vehicle_types,
        vehicle_starts=new.vehicle_starts,
        travel=new.travel,
    )
    plan2 = solve_ok(new)
    assert len(plan2.routes) == 1
    r = plan2.routes[0]
    assert r.start_id == new.vehicle_starts[0].id
    assert r.start_s >= new.vehicle_starts[0].ready_s


def test_solomon_inline_sample_and_cli(tmp_path: Path) -> None:
    text = (
        "TINY1\r\n\r\nVEHICLE\r\nNUMBER     CAPACITY\r\n  25         50\r\n\r\nCUSTOMER\r\n"
        "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\r\n"
        " \r\n"
        "    0      40         50          0          0       1236          0\r\n"
        "    1      45         68         10        912        967         90\r\n"
        "    2      45         70         30        825        870         90\r\n"
        "    3      42         66         10         65        146         90\r\n"
        "    4      42         68         10        727        782         90\r\n"
    )
    d = solomon_to_dict(text)
    assert d["name"] == "TINY1"
    assert d["vehicle_types"][0]["count"] == 25
    assert d["stops"][0]["tw_early_s"] == 9120 and d["stops"][0]["service_s"] == 900
    p = problem_from_dict(d)
    plan = solve_ok(p)
    assert plan.cost == pytest.approx(plan.distance_m * 1e-5)
    src = tmp_path / "tiny1.txt"
    src.write_bytes(text.encode())
    env = {"PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-m", "bonnebouffe.planning.routing", "solomon2json", str(src)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert json.loads(out.stdout) == json.loads(json.dumps(d))


def test_cli_solve(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bonnebouffe.planning.routing",
            "solve",
            str(SAMPLE),
            "--time-limit",
            "0.5",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["feasible"] and plan["violations"] == []
    assert plan["stats"]["seed"] == 3 and plan["travel"]["provider"] == "haversine"
    (tmp_path / "plan.json").write_text(out.stdout)
    val = subprocess.run(
        [
            sys.executable,
            "-m",
            "bonnebouffe.planning.routing",
            "validate",
            str(SAMPLE),
            str(tmp_path / "plan.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert val.returncode == 0, val.stdout + val.stderr
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "bonnebouffe.planning.routing",
            "solve",
            str(tmp_path / "no.json"),
            "--time-limit",
            "1",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and "bad_json" in bad.stderr


@pytest.mark.skipif(not (SOLOMON_DIR / "C101.txt").exists(), reason="no Solomon data")
def test_real_solomon_file() -> None:
    p = problem_from_dict(solomon_file_to_dict(SOLOMON_DIR / "C101.txt"))
    assert len(p.stops) == 100
    plan = solve_ok(p, t=1.0)
    assert plan.distance_m / 10 < 827.3 * 1.05


def test_parallel_workers_keep_best() -> None:
    p = problem([stop(f"s{i}", (i * 37) % 50, (i * 17) % 50) for i in range(8)])
    plan = solve_routing(p, time_limit_s=0.3, seed=5, workers=2)
    assert plan.stats.seeds == (5, 6) and plan.stats.workers == 2
    assert validate_routing(p, plan) == []


@st.composite
def small_problems(draw: st.DrawFn) -> RoutingProblem:
    n = draw(st.integers(1, 6))
    stops = []
    for i in range(n):
        early = draw(st.integers(0, 300))
        stops.append(
            stop(
                f"s{i}",
                draw(st.integers(-60, 60)),
                draw(st.integers(-60, 60)),
                kind=draw(st.sampled_from(list(StopKind))),
                kg=draw(st.floats(0, 80, allow_nan=False).map(lambda x: round(x, 2))),
                ref_kg=draw(st.sampled_from([0.0, 0.0, 7.5])),
                tw=(early, early + draw(st.integers(0, 400))),
                service=draw(st.integers(0, 30)),
                required=draw(st.booleans()),
                prize=draw(st.sampled_from([None, 1.0, 1000.0])),
            )
        )
    vts = [
        vtype(
            "a",
            count=draw(st.integers(0, 2)),
            capacity_kg=draw(st.sampled_from([50.0, 120.0])),
            reload_depot_ids=draw(st.sampled_from([(), ("d0",)])),
            max_duration_s=draw(st.sampled_from([None, 400, 2000])),
        ),
        vtype("b", count=1, capacity_kg=90.0, capacity_refrigerated_kg=20.0, cost_per_km=10.0),
    ]
    return RoutingProblem(
        name="h",
        depots=(Depot("d0", Location(0, 0)),),
        stops=tuple(stops),
        vehicle_types=tuple(vts),
        travel=problem([]).travel,
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_property_plans_pass_validator(p: RoutingProblem) -> None:
    plan = solve_routing(p, time_limit_s=0.15, seed=0)
    violations = validate_routing(p, plan)
    if plan.feasible:
        assert violations == []
    else:
        assert violations  # an infeasible solver answer must be visible to the validator


def test_sites_with_a_length_limit_get_only_vehicles_short_enough() -> None:
    import dataclasses

    narrow = [
        dataclasses.replace(stop(f"n{i}", 10 + i, 5, kg=5), max_vehicle_length_m=6.0)
        for i in range(3)
    ]
    wide = [stop(f"w{i}", -5, -5 - i, kg=10) for i in range(3)]
    p = problem(
        narrow + wide,
        [
            vtype("truck", count=2, cost_per_km=1.0, length_m=9.0),  # cheap but too long
            vtype("van", count=2, cost_per_km=30.0, length_m=5.5),
        ],
    )
    plan = solve_ok(p)
    served_by = {v.ref_id: r.vehicle_type_id for r in plan.routes for v in r.visits}
    assert {served_by[f"n{i}"] for i in range(3)} == {"van"}
    # The validator catches a long vehicle at a narrow site on its own.
    truck_route = next(r for r in plan.routes if r.vehicle_type_id == "truck")
    van_route = next(r for r in plan.routes if r.vehicle_type_id == "van")
    swapped = dataclasses.replace(
        plan,
        routes=tuple(
            dataclasses.replace(van_route, vehicle_type_id="truck") if r is van_route else r
            for r in plan.routes
            if r is not truck_route
        ),
    )
    codes = {v.code.value for v in validate_routing(p, swapped)}
    assert "vehicle_too_long" in codes


def test_a_site_no_vehicle_fits_is_left_out_and_says_why() -> None:
    import dataclasses

    p = problem(
        [
            dataclasses.replace(
                stop("lane", 3, 4, kind=StopKind.PICKUP, kg=5, required=False, prize=500.0),
                max_vehicle_length_m=4.0,
            ),
            stop("ok", 1, 1, kind=StopKind.PICKUP, kg=5, required=False, prize=500.0),
        ],
        [vtype(count=1, length_m=7.5)],
    )
    plan = solve_ok(p)
    assert {lo.ref_id: lo.reason for lo in plan.left_out} == {
        "lane": LeftOutReason.VEHICLE_TOO_LONG
    }


def test_length_limits_survive_the_json_format() -> None:
    import dataclasses

    from bonnebouffe.planning.routing.jsonio import problem_to_dict

    p = problem(
        [dataclasses.replace(stop("n", 1, 1), max_vehicle_length_m=6.0)],
        [vtype(length_m=5.5)],
    )
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(p))))
    assert again.stops[0].max_vehicle_length_m == 6.0
    assert again.vehicle_types[0].length_m == 5.5
