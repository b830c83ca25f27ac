"""Problem validation, JSON round trip and validator violation detection (no solver)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bonnebouffe.planning.routing import (
    Depot,
    ErrorCode,
    Load,
    RoutingInputError,
    StopKind,
    ViolationCode,
    validate_routing,
)
from bonnebouffe.planning.routing.jsonio import (
    load_problem,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
)

from .helpers import hand_plan, problem, replace_visit, stop, vtype, xy

SAMPLE = Path(__file__).resolve().parents[3] / "src/bonnebouffe/planning/routing/samples/tiny.json"


def codes(p, plan) -> set[ViolationCode]:  # type: ignore[no-untyped-def]
    return {v.code for v in validate_routing(p, plan)}


def test_input_errors_have_codes() -> None:
    with pytest.raises(RoutingInputError) as e:
        Load(ambient_kg=-1)
    assert e.value.code is ErrorCode.NEGATIVE_VALUE
    with pytest.raises(RoutingInputError) as e:
        stop("a", 1, 1, tw=(50, 10))
    assert e.value.code is ErrorCode.BAD_TIME_WINDOW
    with pytest.raises(RoutingInputError) as e:
        problem([stop("a", 1, 1), stop("a", 2, 2)])
    assert e.value.code is ErrorCode.DUPLICATE_ID
    with pytest.raises(RoutingInputError) as e:
        problem([stop("a", 1, 1)], [vtype(depot="nowhere")])
    assert e.value.code is ErrorCode.UNKNOWN_REFERENCE
    assert isinstance(e.value, ValueError)


def test_json_round_trip_sample_and_plan() -> None:
    p = load_problem(SAMPLE)
    assert p.depots[0].open_s == 6 * 3600
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(p))))
    assert again == p
    q = problem([stop("a", 3, 4), stop("b", 6, 8, kind=StopKind.PICKUP)])
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(q)))) == q
    plan = hand_plan(q, [("van", ["a", "b"])])
    assert plan_from_dict(json.loads(json.dumps(plan_to_dict(plan)))) == plan


def test_bad_json_is_reported() -> None:
    with pytest.raises(RoutingInputError) as e:
        problem_from_dict({"depots": [{"id": "x"}], "vehicle_types": []})
    assert e.value.code is ErrorCode.BAD_JSON


def test_hand_plan_is_valid() -> None:
    p = problem([stop("a", 3, 4), stop("b", 6, 8, kind=StopKind.PICKUP)])
    assert validate_routing(p, hand_plan(p, [("van", ["a", "b"])])) == []


def test_validator_missing_and_duplicate() -> None:
    p = problem([stop("a", 3, 4), stop("b", 6, 8)])
    plan = hand_plan(p, [("van", ["a"])])
    assert codes(p, plan) == {ViolationCode.REQUIRED_MISSING}
    plan = hand_plan(p, [("van", ["a", "b"]), ("van", ["a"])])
    assert ViolationCode.DUPLICATE_VISIT in codes(p, plan)
    ok = hand_plan(p, [("van", ["a", "b"])])
    assert ViolationCode.LEFT_OUT_MISMATCH in codes(
        p, dataclasses.replace(ok, left_out=plan.left_out + hand_plan(p, [("van", ["a"])]).left_out)
    )


def test_validator_time_window_and_times() -> None:
    p = problem([stop("a", 30, 40, tw=(0, 20))])  # 50 units away, window closes at 20
    assert ViolationCode.TIME_WINDOW in codes(p, hand_plan(p, [("van", ["a"])]))
    p2 = problem([stop("a", 3, 4)])
    plan = replace_visit(hand_plan(p2, [("van", ["a"])]), 0, 0, arrival_s=1, start_s=1)
    assert ViolationCode.TIME_INCONSISTENT in codes(p2, plan)


def test_validator_shift_and_max_duration_and_distance() -> None:
    p = problem([stop("a", 300, 400)], [vtype(shift_end_s=900)])
    assert ViolationCode.SHIFT in codes(p, hand_plan(p, [("van", ["a"])]))
    p = problem([stop("a", 300, 400)], [vtype(max_duration_s=500)])
    assert ViolationCode.MAX_DURATION in codes(p, hand_plan(p, [("van", ["a"])]))
    p = problem([stop("a", 300, 400)], [vtype(max_distance_m=999)])
    assert ViolationCode.MAX_DISTANCE in codes(p, hand_plan(p, [("van", ["a"])]))


def test_validator_capacity_each_dimension_and_cold() -> None:
    p = problem([stop("a", 3, 4, kg=60), stop("b", 6, 8, kg=60)])
    assert ViolationCode.CAPACITY in codes(p, hand_plan(p, [("van", ["a", "b"])]))
    p = problem(
        [stop("a", 3, 4, kind=StopKind.PICKUP, kg=60), stop("b", 6, 8, kind=StopKind.PICKUP, kg=60)]
    )
    assert ViolationCode.CAPACITY in codes(p, hand_plan(p, [("van", ["a", "b"])]))
    p = problem([stop("a", 3, 4, kg=0, ref_kg=5)])
    got = codes(p, hand_plan(p, [("van", ["a"])]))
    assert {ViolationCode.COLD_INCOMPATIBLE, ViolationCode.CAPACITY} <= got
    p = problem([stop("a", 3, 4, kg=1, frz_kg=5)], [vtype(capacity_frozen_kg=2.0)])
    assert ViolationCode.CAPACITY in codes(p, hand_plan(p, [("van", ["a"])]))


def test_validator_reloads() -> None:
    p = problem([stop("a", 3, 4, kg=60), stop("b", 6, 8, kg=60)])
    # reload not allowed for this type
    assert ViolationCode.BAD_RELOAD in codes(p, hand_plan(p, [("van", ["a", "@d0", "b"])]))
    p = problem(
        [stop("a", 3, 4, kg=60), stop("b", 6, 8, kg=60), stop("c", 1, 1, kg=60)],
        [vtype(reload_depot_ids=("d0",), max_reloads=1)],
    )
    assert validate_routing(p, hand_plan(p, [("van", ["a", "@d0", "b", "@d0", "c"])])) != []
    assert ViolationCode.TOO_MANY_RELOADS in codes(
        p, hand_plan(p, [("van", ["a", "@d0", "b", "@d0", "c"])])
    )
    assert codes(p, hand_plan(p, [("van", ["a", "@d0", "b"]), ("van", ["c"])])) == set()


def test_validator_vehicle_count_and_mismatches() -> None:
    p = problem([stop("a", 3, 4), stop("b", 6, 8), stop("c", 1, 1)], [vtype(count=2)])
    plan = hand_plan(p, [("van", ["a"]), ("van", ["b"]), ("van", ["c"])])
    assert ViolationCode.VEHICLE_COUNT in codes(p, plan)
    plan = hand_plan(p, [("van", ["a", "b", "c"])])
    r = dataclasses.replace(plan.routes[0], distance_m=1)
    assert ViolationCode.DISTANCE_MISMATCH in codes(p, dataclasses.replace(plan, routes=(r,)))
    bad_load = replace_visit(plan, 0, 0, load_after=Load(ambient_kg=99))
    assert ViolationCode.LOAD_MISMATCH in codes(p, bad_load)
    assert ViolationCode.COST_MISMATCH in codes(p, dataclasses.replace(plan, cost=plan.cost + 5))


def test_validator_depot_hours() -> None:
    p = problem([stop("a", 300, 400)], depots=[Depot("d0", xy(0, 0), open_s=0, close_s=500)])
    assert ViolationCode.DEPOT_HOURS in codes(p, hand_plan(p, [("van", ["a"])]))
