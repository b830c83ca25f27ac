"""Split a network-wide problem into one sub-problem per hub (a warm start for the solver).

``hub_parts`` assigns every stop and shipment to one hub: the hub whose fleet can carry
its load (every dimension, cold chain included) with the shortest round trip
``hub -> stop -> hub`` (``hub -> pickup``, ``delivery -> hub`` for a shipment) in the
duration matrix; ties go to the hub id. Each part keeps the vehicle types based at its
hub. The parts are only a starting point: ``solve.solve_routing`` solves them in
parallel, merges their routes into one solution of the *whole* problem and lets the
solver improve that solution over the whole network (any vehicle may then take any
stop). Nothing here is a constraint, so a poor assignment costs search time, never a
wrong plan.

A problem splits only when it has at least two hubs with vehicles, every vehicle type
ends and reloads at its own start hub, and there are no re-planning vehicle starts;
otherwise ``hub_parts`` returns ``()`` and the problem is solved whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from bonnebouffe.planning.routing.model import Load, RoutingProblem, VehicleType
from bonnebouffe.planning.routing.travel import IntMatrix


@dataclass(frozen=True, slots=True)
class HubPart:
    """One hub's share of the problem: indices into ``problem.stops`` / ``shipments``."""

    depot_id: str
    vehicle_type_ids: tuple[str, ...]
    stop_indices: tuple[int, ...]
    shipment_indices: tuple[int, ...]

    @property
    def size(self) -> int:
        """Number of visits (a shipment counts twice)."""
        return len(self.stop_indices) + 2 * len(self.shipment_indices)


def _fits(load: Load, vehicle_types: list[VehicleType]) -> bool:
    return any(
        all(need <= cap for need, cap in zip(load.dims(), vt.capacity_dims(), strict=True))
        for vt in vehicle_types
    )


def hub_parts(problem: RoutingProblem, duration_s: IntMatrix) -> tuple[HubPart, ...]:
    """One part per hub that receives at least one stop, or ``()`` if it does not split."""
    if problem.vehicle_starts:
        return ()
    fleets: dict[str, list[VehicleType]] = {}
    for vt in problem.vehicle_types:
        if vt.end_depot != vt.depot_id or any(r != vt.depot_id for r in vt.reload_depot_ids):
            return ()
        fleets.setdefault(vt.depot_id, []).append(vt)
    if len(fleets) < 2:
        return ()
    depot_loc = {d.id: problem.depot_loc(i) for i, d in enumerate(problem.depots)}
    hubs = sorted(fleets)

    def choose(first: int, last: int, load: Load) -> str:
        able = [h for h in hubs if _fits(load, fleets[h])] or hubs
        return min(
            able,
            key=lambda h: (
                int(duration_s[depot_loc[h], first]) + int(duration_s[last, depot_loc[h]]),
                h,
            ),
        )

    stops: dict[str, list[int]] = {h: [] for h in hubs}
    ships: dict[str, list[int]] = {h: [] for h in hubs}
    for i, s in enumerate(problem.stops):
        loc = problem.stop_loc(i)
        stops[choose(loc, loc, s.load)].append(i)
    for k, sh in enumerate(problem.shipments):
        p_loc, d_loc = problem.shipment_locs(k)
        ships[choose(p_loc, d_loc, sh.load)].append(k)
    return tuple(
        HubPart(
            depot_id=h,
            vehicle_type_ids=tuple(vt.id for vt in fleets[h]),
            stop_indices=tuple(stops[h]),
            shipment_indices=tuple(ships[h]),
        )
        for h in hubs
        if stops[h] or ships[h]
    )


def part_time_limits(parts: tuple[HubPart, ...], budget_s: float, workers: int) -> list[float]:
    """Seconds per part so that ``workers`` processes finish them all within ``budget_s``.

    Time is proportional to part size; the parts are dealt largest first to the least
    loaded process (the order ``solve_routing`` submits them in), and the sizes are
    scaled so that the most loaded process needs ``budget_s``.
    """
    loads = [0] * max(1, workers)
    for part in sorted(parts, key=lambda p: -p.size):
        loads[loads.index(min(loads))] += part.size
    per_unit = budget_s / max(1, max(loads))
    return [min(budget_s, part.size * per_unit) for part in parts]


__all__ = ["HubPart", "hub_parts", "part_time_limits"]
