"""Re-planning with fixed (done / in-progress) prefixes.

Approach (honest and simple): the done prefix of each route is taken out of the problem
and the vehicle restarts from where it is. The prefix is first *extended* to the end of
what is physically committed: while a shipment picked up in the prefix is not delivered,
or a delivery stop of the current trip remains (its goods are already on the truck), the
next visit is committed too. The vehicle then becomes a ``VehicleStart`` at the last
committed visit's location, ready at ``max(departure, now_s)``, carrying the pickups of
the current trip (``onboard``). Committed visits are removed from the new problem; its
remaining trips are re-planned freely. Vehicles that have not left yet cannot start
before ``now_s``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError
from bonnebouffe.planning.routing.model import (
    Load,
    RoutePlan,
    RoutingProblem,
    StopKind,
    VehicleStart,
    VisitKind,
)
from bonnebouffe.planning.routing.reasons import route_seqs
from bonnebouffe.planning.routing.travel import ExplicitMatrix


def replan_problem(
    problem: RoutingProblem,
    plan: RoutePlan,
    done: Mapping[int, int],
    *,
    now_s: int | None = None,
) -> tuple[RoutingProblem, dict[int, int]]:
    """Build the re-planning problem.

    Args:
        problem: the problem ``plan`` was made for (no vehicle starts).
        plan: current plan.
        done: route index -> number of visits already done (or in progress).
        now_s: current time in seconds since midnight (optional).

    Returns:
        (new problem, route index -> number of committed visits after extension).

    Raises:
        RoutingInputError(BAD_PARAMETER): bad route index/count or problem already has
            vehicle starts.
    """
    if problem.vehicle_starts:
        raise RoutingInputError(ErrorCode.BAD_PARAMETER, "re-plan from the original problem")
    stops = {s.id: s for s in problem.stops}
    committed: dict[int, int] = {}
    removed: set[str] = set()
    starts: list[VehicleStart] = []
    start_old_loc: list[int] = []
    seqs = route_seqs(problem, plan)
    for ri, n in sorted(done.items()):
        if not (0 <= ri < len(plan.routes)) or not (0 <= n <= len(plan.routes[ri].visits)):
            raise RoutingInputError(ErrorCode.BAD_PARAMETER, f"bad progress {ri}: {n}")
        if n == 0:
            continue
        route = plan.routes[ri]
        visits = route.visits
        k = n
        while k < len(visits):
            prefix = visits[:k]
            open_ship = {v.ref_id for v in prefix if v.kind is VisitKind.SHIPMENT_PICKUP} - {
                v.ref_id for v in prefix if v.kind is VisitKind.SHIPMENT_DELIVERY
            }
            trip = visits[k - 1].trip
            pending_delivery = any(
                v.trip == trip
                and v.kind is VisitKind.STOP
                and stops[v.ref_id].kind is StopKind.DELIVERY
                for v in visits[k:]
            )
            if not open_ship and not pending_delivery:
                break
            k += 1
        committed[ri] = k
        removed |= {v.ref_id for v in visits[:k] if v.kind is not VisitKind.RELOAD}
        last = visits[k - 1]
        ready = last.departure_s if now_s is None else max(last.departure_s, now_s)
        # after a reload the truck holds the next trip's deliveries, which stay in the
        # problem (re-planned freely), so nothing is "onboard" in the VehicleStart sense
        onboard = Load() if last.kind is VisitKind.RELOAD else last.load_after
        starts.append(
            VehicleStart(
                id=f"{route.vehicle_type_id}#{route.vehicle_no}@{last.ref_id}",
                vehicle_type_id=route.vehicle_type_id,
                location=problem.locations()[seqs[ri][k]],
                ready_s=ready,
                onboard=onboard,
            )
        )
        start_old_loc.append(seqs[ri][k])
    vtypes = problem.vehicle_types
    if now_s is not None:
        vtypes = tuple(
            dataclasses.replace(vt, shift_start_s=min(max(vt.shift_start_s, now_s), vt.shift_end_s))
            for vt in vtypes
        )
    keep_stops = tuple(s for s in problem.stops if s.id not in removed)
    keep_ships = tuple(s for s in problem.shipments if s.id not in removed)
    travel = problem.travel
    if isinstance(travel, ExplicitMatrix):
        old = list(range(len(problem.depots)))
        old += [problem.stop_loc(i) for i, s in enumerate(problem.stops) if s.id not in removed]
        for i, s in enumerate(problem.shipments):
            if s.id not in removed:
                old += list(problem.shipment_locs(i))
        old += start_old_loc
        travel = ExplicitMatrix(
            distance_m=tuple(tuple(travel.distance_m[a][b] for b in old) for a in old),
            duration_s=tuple(tuple(travel.duration_s[a][b] for b in old) for a in old),
            source=travel.source,
            source_factors=travel.source_factors,
        )
    new = dataclasses.replace(
        problem,
        stops=keep_stops,
        shipments=keep_ships,
        vehicle_types=vtypes,
        vehicle_starts=tuple(starts),
        travel=travel,
    )
    return new, committed
