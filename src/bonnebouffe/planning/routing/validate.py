"""Independent plan validator (no solver import): re-checks every hard constraint.

Load model checked: a trip starts at a hub (or a re-planning start) loaded with the
deliveries of its stops (+ onboard goods on the first trip of a re-planning start);
pickups accumulate; shipment goods are on board from pickup to delivery, which must be in
the same trip; a reload empties the vehicle and loads the next trip's deliveries. Times
are recomputed from the matrix (with the vehicle type's duration factor): arrival >=
previous departure + travel, service start >= max(arrival, window open), service start <=
window close, departure >= start + service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bonnebouffe.planning.routing.model import (
    LOAD_DIMENSIONS,
    Load,
    RoutePlan,
    RoutingProblem,
    Shipment,
    Stop,
    StopKind,
    VehicleType,
    VisitKind,
    duration_for,
    route_cost,
)

EPS = 1e-6


class ViolationCode(StrEnum):
    """Kinds of violated constraints."""

    UNKNOWN_VEHICLE_TYPE = "unknown_vehicle_type"
    UNKNOWN_REFERENCE = "unknown_reference"
    BAD_START = "bad_start"
    BAD_END = "bad_end"
    DUPLICATE_VISIT = "duplicate_visit"
    REQUIRED_MISSING = "required_missing"
    LEFT_OUT_MISMATCH = "left_out_mismatch"
    SHIPMENT_ORDER = "shipment_order"
    TIME_WINDOW = "time_window"
    TIME_INCONSISTENT = "time_inconsistent"
    SHIFT = "shift"
    DEPOT_HOURS = "depot_hours"
    MAX_DURATION = "max_duration"
    MAX_RIDE = "max_ride"
    MAX_DISTANCE = "max_distance"
    CAPACITY = "capacity"
    COLD_INCOMPATIBLE = "cold_incompatible"
    VEHICLE_TOO_LONG = "vehicle_too_long"
    LOAD_MISMATCH = "load_mismatch"
    BAD_RELOAD = "bad_reload"
    TOO_MANY_RELOADS = "too_many_reloads"
    TRIP_NUMBERING = "trip_numbering"
    VEHICLE_COUNT = "vehicle_count"
    DISTANCE_MISMATCH = "distance_mismatch"
    DURATION_MISMATCH = "duration_mismatch"
    COST_MISMATCH = "cost_mismatch"


@dataclass(frozen=True, slots=True)
class Violation:
    """One violated constraint; ``route`` is the route index in the plan (None = global)."""

    code: ViolationCode
    message: str
    route: int | None = None
    ref_id: str = ""


def _close(a: float, b: float, tol: float = EPS) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def validate_routing(problem: RoutingProblem, plan: RoutePlan) -> list[Violation]:
    """Return all hard-constraint violations of ``plan`` for ``problem`` (empty = valid).

    Recomputes distances (m), durations (s), loads (kg, litres) and costs ($) from the
    problem's travel matrix. Does not raise on bad plans; raises only what the travel model
    raises when the matrix cannot be built (``RoutingInputError``).
    """
    out: list[Violation] = []
    dist, base_dur = problem.matrices()
    types = {vt.id: vt for vt in problem.vehicle_types}
    depots = {d.id: (i, d) for i, d in enumerate(problem.depots)}
    starts = {vs.id: (i, vs) for i, vs in enumerate(problem.vehicle_starts)}
    stops = {s.id: (i, s) for i, s in enumerate(problem.stops)}
    ships = {s.id: (i, s) for i, s in enumerate(problem.shipments)}

    served: dict[str, int] = {}
    routes_per_type: dict[str, int] = {}
    starts_used: set[str] = set()
    total_dist = 0
    total_dur = 0
    total_cost = 0.0

    for ri, route in enumerate(plan.routes):
        vt = types.get(route.vehicle_type_id)
        if vt is None:
            out.append(Violation(ViolationCode.UNKNOWN_VEHICLE_TYPE, route.vehicle_type_id, ri))
            continue
        routes_per_type[vt.id] = routes_per_type.get(vt.id, 0) + 1
        dur = duration_for(base_dur, vt.duration_factor)
        cap = vt.capacity_dims()

        # ---- start / end
        onboard = Load()
        max_dur = vt.max_duration_s
        if route.start_id in starts:
            si, vs = starts[route.start_id]
            if vs.vehicle_type_id != vt.id:
                out.append(Violation(ViolationCode.BAD_START, "start of another type", ri))
            if route.start_id in starts_used:
                out.append(Violation(ViolationCode.VEHICLE_COUNT, "start used twice", ri))
            starts_used.add(route.start_id)
            start_loc = problem.start_loc(si)
            onboard = vs.onboard
            if route.start_s < vs.ready_s:
                out.append(Violation(ViolationCode.SHIFT, "leaves before ready_s", ri))
            if vs.max_duration_s is not None:
                max_dur = vs.max_duration_s if max_dur is None else min(max_dur, vs.max_duration_s)
        elif route.start_id == vt.depot_id:
            di, dep = depots[vt.depot_id]
            start_loc = problem.depot_loc(di)
            if not dep.open_s <= route.start_s <= dep.close_s:
                out.append(Violation(ViolationCode.DEPOT_HOURS, "start outside hub hours", ri))
        else:
            out.append(Violation(ViolationCode.BAD_START, f"start {route.start_id!r}", ri))
            continue
        if route.end_depot_id != vt.end_depot:
            out.append(Violation(ViolationCode.BAD_END, f"end {route.end_depot_id!r}", ri))
            continue
        end_di, end_dep = depots[vt.end_depot]
        if route.start_s < vt.shift_start_s or route.end_s > vt.shift_end_s:
            out.append(
                Violation(
                    ViolationCode.SHIFT,
                    f"{route.start_s}-{route.end_s} outside shift "
                    f"{vt.shift_start_s}-{vt.shift_end_s}",
                    ri,
                )
            )
        if route.end_s > end_dep.close_s:
            out.append(Violation(ViolationCode.DEPOT_HOURS, "returns after hub closes", ri))
        if max_dur is not None and route.end_s - route.start_s > max_dur:
            out.append(
                Violation(
                    ViolationCode.MAX_DURATION,
                    f"duration {route.end_s - route.start_s} > {max_dur}",
                    ri,
                )
            )

        # ---- trips: split visits
        trips: list[list[int]] = [[]]
        reloads = 0
        for vi, v in enumerate(route.visits):
            if v.kind is VisitKind.RELOAD:
                reloads += 1
                trips.append([])
                if v.ref_id not in vt.reload_depot_ids:
                    out.append(Violation(ViolationCode.BAD_RELOAD, v.ref_id, ri, v.ref_id))
            else:
                trips[-1].append(vi)
            if v.trip != reloads:
                out.append(Violation(ViolationCode.TRIP_NUMBERING, f"visit {vi}", ri, v.ref_id))
        if reloads > vt.reloads_allowed():
            out.append(
                Violation(ViolationCode.TOO_MANY_RELOADS, f"{reloads} > {vt.reloads_allowed()}", ri)
            )

        # ---- per-trip loads (start load = deliveries of the trip)
        trip_start: list[list[float]] = []
        for t_idx, trip in enumerate(trips):
            load = list(onboard.dims()) if t_idx == 0 else [0.0] * 4
            for vi in trip:
                v = route.visits[vi]
                if v.kind is VisitKind.STOP and v.ref_id in stops:
                    s = stops[v.ref_id][1]
                    if s.kind is StopKind.DELIVERY:
                        load = [a + b for a, b in zip(load, s.load.dims(), strict=True)]
            trip_start.append(load)
        _check_load(out, ri, "", trip_start[0], cap, vt)
        if not _loads_equal(route.start_load.dims(), trip_start[0]):
            out.append(Violation(ViolationCode.LOAD_MISMATCH, "start_load", ri))

        # ---- walk
        prev = start_loc
        t = route.start_s
        dsum = 0
        load = trip_start[0]
        open_ships: dict[str, int] = {}
        for vi, v in enumerate(route.visits):
            early, late, service = 0, 10**9, 0
            if v.kind is VisitKind.RELOAD:
                if v.ref_id not in depots:
                    out.append(Violation(ViolationCode.UNKNOWN_REFERENCE, v.ref_id, ri, v.ref_id))
                    continue
                di, dep = depots[v.ref_id]
                loc, early, late = problem.depot_loc(di), dep.open_s, dep.close_s
                if open_ships:
                    out.append(
                        Violation(
                            ViolationCode.SHIPMENT_ORDER,
                            f"reload with shipments on board: {sorted(open_ships)}",
                            ri,
                        )
                    )
                    open_ships.clear()
                load = trip_start[min(v.trip, len(trip_start) - 1)]
            elif v.kind is VisitKind.STOP:
                if v.ref_id not in stops:
                    out.append(Violation(ViolationCode.UNKNOWN_REFERENCE, v.ref_id, ri, v.ref_id))
                    continue
                si2, s = stops[v.ref_id]
                served[s.id] = served.get(s.id, 0) + 1
                loc, early, late, service = (
                    problem.stop_loc(si2),
                    s.tw_early_s,
                    s.tw_late_s,
                    s.service_s,
                )
                _check_cold(out, ri, s, vt)
                if s.kind is StopKind.DELIVERY:
                    load = [a - b for a, b in zip(load, s.load.dims(), strict=True)]
                else:
                    load = [a + b for a, b in zip(load, s.load.dims(), strict=True)]
            else:
                if v.ref_id not in ships:
                    out.append(Violation(ViolationCode.UNKNOWN_REFERENCE, v.ref_id, ri, v.ref_id))
                    continue
                ki, sh = ships[v.ref_id]
                p_loc, d_loc = problem.shipment_locs(ki)
                _check_cold(out, ri, sh, vt)
                if v.kind is VisitKind.SHIPMENT_PICKUP:
                    served[sh.id] = served.get(sh.id, 0) + 1
                    open_ships[sh.id] = vi
                    loc, early, late = p_loc, sh.pickup_tw_early_s, sh.pickup_tw_late_s
                    service = sh.pickup_service_s
                    load = [a + b for a, b in zip(load, sh.load.dims(), strict=True)]
                else:
                    if sh.id not in open_ships:
                        out.append(
                            Violation(
                                ViolationCode.SHIPMENT_ORDER,
                                "delivery without earlier pickup in the same trip",
                                ri,
                                sh.id,
                            )
                        )
                    pickup_vi = open_ships.pop(sh.id, None)
                    if sh.max_ride_s is not None and pickup_vi is not None:
                        ride = v.start_s - route.visits[pickup_vi].departure_s
                        if ride > sh.max_ride_s:
                            out.append(
                                Violation(
                                    ViolationCode.MAX_RIDE,
                                    f"ride {ride} s > max_ride_s {sh.max_ride_s}",
                                    ri,
                                    sh.id,
                                )
                            )
                    loc, early, late = d_loc, sh.delivery_tw_early_s, sh.delivery_tw_late_s
                    service = sh.delivery_service_s
                    load = [a - b for a, b in zip(load, sh.load.dims(), strict=True)]
            travel = int(dur[prev, loc])
            dsum += int(dist[prev, loc])
            if v.arrival_s < t + travel:
                out.append(
                    Violation(
                        ViolationCode.TIME_INCONSISTENT,
                        f"arrival {v.arrival_s} < {t} + travel {travel}",
                        ri,
                        v.ref_id,
                    )
                )
            if v.start_s < max(v.arrival_s, early) or v.departure_s < v.start_s + service:
                out.append(
                    Violation(ViolationCode.TIME_INCONSISTENT, "start/departure", ri, v.ref_id)
                )
            if v.start_s > late:
                out.append(
                    Violation(
                        ViolationCode.DEPOT_HOURS
                        if v.kind is VisitKind.RELOAD
                        else ViolationCode.TIME_WINDOW,
                        f"service starts {v.start_s} after window close {late}",
                        ri,
                        v.ref_id,
                    )
                )
            _check_load(out, ri, v.ref_id, load, cap, vt)
            if not _loads_equal(v.load_after.dims(), load):
                out.append(Violation(ViolationCode.LOAD_MISMATCH, "load_after", ri, v.ref_id))
            t = max(t + travel, v.departure_s)
            prev = loc
        for sid in open_ships:
            out.append(Violation(ViolationCode.SHIPMENT_ORDER, "pickup without delivery", ri, sid))
        end_loc = problem.depot_loc(end_di)
        travel = int(dur[prev, end_loc])
        dsum += int(dist[prev, end_loc])
        if route.end_s < t + travel:
            out.append(
                Violation(ViolationCode.TIME_INCONSISTENT, f"end {route.end_s} too early", ri)
            )
        if route.distance_m != dsum:
            out.append(
                Violation(ViolationCode.DISTANCE_MISMATCH, f"{route.distance_m} != {dsum}", ri)
            )
        if vt.max_distance_m is not None and dsum > vt.max_distance_m:
            out.append(Violation(ViolationCode.MAX_DISTANCE, f"{dsum} > {vt.max_distance_m}", ri))
        if route.duration_s != route.end_s - route.start_s:
            out.append(Violation(ViolationCode.DURATION_MISMATCH, "end - start", ri))
        cost = route_cost(vt, dsum, route.end_s - route.start_s)
        if not _close(cost, route.cost):
            out.append(Violation(ViolationCode.COST_MISMATCH, f"{route.cost} != {cost}", ri))
        total_dist += dsum
        total_dur += route.end_s - route.start_s
        total_cost += cost

    # ---- global checks
    for type_id, n in routes_per_type.items():
        if n > types[type_id].count:
            out.append(
                Violation(ViolationCode.VEHICLE_COUNT, f"{type_id}: {n} > {types[type_id].count}")
            )
    everything: list[Stop | Shipment] = [*problem.stops, *problem.shipments]
    left_ids = [lo.ref_id for lo in plan.left_out]
    for item in everything:
        n = served.get(item.id, 0)
        if n > 1:
            out.append(Violation(ViolationCode.DUPLICATE_VISIT, f"served {n} times", None, item.id))
        if n == 0 and item.required:
            out.append(Violation(ViolationCode.REQUIRED_MISSING, "not served", None, item.id))
        if (n == 0) != (item.id in left_ids):
            out.append(
                Violation(ViolationCode.LEFT_OUT_MISMATCH, "left_out list wrong", None, item.id)
            )
    if len(set(left_ids)) != len(left_ids):
        out.append(Violation(ViolationCode.LEFT_OUT_MISMATCH, "duplicates in left_out"))
    if plan.distance_m != total_dist:
        out.append(Violation(ViolationCode.DISTANCE_MISMATCH, "plan total distance"))
    if plan.duration_s != total_dur:
        out.append(Violation(ViolationCode.DURATION_MISMATCH, "plan total duration"))
    if not _close(plan.cost, total_cost):
        out.append(Violation(ViolationCode.COST_MISMATCH, f"plan cost {plan.cost} != {total_cost}"))
    return out


def _check_cold(out: list[Violation], ri: int, item: Stop | Shipment, vt: VehicleType) -> None:
    """Cold goods need a compartment; a site's access limit, a vehicle short enough."""
    if (item.load.refrigerated_kg > 0 and vt.capacity_refrigerated_kg <= 0) or (
        item.load.frozen_kg > 0 and vt.capacity_frozen_kg <= 0
    ):
        out.append(
            Violation(ViolationCode.COLD_INCOMPATIBLE, f"cold goods on {vt.id}", ri, item.id)
        )
    limit = item.max_vehicle_length_m
    if limit is not None and vt.length_m is not None and vt.length_m > limit:
        out.append(
            Violation(
                ViolationCode.VEHICLE_TOO_LONG,
                f"{vt.id} is {vt.length_m} m long, the site takes {limit} m",
                ri,
                item.id,
            )
        )


def _check_load(
    out: list[Violation],
    ri: int,
    ref: str,
    load: list[float],
    cap: tuple[float, float, float, float],
    vt: VehicleType,
) -> None:
    for name, value, limit in zip(LOAD_DIMENSIONS, load, cap, strict=True):
        if value > limit + EPS:
            out.append(
                Violation(
                    ViolationCode.CAPACITY, f"{name} {value:.3f} > {limit} ({vt.id})", ri, ref
                )
            )


def _loads_equal(a: tuple[float, ...], b: list[float]) -> bool:
    return all(abs(x - y) <= 1e-4 for x, y in zip(a, b, strict=True))
