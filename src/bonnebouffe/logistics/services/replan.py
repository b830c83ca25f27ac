"""Re-planning a day under way: what is done (or under way) stays, the rest is planned
again with the day's current work (new urgent pickups included).

Gather (the latest plan, its stop statuses, the day's work now), decide (the pure core's
``replan_problem`` and the solver, in the job), apply (``plan_store`` with the committed
prefixes)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from bonnebouffe.planning.routing.errors import RoutingInputError
from bonnebouffe.planning.routing.jsonio import plan_from_dict, problem_from_dict, problem_to_dict
from bonnebouffe.planning.routing.model import RoutingProblem, attach_matrix
from bonnebouffe.planning.routing.replan import replan_problem
from bonnebouffe.planning.routing.travel import ExplicitMatrix, HaversineProvider

from ..models import RoutePlan, StopKind, StopStatus
from ..selectors import day_bounds, plan_latest, plan_routes_with_stops
from . import CommittedPrefix, PlanningError, PlanningInput, planning_input_build, travel_provider


@dataclass
class ReplanInput:
    planning: PlanningInput
    prefixes: dict[str, CommittedPrefix]
    full_problem: dict[str, Any]
    base_plan_id: int


def _seconds_since_midnight(now: datetime, day: Any) -> int | None:
    local = timezone.localtime(now)
    if local.date() != day:
        return None
    midnight, _end = day_bounds(day)
    return int((local - midnight).total_seconds())


def _with_stops(
    problem: RoutingProblem,
    stops: tuple[Any, ...],
    shipments: tuple[Any, ...],
    vehicle_types: tuple[Any, ...],
) -> RoutingProblem:
    """``problem`` with other stops, shipments and vehicles; a matrix from a travel-time
    service is asked again for the new places (its cache answers for the known ones)."""
    explicit = isinstance(problem.travel, ExplicitMatrix)
    new = dataclasses.replace(
        problem,
        stops=stops,
        shipments=shipments,
        vehicle_types=vehicle_types,
        travel=HaversineProvider() if explicit else problem.travel,
    )
    if not explicit:
        return new
    provider = travel_provider()
    if isinstance(provider, HaversineProvider):
        return dataclasses.replace(new, travel=provider)
    try:
        return attach_matrix(new, provider)
    except RoutingInputError as exc:
        raise PlanningError(
            _("The travel-time service (%(name)s) did not answer: %(error)s")
            % {"name": provider.name, "error": exc}
        ) from exc


def replan_input_build(*, plan: RoutePlan, now: datetime | None = None) -> ReplanInput:
    """The problem of what is left of ``plan``'s day at ``now``.

    A route's committed prefix runs to its last stop marked done or with a problem (the
    core extends it while goods of the current trip are on the truck). Raises PlanningError
    (translated) for a past day, a plan that is not the latest of its day, or a day with
    nothing left to plan.
    """
    now = now or timezone.now()
    day = plan.date
    if day < timezone.localdate(now):
        raise PlanningError(_("A past day cannot be re-planned."))
    latest = plan_latest(network_id=plan.network_id, hub_id=plan.hub_id, day=day)
    if latest is None or latest.pk != plan.pk:
        raise PlanningError(_("A newer plan of this day exists: re-plan that one."))
    full = plan.full_json or {}
    base_problem = problem_from_dict(full.get("problem") or plan.problem_json)
    base_plan_dict = full.get("plan") or plan.plan_json
    base_plan = plan_from_dict(base_plan_dict)
    fresh = planning_input_build(day=day, network_id=plan.network_id, hub_id=plan.hub_id)

    # The day's problem grows with the new work (stops and vehicles), never loses any:
    # the plan of the day refers to all of them.
    known = {s.id for s in base_problem.stops} | {s.id for s in base_problem.shipments}
    known_vts = {v.id for v in base_problem.vehicle_types}
    added_stops = tuple(s for s in fresh.problem.stops if s.id not in known)
    added_ships = tuple(s for s in fresh.problem.shipments if s.id not in known)
    added_vts = tuple(v for v in fresh.problem.vehicle_types if v.id not in known_vts)
    day_problem = base_problem
    if added_stops or added_ships or added_vts:
        day_problem = _with_stops(
            base_problem,
            (*base_problem.stops, *added_stops),
            (*base_problem.shipments, *added_ships),
            (*base_problem.vehicle_types, *added_vts),
        )

    routes = plan_routes_with_stops(plan=plan)
    done: dict[int, int] = {}
    for index, route in enumerate(routes):
        passed = [
            s.sequence
            for s in route.stops.all()
            if s.kind != StopKind.DEPOT and s.status != StopStatus.PLANNED
        ]
        if passed:
            done[index] = max(passed)
    problem, committed = replan_problem(
        day_problem, base_plan, done, now_s=_seconds_since_midnight(now, day)
    )
    # What is no longer to do (received at the hub's door, request withdrawn) goes.
    current = tuple(s for s in problem.stops if s.id in fresh.meta)
    current_ships = tuple(s for s in problem.shipments if s.id in fresh.meta)
    if len(current) != len(problem.stops) or len(current_ships) != len(problem.shipments):
        problem = _with_stops(problem, current, current_ships, problem.vehicle_types)
    starts = {vs.vehicle_type_id: vs.id for vs in problem.vehicle_starts}
    prefixes: dict[str, CommittedPrefix] = {}
    for index, k in committed.items():
        solved_route = base_plan.routes[index]
        rows = [s for s in routes[index].stops.all() if s.sequence <= k]
        prefixes[starts[solved_route.vehicle_type_id]] = CommittedPrefix(
            vehicle_type_id=solved_route.vehicle_type_id,
            vehicle_no=solved_route.vehicle_no,
            start_id=solved_route.start_id,
            start_s=solved_route.start_s,
            stops=rows,
            visits=list(base_plan_dict["routes"][index]["visits"][:k]),
        )
    shifts = {v.id: int(v.id.removeprefix("shift-")) for v in problem.vehicle_types}
    planning = PlanningInput(
        problem=problem,
        meta=fresh.meta,
        shifts=shifts,
        depot_sites=fresh.depot_sites,
    )
    return ReplanInput(
        planning=planning,
        prefixes=prefixes,
        full_problem=problem_to_dict(day_problem),
        base_plan_id=plan.pk,
    )
