"""The ONLY module importing PyVRP (0.14.x): RoutingProblem -> ProblemData -> RoutePlan.

Integer scaling (PyVRP works on integers):

* distance: metres (int) straight from the travel matrix; duration: seconds (int), the
  matrix multiplied by the vehicle type's ``duration_factor`` and rounded (one PyVRP
  routing *profile* per distinct factor). Times (windows, shifts, service): seconds.
* load dimensions ``[total_kg, refrigerated_kg, frozen_kg, volume_l]``: kg x 100
  (decagrams, 1 unit = 10 g) and litres x 10 (decilitres). Demands are rounded *up*,
  capacities *down*, so an integer-feasible plan is feasible in real units. Unlimited
  volume = ``UNLIMITED``.
* money: 1 unit = 1e-5 $ (``COST_SCALE``): unit_distance_cost = round(cost_per_km * 100)
  per metre, unit_duration_cost = round(cost_per_hour * 100000 / 3600) per second,
  fixed_cost and prizes x 100000. PyVRP's objective = fixed + distance + duration costs +
  uncollected prizes (all in these units).

The model is built directly as a ``ProblemData`` (equivalent to ``Model.add_depot`` /
``add_client`` / ``add_shipment`` / ``add_vehicle_type`` / ``add_profile``) because
``Model.add_edge`` would create n^2 Python objects for 2,000-stop matrices.
Re-planning vehicle starts become extra depots (start only) with ``initial_load``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from pyvrp import (
    Client,
    Depot,
    Location,
    ProblemData,
    Solution,
    SolveParams,
    VehicleType,
    solve,
)
from pyvrp import Route as PyvrpRoute
from pyvrp import Shipment as PyvrpShipment
from pyvrp._pyvrp import Activity, ActivityType
from pyvrp.stop import MaxRuntime

from bonnebouffe.planning.routing.decompose import HubPart
from bonnebouffe.planning.routing.model import (
    Load,
    Route,
    RoutePlan,
    RoutingProblem,
    Shipment,
    SolverStats,
    Stop,
    StopKind,
    Visit,
    VisitKind,
    duration_for,
    route_cost,
    travel_info,
)
from bonnebouffe.planning.routing.model import VehicleType as VehicleTypeSpec
from bonnebouffe.planning.routing.travel import IntMatrix

COST_SCALE = 100_000
LOAD_SCALES = (100, 100, 100, 10)
UNLIMITED = 1 << 40
FORBIDDEN = 10**9  # metres / seconds of an arc a vehicle may not take (over 30 years)
PYVRP_VERSION_PREFIX = "0.14."
SOLVE_PARAMS = SolveParams()


def _demand(values: tuple[float, float, float, float]) -> list[int]:
    return [math.ceil(v * s - 1e-9) for v, s in zip(values, LOAD_SCALES, strict=True)]


def _capacity(values: tuple[float, float, float, float]) -> list[int]:
    return [
        UNLIMITED if math.isinf(v) else math.floor(v * s + 1e-9)
        for v, s in zip(values, LOAD_SCALES, strict=True)
    ]


def _money(dollars: float) -> int:
    return round(dollars * COST_SCALE)


@dataclass(frozen=True)
class BuiltModel:
    """PyVRP data plus the index maps needed to translate solutions back."""

    data: ProblemData
    vehicle_type_keys: tuple[tuple[str, str], ...]  # pyvrp type idx -> (type id, start id)
    depot_ids: tuple[str, ...]  # pyvrp depot idx -> depot id / vehicle start id
    profile_factor: tuple[float, ...]


def build_data(problem: RoutingProblem, distance_m: IntMatrix, duration_s: IntMatrix) -> BuiltModel:
    """Translate a problem and its matrices into PyVRP ``ProblemData`` (see module doc)."""
    locs = [Location(x=loc.lon, y=loc.lat) for loc in problem.locations()]
    depots = [
        Depot(location=problem.depot_loc(i), tw_early=d.open_s, tw_late=d.close_s, name=d.id)
        for i, d in enumerate(problem.depots)
    ]
    depot_ids = [d.id for d in problem.depots]
    depot_index = {d.id: i for i, d in enumerate(problem.depots)}
    for k, vs in enumerate(problem.vehicle_starts):
        depots.append(Depot(location=problem.start_loc(k), tw_early=vs.ready_s, name=vs.id))
        depot_ids.append(vs.id)

    clients = []
    for i, s in enumerate(problem.stops):
        dims = _demand(s.load.dims())
        zero = [0] * len(dims)
        clients.append(
            Client(
                location=problem.stop_loc(i),
                delivery=dims if s.kind is StopKind.DELIVERY else zero,
                pickup=dims if s.kind is StopKind.PICKUP else zero,
                service_duration=s.service_s,
                tw_early=s.tw_early_s,
                tw_late=s.tw_late_s,
                prize=0 if s.required else _money(problem.stop_prize(s)),
                required=s.required,
                name=s.id,
            )
        )
    shipments = []
    for k, sh in enumerate(problem.shipments):
        p_loc, d_loc = problem.shipment_locs(k)
        shipments.append(
            PyvrpShipment(
                pickup_location=p_loc,
                delivery_location=d_loc,
                pickup_tw_early=sh.pickup_tw_early_s,
                pickup_tw_late=sh.pickup_tw_late_s,
                pickup_service_duration=sh.pickup_service_s,
                delivery_tw_early=sh.delivery_tw_early_s,
                delivery_tw_late=sh.delivery_latest_s,
                delivery_service_duration=sh.delivery_service_s,
                amount=_demand(sh.load.dims()),
                prize=0 if sh.required else _money(problem.stop_prize(sh)),
                required=sh.required,
                name=sh.id,
            )
        )

    # One routing profile per (duration factor, locations the vehicle is too long to enter):
    # in a profile, every arc into such a location costs FORBIDDEN, so no time window can be
    # met there (PyVRP's way of modelling access restrictions).
    every: list[tuple[int, Stop | Shipment]] = [
        (problem.stop_loc(i), s) for i, s in enumerate(problem.stops)
    ]
    every += [
        (loc, sh) for k, sh in enumerate(problem.shipments) for loc in problem.shipment_locs(k)
    ]
    limited = [(loc, item) for loc, item in every if item.max_vehicle_length_m is not None]

    def profile_key(vt: VehicleTypeSpec) -> tuple[float, tuple[int, ...]]:
        return vt.duration_factor, tuple(loc for loc, item in limited if not vt.fits(item))

    keys_sorted = sorted({profile_key(vt) for vt in problem.vehicle_types})
    profile_index = {k: i for i, k in enumerate(keys_sorted)}
    factors = [f for f, _blocked in keys_sorted]
    dist_mats, dur_mats = [], []
    for f, blocked in keys_sorted:
        dist, dur = distance_m, duration_for(duration_s, f)
        if blocked:
            dist, dur = dist.copy(), dur.copy()
            dist[:, list(blocked)] = FORBIDDEN
            dur[:, list(blocked)] = FORBIDDEN
            for loc in blocked:
                dist[loc, loc] = dur[loc, loc] = 0
        dist_mats.append(dist)
        dur_mats.append(dur)

    starts_per_type: dict[str, int] = {}
    for vs in problem.vehicle_starts:
        starts_per_type[vs.vehicle_type_id] = starts_per_type.get(vs.vehicle_type_id, 0) + 1
    vtypes: list[VehicleType] = []
    keys: list[tuple[str, str]] = []
    vt_by_id = {vt.id: vt for vt in problem.vehicle_types}

    def common(vt_id: str) -> dict[str, object]:
        vt = vt_by_id[vt_id]
        return {
            "capacity": _capacity(vt.capacity_dims()),
            "end_depot": depot_index[vt.end_depot],
            "fixed_cost": _money(vt.fixed_cost),
            "tw_late": vt.shift_end_s,
            "max_distance": vt.max_distance_m if vt.max_distance_m is not None else UNLIMITED,
            "unit_distance_cost": round(vt.cost_per_km * COST_SCALE / 1000),
            "unit_duration_cost": round(vt.cost_per_hour * COST_SCALE / 3600),
            "profile": profile_index[profile_key(vt)],
            "reload_depots": [depot_index[r] for r in vt.reload_depot_ids],
            "max_reloads": vt.reloads_allowed(),
        }

    for vt in problem.vehicle_types:
        n = vt.count - starts_per_type.get(vt.id, 0)
        if n <= 0:
            continue
        vtypes.append(
            VehicleType(
                num_available=n,
                start_depot=depot_index[vt.depot_id],
                tw_early=vt.shift_start_s,
                shift_duration=vt.max_duration_s if vt.max_duration_s is not None else UNLIMITED,
                name=vt.id,
                **common(vt.id),  # type: ignore[arg-type]
            )
        )
        keys.append((vt.id, vt.depot_id))
    for k, vs in enumerate(problem.vehicle_starts):
        vt = vt_by_id[vs.vehicle_type_id]
        limits = [x for x in (vt.max_duration_s, vs.max_duration_s) if x is not None]
        vtypes.append(
            VehicleType(
                num_available=1,
                start_depot=len(problem.depots) + k,
                tw_early=max(vs.ready_s, vt.shift_start_s),
                shift_duration=min(limits) if limits else UNLIMITED,
                initial_load=_demand(vs.onboard.dims()),
                name=vs.id,
                **common(vt.id),  # type: ignore[arg-type]
            )
        )
        keys.append((vt.id, vs.id))

    data = ProblemData(
        locations=locs,
        clients=clients,
        depots=depots,
        vehicle_types=vtypes,
        distance_matrices=dist_mats,  # type: ignore[arg-type]  # pyvrp stub: ndarray[int]
        duration_matrices=dur_mats,  # type: ignore[arg-type]
        groups=[],
        shipments=shipments,
    )
    return BuiltModel(data, tuple(keys), tuple(depot_ids), tuple(factors))


def _convert_route(
    problem: RoutingProblem,
    built: BuiltModel,
    route: PyvrpRoute,
    vehicle_no: int,
    distance_m: IntMatrix,
    duration_s: IntMatrix,
) -> Route:
    type_id, start_id = built.vehicle_type_keys[route.vehicle_type()]
    vt = next(v for v in problem.vehicle_types if v.id == type_id)
    dur = duration_for(duration_s, vt.duration_factor)
    schedule = list(route.schedule())
    start_act, end_act = schedule[0], schedule[-1]
    start_loc = built.data.depot(start_act.idx).location
    end_depot_id = built.depot_ids[end_act.idx]

    # (kind, ref_id, location, tw_early, service_s, delivery dims, pickup dims)
    steps: list[tuple[VisitKind, str, int, int, int, Load, Load]] = []
    for act in schedule[1:-1]:
        if act.type == ActivityType.DEPOT:
            d = problem.depots[act.idx]
            steps.append((VisitKind.RELOAD, d.id, act.idx, d.open_s, 0, Load(), Load()))
        elif act.type == ActivityType.CLIENT:
            s: Stop = problem.stops[act.idx]
            dl = s.load if s.kind is StopKind.DELIVERY else Load()
            pl = s.load if s.kind is StopKind.PICKUP else Load()
            steps.append(
                (VisitKind.STOP, s.id, problem.stop_loc(act.idx), s.tw_early_s, s.service_s, dl, pl)
            )
        else:
            sh = problem.shipments[act.idx]
            p_loc, d_loc = problem.shipment_locs(act.idx)
            if act.type == ActivityType.PICKUP:
                steps.append(
                    (
                        VisitKind.SHIPMENT_PICKUP,
                        sh.id,
                        p_loc,
                        sh.pickup_tw_early_s,
                        sh.pickup_service_s,
                        Load(),
                        sh.load,
                    )
                )
            else:
                steps.append(
                    (
                        VisitKind.SHIPMENT_DELIVERY,
                        sh.id,
                        d_loc,
                        sh.delivery_tw_early_s,
                        sh.delivery_service_s,
                        sh.load,
                        Load(),
                    )
                )

    # Loads: deliveries of a trip (not shipment deliveries) are loaded at the trip start.
    onboard = next((vs.onboard for vs in problem.vehicle_starts if vs.id == start_id), Load())
    trip_loads: list[list[float]] = [list(onboard.dims())]
    for kind, _ref, _loc, _e, _svc, dl, _pl in steps:
        if kind is VisitKind.RELOAD:
            trip_loads.append([0.0, 0.0, 0.0, 0.0])
        elif kind is VisitKind.STOP:
            trip_loads[-1] = [a + b for a, b in zip(trip_loads[-1], dl.dims(), strict=True)]

    visits: list[Visit] = []
    t = int(route.start_time())
    start_s = t
    prev = start_loc
    trip = 0
    cur = trip_loads[0]
    start_load = _dims_to_load(cur)
    dist_total = 0
    for kind, ref, loc, early, svc, dl, pl in steps:
        arrival = t + int(dur[prev, loc])
        dist_total += int(distance_m[prev, loc])
        begin = max(arrival, early)
        t = begin + svc
        if kind is VisitKind.RELOAD:
            trip += 1
            cur = trip_loads[trip]
        else:
            cur = [a - b + c for a, b, c in zip(cur, dl.dims(), pl.dims(), strict=True)]
        visits.append(Visit(kind, ref, trip, arrival, begin, t, _dims_to_load(cur)))
        prev = loc
    end_loc = built.data.depot(end_act.idx).location
    end_s = t + int(dur[prev, end_loc])
    dist_total += int(distance_m[prev, end_loc])
    return Route(
        vehicle_type_id=type_id,
        vehicle_no=vehicle_no,
        start_id=start_id,
        end_depot_id=end_depot_id,
        start_s=start_s,
        end_s=end_s,
        start_load=start_load,
        visits=tuple(visits),
        distance_m=dist_total,
        duration_s=end_s - start_s,
        cost=route_cost(vt, dist_total, end_s - start_s),
    )


def _dims_to_load(dims: list[float]) -> Load:
    total, ref, frz, vol = (max(0.0, round(v, 6)) for v in dims)
    return Load(
        ambient_kg=max(0.0, round(total - ref - frz, 6)),
        refrigerated_kg=ref,
        frozen_kg=frz,
        volume_l=vol,
    )


def solution_to_plan(
    problem: RoutingProblem,
    built: BuiltModel,
    solution: Solution,
    distance_m: IntMatrix,
    duration_s: IntMatrix,
    stats: SolverStats,
) -> RoutePlan:
    """Translate a PyVRP solution to a RoutePlan (left-out reasons filled in later)."""
    per_type: dict[str, int] = {}
    routes = []
    for r in solution.routes():
        type_id = built.vehicle_type_keys[r.vehicle_type()][0]
        no = per_type.get(type_id, 0)
        per_type[type_id] = no + 1
        routes.append(_convert_route(problem, built, r, no, distance_m, duration_s))
    served = {v.ref_id for r in routes for v in r.visits if v.kind is not VisitKind.RELOAD}
    items: list[Stop | Shipment] = [*problem.stops, *problem.shipments]
    missed = sum(
        (problem.stop_prize(s) for s in items if not s.required and s.id not in served), 0.0
    )
    collected = sum(
        (problem.stop_prize(s) for s in items if not s.required and s.id in served), 0.0
    )
    cost = sum(r.cost for r in routes)
    return RoutePlan(
        problem_name=problem.name,
        routes=tuple(routes),
        left_out=(),
        distance_m=sum(r.distance_m for r in routes),
        duration_s=sum(r.duration_s for r in routes),
        cost=cost,
        prize_collected=collected,
        prize_missed=missed,
        objective=cost + missed,
        feasible=bool(solution.is_feasible() and solution.is_complete()),
        stats=stats,
        travel=travel_info(problem),
    )


RouteSketch = tuple[int, tuple[tuple[int, int], ...]]
"""A route as plain data: (PyVRP vehicle type index, ((ActivityType value, index), ...)).

Indices are those of the *whole* problem's ``ProblemData`` (``build_data``); the
activities are the visits between the start and end depot (reload depots included)."""


def _sketch(
    route: PyvrpRoute, vehicle_type: int, client_map: list[int], ship_map: list[int]
) -> RouteSketch:
    acts: list[tuple[int, int]] = []
    for act in list(route.schedule())[1:-1]:
        if act.type == ActivityType.CLIENT:
            acts.append((ActivityType.CLIENT.value, client_map[act.idx]))
        elif act.type == ActivityType.DEPOT:
            acts.append((ActivityType.DEPOT.value, act.idx))
        else:
            acts.append((act.type.value, ship_map[act.idx]))
    return vehicle_type, tuple(acts)


def _initial_solution(data: ProblemData, sketches: list[RouteSketch]) -> Solution:
    routes = [
        PyvrpRoute(data, [Activity(ActivityType(t), i) for t, i in acts], vt)
        for vt, acts in sketches
    ]
    return Solution(data, routes)


def plan_sketches(problem: RoutingProblem, plan: RoutePlan) -> list[RouteSketch]:
    """The routes of ``plan`` (a plan of ``problem``) as whole-problem route sketches.

    Used to start a search from an earlier plan (the best plan of a previous round).
    """
    keys = {key: k for k, key in enumerate(_type_keys(problem))}
    stop_idx = {s.id: i for i, s in enumerate(problem.stops)}
    ship_idx = {sh.id: k for k, sh in enumerate(problem.shipments)}
    depot_idx = {d.id: i for i, d in enumerate(problem.depots)}
    kinds = {
        VisitKind.STOP: (ActivityType.CLIENT, stop_idx),
        VisitKind.RELOAD: (ActivityType.DEPOT, depot_idx),
        VisitKind.SHIPMENT_PICKUP: (ActivityType.PICKUP, ship_idx),
        VisitKind.SHIPMENT_DELIVERY: (ActivityType.DELIVERY, ship_idx),
    }
    out: list[RouteSketch] = []
    for r in plan.routes:
        acts = []
        for v in r.visits:
            act_type, index = kinds[v.kind]
            acts.append((act_type.value, index[v.ref_id]))
        out.append((keys[(r.vehicle_type_id, r.start_id)], tuple(acts)))
    return out


def _type_keys(problem: RoutingProblem) -> list[tuple[str, str]]:
    """``build_data``'s PyVRP vehicle types as (type id, start id), in its order."""
    starts_per_type: dict[str, int] = {}
    for vs in problem.vehicle_starts:
        starts_per_type[vs.vehicle_type_id] = starts_per_type.get(vs.vehicle_type_id, 0) + 1
    keys = [
        (vt.id, vt.depot_id)
        for vt in problem.vehicle_types
        if vt.count - starts_per_type.get(vt.id, 0) > 0
    ]
    keys.extend((vs.vehicle_type_id, vs.id) for vs in problem.vehicle_starts)
    return keys


def solve_part_with_pyvrp(
    problem: RoutingProblem, part: HubPart, *, time_limit_s: float, seed: int
) -> tuple[list[RouteSketch], int]:
    """Solve one hub's part (``decompose.hub_parts``) alone; its routes and iterations.

    The sub-problem keeps the whole problem's locations, matrices and depots (so depot
    and location indices are unchanged) with only the part's clients, shipments and
    vehicle types; the routes are returned in whole-problem indices.
    """
    t0 = time.perf_counter()
    distance_m, duration_s = problem.matrices()
    built = build_data(problem, distance_m, duration_s)
    data = built.data
    wanted = set(part.vehicle_type_ids)
    vt_map = [k for k, (type_id, _) in enumerate(built.vehicle_type_keys) if type_id in wanted]
    client_map = list(part.stop_indices)
    ship_map = list(part.shipment_indices)
    sub = data.replace(
        clients=[data.client(i) for i in client_map],
        shipments=[data.shipment(k) for k in ship_map],
        vehicle_types=[data.vehicle_type(k) for k in vt_map],
    )
    remaining = max(0.05, time_limit_s - (time.perf_counter() - t0))
    result = solve(
        sub, stop=MaxRuntime(remaining), seed=seed, collect_stats=False, params=SOLVE_PARAMS
    )
    sketches = [
        _sketch(r, vt_map[r.vehicle_type()], client_map, ship_map) for r in result.best.routes()
    ]
    return sketches, int(result.num_iterations)


def solve_with_pyvrp(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    seed: int,
    initial: list[RouteSketch] | None = None,
) -> RoutePlan:
    """Build, solve for ``time_limit_s`` seconds (wall) with ``seed``, convert.

    ``initial`` (whole-problem route sketches, e.g. the merged hub parts) is the warm
    start; without it PyVRP starts from a random solution improved by a full local
    search. Left-out reasons are *not* filled here (see ``solve.solve_routing``).
    """
    t0 = time.perf_counter()
    distance_m, duration_s = problem.matrices()
    built = build_data(problem, distance_m, duration_s)
    init = _initial_solution(built.data, initial) if initial is not None else None
    remaining = max(0.05, time_limit_s - (time.perf_counter() - t0))
    result = solve(
        built.data,
        stop=MaxRuntime(remaining),
        seed=seed,
        collect_stats=False,
        display=False,
        params=SOLVE_PARAMS,
        initial_solution=init,
    )
    stats = SolverStats(
        runtime_s=time.perf_counter() - t0,
        seed=seed,
        seeds=(seed,),
        workers=1,
        time_limit_s=time_limit_s,
        iterations=int(result.num_iterations),
    )
    return solution_to_plan(problem, built, result.best, distance_m, duration_s, stats)


def pyvrp_version() -> str:
    """Installed PyVRP version string."""
    from importlib.metadata import version

    return version("pyvrp")


__all__ = [
    "COST_SCALE",
    "LOAD_SCALES",
    "BuiltModel",
    "RouteSketch",
    "build_data",
    "solve_part_with_pyvrp",
    "solve_with_pyvrp",
]
_ = np
