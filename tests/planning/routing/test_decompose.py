"""Hub decomposition, rounds from the best plan, warm starts, perishables' max ride."""

from __future__ import annotations

import pytest

from bonnebouffe.planning.routing import (
    Depot,
    ErrorCode,
    Load,
    RoutingInputError,
    Shipment,
    StopKind,
    VehicleStart,
    ViolationCode,
    solve_routing,
    validate_routing,
)
from bonnebouffe.planning.routing import solve as solve_mod
from bonnebouffe.planning.routing.decompose import HubPart, hub_parts, part_time_limits
from bonnebouffe.planning.routing.jsonio import problem_from_dict, problem_to_dict
from bonnebouffe.planning.routing.pyvrp_adapter import plan_sketches

from .helpers import problem, stop, vtype, xy

DEPOTS = [Depot("west", xy(0, 0)), Depot("east", xy(1000, 0))]


def two_hubs(**east: object) -> list:
    return [
        vtype("vw", depot="west", reload_depot_ids=("west",), max_reloads=2),
        vtype("ve", depot="east", **east),
    ]


def test_stops_go_to_the_nearest_hub_that_can_carry_them() -> None:
    stops = [
        stop("w", 50, 20),
        stop("e", 950, 20),
        # near the west hub, but only the east fleet has a freezer
        stop("frozen", 60, 20, kg=5, frz_kg=5),
        stop("p", 900, 0, kind=StopKind.PICKUP),
    ]
    p = problem(stops, two_hubs(capacity_frozen_kg=50.0), depots=DEPOTS)
    parts = {part.depot_id: part for part in hub_parts(p, p.matrices()[1])}
    assert {p.stops[i].id for i in parts["west"].stop_indices} == {"w"}
    assert {p.stops[i].id for i in parts["east"].stop_indices} == {"e", "frozen", "p"}
    assert parts["west"].vehicle_type_ids == ("vw",)


@pytest.mark.parametrize(
    "case",
    ["one_hub", "reload_elsewhere", "end_elsewhere", "vehicle_start"],
)
def test_problems_that_do_not_split(case: str) -> None:
    stops = [stop("w", 50, 20), stop("e", 950, 20)]
    vts = two_hubs()
    kw: dict[str, object] = {}
    if case == "one_hub":
        vts = [vtype("vw", depot="west"), vtype("vw2", depot="west")]
    elif case == "reload_elsewhere":
        vts = two_hubs(reload_depot_ids=("west",))
    elif case == "end_elsewhere":
        vts = two_hubs(end_depot_id="west")
    else:
        kw["vehicle_starts"] = (VehicleStart("s0", "ve", xy(900, 10), ready_s=0),)
    p = problem(stops, vts, depots=DEPOTS, **kw)
    assert hub_parts(p, p.matrices()[1]) == ()


def test_part_time_limits_fit_the_budget() -> None:
    parts = tuple(HubPart(f"h{i}", (), tuple(range(n)), ()) for i, n in enumerate([50, 40, 30, 30]))
    limits = part_time_limits(parts, 10.0, workers=2)
    assert limits == pytest.approx([10.0 * n / 80 for n in (50, 40, 30, 30)])
    # dealt largest first to the least loaded process: 50 + 30 and 40 + 30
    assert max(limits[0] + limits[2], limits[1] + limits[3]) <= 10.0 + 1e-9
    assert part_time_limits(parts, 10.0, workers=8) == pytest.approx([10.0, 8.0, 6.0, 6.0])


def _cold_two_hub_problem():  # type: ignore[no-untyped-def]
    stops = [stop(f"w{i}", 10 * i, 30, kg=40, service=5) for i in range(1, 7)]
    stops += [stop(f"e{i}", 1000 - 10 * i, 30, kg=40, ref_kg=10, service=5) for i in range(1, 7)]
    stops += [stop(f"p{i}", 500 + 40 * i, -30, kind=StopKind.PICKUP, kg=30) for i in range(3)]
    stops += [stop("opt", 480, 400, kind=StopKind.PICKUP, kg=5, required=False, prize=1.0)]
    vts = [
        vtype("vw", depot="west", count=1, reload_depot_ids=("west",), max_reloads=3),
        vtype(
            "ve",
            depot="east",
            count=1,
            capacity_refrigerated_kg=100.0,
            reload_depot_ids=("east",),
            max_reloads=3,
        ),
    ]
    return problem(stops, vts, depots=DEPOTS)


@pytest.mark.parametrize("workers", [1, 2])
def test_decomposed_solve_in_rounds_validates(workers: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    p = _cold_two_hub_problem()
    monkeypatch.setattr(solve_mod, "ROUND_S", 0.3)
    plan = solve_routing(p, time_limit_s=1.5, seed=3, workers=workers)
    assert plan.stats.hub_parts == 2
    assert plan.feasible
    assert validate_routing(p, plan) == []
    whole = solve_routing(p, time_limit_s=0.6, seed=3, workers=workers, decompose=False)
    assert whole.stats.hub_parts == 0
    assert whole.feasible and validate_routing(p, whole) == []


def test_warm_start_from_a_plan_keeps_it_or_improves() -> None:
    p = _cold_two_hub_problem()
    first = solve_routing(p, time_limit_s=0.4, seed=1, decompose=False)
    assert first.feasible and validate_routing(p, first) == []
    assert len(plan_sketches(p, first)) == len(first.routes)
    again = solve_routing(p, time_limit_s=0.3, seed=2, initial_plan=first)
    assert again.stats.hub_parts == 0
    assert again.feasible
    assert again.objective <= first.objective + 1e-6
    assert validate_routing(p, again) == []


# --- perishables: maximum ride time of a shipment ---------------------------------


def _ride_problem(max_ride_s: int | None):  # type: ignore[no-untyped-def]
    sh = Shipment(
        "farm",
        xy(100, 0),
        xy(100, 60),
        Load(ambient_kg=20),
        pickup_tw_early_s=100,  # the bound counts from the opening of the pickup window
        pickup_tw_late_s=200,
        delivery_tw_early_s=0,
        delivery_tw_late_s=3_000,
        max_ride_s=max_ride_s,
    )
    # stops on both sides tempt the vehicle to carry the goods a long way
    stops = [stop(f"a{i}", 100 + 20 * i, 30, service=30) for i in range(1, 6)]
    return problem(stops, [vtype(count=1)], shipments=(sh,))


def _ride(plan) -> int:  # type: ignore[no-untyped-def]
    visits = [v for r in plan.routes for v in r.visits if v.ref_id == "farm"]
    pickup, delivery = visits
    return int(delivery.start_s - pickup.departure_s)


def test_max_ride_is_respected_by_the_solver_and_checked() -> None:
    loose = _ride_problem(None)
    plan = solve_routing(loose, time_limit_s=0.4, seed=1)
    assert plan.feasible and validate_routing(loose, plan) == []
    tight = _ride_problem(70)
    bounded = solve_routing(tight, time_limit_s=0.4, seed=1)
    assert bounded.feasible and validate_routing(tight, bounded) == []
    assert _ride(bounded) <= 70
    if _ride(plan) > 70:  # the unbounded plan breaks the bound: the validator says so
        codes = {v.code for v in validate_routing(tight, plan)}
        assert codes == {ViolationCode.MAX_RIDE}


def test_validator_reports_a_ride_too_long() -> None:
    loose = _ride_problem(None)
    plan = solve_routing(loose, time_limit_s=0.4, seed=1)
    assert validate_routing(loose, plan) == []
    assert _ride(plan) >= 60  # the delivery is 60 units from the pickup
    strict = _ride_problem(1)
    codes = [v.code for v in validate_routing(strict, plan)]
    assert codes == [ViolationCode.MAX_RIDE]


def test_max_ride_input_checks_and_json_round_trip() -> None:
    with pytest.raises(RoutingInputError) as err:
        Shipment("s", xy(0, 0), xy(1, 1), Load(), delivery_tw_early_s=500, max_ride_s=100)
    assert err.value.code is ErrorCode.BAD_TIME_WINDOW
    with pytest.raises(RoutingInputError):
        Shipment("s", xy(0, 0), xy(1, 1), Load(), max_ride_s=0)
    p = _ride_problem(70)
    back = problem_from_dict(problem_to_dict(p))
    assert back.shipments[0].max_ride_s == 70
    assert back.shipments[0].delivery_latest_s == 170
