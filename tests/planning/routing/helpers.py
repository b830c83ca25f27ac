"""Builders for small routing problems and hand-made plans (no solver)."""

from __future__ import annotations

import dataclasses

from bonnebouffe.planning.routing import (
    Depot,
    EuclideanProvider,
    Load,
    Location,
    Route,
    RoutePlan,
    RoutingProblem,
    SolverStats,
    Stop,
    StopKind,
    VehicleType,
    Visit,
    VisitKind,
)
from bonnebouffe.planning.routing.model import duration_for, route_cost, travel_info

EUCLID = EuclideanProvider(scale=1.0, rounding="round", speed=1.0)


def xy(x: float, y: float) -> Location:
    return Location(lat=y, lon=x)


def stop(
    sid: str,
    x: float,
    y: float,
    kind: StopKind = StopKind.DELIVERY,
    kg: float = 10.0,
    ref_kg: float = 0.0,
    frz_kg: float = 0.0,
    tw: tuple[int, int] = (0, 10_000),
    service: int = 0,
    required: bool = True,
    prize: float | None = None,
) -> Stop:
    return Stop(
        id=sid,
        kind=kind,
        location=xy(x, y),
        load=Load(ambient_kg=kg, refrigerated_kg=ref_kg, frozen_kg=frz_kg),
        service_s=service,
        tw_early_s=tw[0],
        tw_late_s=tw[1],
        required=required,
        prize=prize,
    )


def vtype(vid: str = "van", depot: str = "d0", **kw: object) -> VehicleType:
    base: dict[str, object] = {
        "id": vid,
        "depot_id": depot,
        "capacity_kg": 100.0,
        "count": 2,
        "cost_per_km": 1000.0,  # 1 $ per distance unit (Euclidean units used as metres)
        "shift_end_s": 10_000,
    }
    base.update(kw)
    return VehicleType(**base)  # type: ignore[arg-type]


def problem(
    stops: list[Stop],
    vtypes: list[VehicleType] | None = None,
    depots: list[Depot] | None = None,
    **kw: object,
) -> RoutingProblem:
    return RoutingProblem(
        name="t",
        depots=tuple(depots or [Depot("d0", xy(0, 0))]),
        stops=tuple(stops),
        vehicle_types=tuple(vtypes or [vtype()]),
        travel=EUCLID,
        **kw,  # type: ignore[arg-type]
    )


def hand_plan(p: RoutingProblem, routes: list[tuple[str, list[str]]]) -> RoutePlan:
    """Plan with routes (vehicle type id, refs); "@depot" = reload at that depot.

    Times forward-simulated from the shift start, loads per the documented model.
    """
    dist, dur0 = p.matrices()
    stops = {s.id: (i, s) for i, s in enumerate(p.stops)}
    depots = {d.id: i for i, d in enumerate(p.depots)}
    types = {v.id: v for v in p.vehicle_types}
    out = []
    per_type: dict[str, int] = {}
    for vt_id, refs in routes:
        vt = types[vt_id]
        dur = duration_for(dur0, vt.duration_factor)
        trips: list[list[str]] = [[]]
        for r in refs:
            if r.startswith("@"):
                trips.append([])
            else:
                trips[-1].append(r)

        def start_dims(t: list[str]) -> list[float]:
            acc = [0.0] * 4
            for r in t:
                s = stops[r][1]
                if s.kind is StopKind.DELIVERY:
                    acc = [a + b for a, b in zip(acc, s.load.dims(), strict=True)]
            return acc

        def to_load(d: list[float]) -> Load:
            return Load(max(0.0, d[0] - d[1] - d[2]), d[1], d[2], d[3])

        t = vt.shift_start_s
        prev = depots[vt.depot_id]
        trip = 0
        cur = start_dims(trips[0])
        start_load = to_load(cur)
        visits = []
        dsum = 0
        for r in refs:
            if r.startswith("@"):
                loc = depots[r[1:]]
                arr = t + int(dur[prev, loc])
                dsum += int(dist[prev, loc])
                trip += 1
                cur = start_dims(trips[trip])
                visits.append(Visit(VisitKind.RELOAD, r[1:], trip, arr, arr, arr, to_load(cur)))
                t = arr
            else:
                i, s = stops[r]
                loc = p.stop_loc(i)
                arr = t + int(dur[prev, loc])
                dsum += int(dist[prev, loc])
                begin = max(arr, s.tw_early_s)
                t = begin + s.service_s
                sign = -1 if s.kind is StopKind.DELIVERY else 1
                cur = [a + sign * b for a, b in zip(cur, s.load.dims(), strict=True)]
                visits.append(Visit(VisitKind.STOP, r, trip, arr, begin, t, to_load(cur)))
            prev = loc
        end = depots[vt.end_depot]
        end_s = t + int(dur[prev, end])
        dsum += int(dist[prev, end])
        no = per_type.get(vt_id, 0)
        per_type[vt_id] = no + 1
        out.append(
            Route(
                vt_id,
                no,
                vt.depot_id,
                vt.end_depot,
                vt.shift_start_s,
                end_s,
                start_load,
                tuple(visits),
                dsum,
                end_s - vt.shift_start_s,
                route_cost(vt, dsum, end_s - vt.shift_start_s),
            )
        )
    from bonnebouffe.planning.routing import LeftOut, LeftOutReason

    served = {v.ref_id for r in out for v in r.visits}
    left = tuple(
        LeftOut(s.id, s.required, LeftOutReason.NOT_WORTH_COST)
        for s in p.stops
        if s.id not in served
    )
    cost = sum(r.cost for r in out)
    return RoutePlan(
        "t",
        tuple(out),
        left,
        sum(r.distance_m for r in out),
        sum(r.duration_s for r in out),
        cost,
        0.0,
        0.0,
        cost,
        True,
        SolverStats(0.0, 0, (0,), 1, 1.0),
        travel_info(p),
    )


def replace_visit(plan: RoutePlan, ri: int, vi: int, **changes: object) -> RoutePlan:
    r = plan.routes[ri]
    visits = list(r.visits)
    visits[vi] = dataclasses.replace(visits[vi], **changes)  # type: ignore[arg-type]
    routes = list(plan.routes)
    routes[ri] = dataclasses.replace(r, visits=tuple(visits))
    return dataclasses.replace(plan, routes=tuple(routes))
