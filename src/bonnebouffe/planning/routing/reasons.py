"""Heuristic reasons why optional stops are left out of a plan (no solver import).

Order of checks for each unserved stop/shipment:

1. ``no_capacity_cold``: cold goods and no vehicle type has a big enough fridge/freezer.
2. ``no_capacity``: no vehicle type can carry the load alone (any dimension).
3. ``vehicle_too_long``: every vehicle that could carry it is longer than its site takes;
   ``no_vehicle``: compatible types exist but have ``count == 0``.
4. ``outside_time_window_reach``: no compatible vehicle can serve it alone (start at its
   shift start / ready time, serve within the window, be back within shift, hub hours,
   max duration and max distance).
5. ``not_worth_cost``: the cheapest insertion detour into a planned route of a compatible
   type (or a dedicated route of an unused vehicle, with its fixed cost) costs more than
   the prize. ``no_room_in_plan`` otherwise (the cheap insertions conflict with capacity
   or time windows of the chosen routes). Both are estimates, not proofs.
"""

from __future__ import annotations

import itertools

from bonnebouffe.planning.routing.model import (
    LeftOut,
    LeftOutReason,
    Load,
    RoutePlan,
    RoutingProblem,
    Shipment,
    Stop,
    VehicleType,
    VisitKind,
    duration_for,
)
from bonnebouffe.planning.routing.travel import IntMatrix

EPS = 1e-9


def _fits(load: Load, vt: VehicleType) -> bool:
    return all(a <= b + EPS for a, b in zip(load.dims(), vt.capacity_dims(), strict=True))


def _cold_ok(load: Load, vt: VehicleType) -> bool:
    return (
        load.refrigerated_kg <= vt.capacity_refrigerated_kg + EPS
        and load.frozen_kg <= vt.capacity_frozen_kg + EPS
    )


def left_out_reasons(
    problem: RoutingProblem, plan: RoutePlan, distance_m: IntMatrix, duration_s: IntMatrix
) -> tuple[LeftOut, ...]:
    """Reasons for every stop/shipment not served by ``plan`` (see module docstring)."""
    served = {v.ref_id for r in plan.routes for v in r.visits if v.kind is not VisitKind.RELOAD}
    used_per_type: dict[str, int] = {}
    for r in plan.routes:
        used_per_type[r.vehicle_type_id] = used_per_type.get(r.vehicle_type_id, 0) + 1
    out: list[LeftOut] = []
    for idx, s in enumerate(problem.stops):
        if s.id not in served:
            loc = problem.stop_loc(idx)
            out.append(_reason(problem, plan, s, (loc,), distance_m, duration_s, used_per_type))
    for k, sh in enumerate(problem.shipments):
        if sh.id not in served:
            out.append(
                _reason(
                    problem,
                    plan,
                    sh,
                    problem.shipment_locs(k),
                    distance_m,
                    duration_s,
                    used_per_type,
                )
            )
    return tuple(out)


def _windows(item: Stop | Shipment) -> list[tuple[int, int, int]]:
    if isinstance(item, Stop):
        return [(item.tw_early_s, item.tw_late_s, item.service_s)]
    return [
        (item.pickup_tw_early_s, item.pickup_tw_late_s, item.pickup_service_s),
        (item.delivery_tw_early_s, item.delivery_latest_s, item.delivery_service_s),
    ]


def _solo_ok(
    problem: RoutingProblem,
    vt: VehicleType,
    item: Stop | Shipment,
    locs: tuple[int, ...],
    dist: IntMatrix,
    dur: IntMatrix,
) -> bool:
    depots = {d.id: (i, d) for i, d in enumerate(problem.depots)}
    end_i, end_d = depots[vt.end_depot]
    starts: list[tuple[int, int, int | None]] = []
    si, sd = depots[vt.depot_id]
    starts.append((problem.depot_loc(si), max(vt.shift_start_s, sd.open_s), vt.max_duration_s))
    for k, vs in enumerate(problem.vehicle_starts):
        if vs.vehicle_type_id == vt.id:
            starts.append((problem.start_loc(k), max(vt.shift_start_s, vs.ready_s), None))
    d2 = duration_for(dur, vt.duration_factor)
    for start_loc, t0, max_dur in starts:
        t, prev, dsum, ok = t0, start_loc, 0, True
        first_begin: int | None = None
        for loc, (early, late, service) in zip(locs, _windows(item), strict=True):
            arrival = t + int(d2[prev, loc])
            dsum += int(dist[prev, loc])
            begin = max(arrival, early)
            if begin > late:
                ok = False
                break
            if first_begin is None:
                first_begin = begin - int(d2[start_loc, locs[0]])
            t, prev = begin + service, loc
        if not ok:
            continue
        end = t + int(d2[prev, problem.depot_loc(end_i)])
        dsum += int(dist[prev, problem.depot_loc(end_i)])
        begin_route = max(t0, first_begin if first_begin is not None else t0)
        limits = [x for x in (vt.max_duration_s, max_dur) if x is not None]
        if end > min(vt.shift_end_s, end_d.close_s):
            continue
        if limits and end - begin_route > min(limits):
            continue
        if vt.max_distance_m is not None and dsum > vt.max_distance_m:
            continue
        return True
    return False


def _reason(
    problem: RoutingProblem,
    plan: RoutePlan,
    item: Stop | Shipment,
    locs: tuple[int, ...],
    dist: IntMatrix,
    dur: IntMatrix,
    used_per_type: dict[str, int],
) -> LeftOut:
    types = problem.vehicle_types
    cold_ok = [vt for vt in types if _cold_ok(item.load, vt)]
    if item.load.is_cold() and not cold_ok:
        return LeftOut(item.id, item.required, LeftOutReason.NO_CAPACITY_COLD, "no fridge/freezer")
    fit = [vt for vt in cold_ok if _fits(item.load, vt)]
    if not fit:
        cold_any = any(
            _fits(item.load.__class__(ambient_kg=item.load.total_kg), vt) for vt in types
        )
        reason = (
            LeftOutReason.NO_CAPACITY_COLD
            if item.load.is_cold() and cold_any
            else (LeftOutReason.NO_CAPACITY)
        )
        return LeftOut(item.id, item.required, reason, "load exceeds every vehicle type")
    fit = [vt for vt in fit if vt.fits(item)]
    if not fit:
        return LeftOut(
            item.id, item.required, LeftOutReason.VEHICLE_TOO_LONG, "site access too small"
        )
    avail = [vt for vt in fit if vt.count > 0]
    if not avail:
        return LeftOut(item.id, item.required, LeftOutReason.NO_VEHICLE, "count is 0")
    reach = [vt for vt in avail if _solo_ok(problem, vt, item, locs, dist, dur)]
    if not reach:
        return LeftOut(
            item.id,
            item.required,
            LeftOutReason.OUTSIDE_TIME_WINDOW_REACH,
            "no vehicle can reach it within its window and shift",
        )
    reach_ids = {vt.id: vt for vt in reach}
    best = float("inf")
    depots = {d.id: i for i, d in enumerate(problem.depots)}
    for r, seq in zip(plan.routes, route_seqs(problem, plan), strict=True):
        vt = reach_ids.get(r.vehicle_type_id)
        if vt is None:
            continue
        d2 = duration_for(dur, vt.duration_factor)
        for a, b in itertools.pairwise(seq):
            path = [a, *locs, b]
            dd = sum(int(dist[x, y]) for x, y in itertools.pairwise(path)) - int(dist[a, b])
            tt = sum(int(d2[x, y]) for x, y in itertools.pairwise(path)) - int(d2[a, b])
            best = min(best, dd / 1000 * vt.cost_per_km + tt / 3600 * vt.cost_per_hour)
    for vt in reach:
        if used_per_type.get(vt.id, 0) < vt.count:
            home = problem.depot_loc(depots[vt.depot_id])
            end = problem.depot_loc(depots[vt.end_depot])
            path = [home, *locs, end]
            d2 = duration_for(dur, vt.duration_factor)
            dd = sum(int(dist[x, y]) for x, y in itertools.pairwise(path))
            tt = sum(int(d2[x, y]) for x, y in itertools.pairwise(path))
            best = min(
                best, vt.fixed_cost + dd / 1000 * vt.cost_per_km + tt / 3600 * vt.cost_per_hour
            )
    prize = problem.stop_prize(item)
    if not item.required and best > prize:
        return LeftOut(
            item.id,
            item.required,
            LeftOutReason.NOT_WORTH_COST,
            f"cheapest detour ~{best:.2f} $ > prize {prize:.2f} $",
        )
    return LeftOut(
        item.id,
        item.required,
        LeftOutReason.NO_ROOM_IN_PLAN,
        f"cheapest detour ~{best:.2f} $ <= prize {prize:.2f} $ but conflicts with "
        "capacity/time of the planned routes",
    )


_SEQ_CACHE: dict[int, tuple[RoutePlan, list[list[int]]]] = {}


def route_seqs(problem: RoutingProblem, plan: RoutePlan) -> list[list[int]]:
    """Matrix-index sequence (start, visits..., end) of every route of ``plan``."""
    cached = _SEQ_CACHE.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    depots = {d.id: i for i, d in enumerate(problem.depots)}
    starts = {vs.id: k for k, vs in enumerate(problem.vehicle_starts)}
    stops = {s.id: i for i, s in enumerate(problem.stops)}
    ships = {s.id: i for i, s in enumerate(problem.shipments)}
    seqs: list[list[int]] = []
    for r in plan.routes:
        seq = [
            problem.start_loc(starts[r.start_id])
            if r.start_id in starts
            else problem.depot_loc(depots[r.start_id])
        ]
        for v in r.visits:
            if v.kind is VisitKind.RELOAD:
                seq.append(problem.depot_loc(depots[v.ref_id]))
            elif v.kind is VisitKind.STOP:
                seq.append(problem.stop_loc(stops[v.ref_id]))
            else:
                p, d = problem.shipment_locs(ships[v.ref_id])
                seq.append(p if v.kind is VisitKind.SHIPMENT_PICKUP else d)
        seq.append(problem.depot_loc(depots[r.end_depot_id]))
        seqs.append(seq)
    _SEQ_CACHE.clear()
    _SEQ_CACHE[id(plan)] = (plan, seqs)
    return seqs
