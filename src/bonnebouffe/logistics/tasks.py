"""Job runners of the logistics app: route planning and re-planning run in the background."""

from __future__ import annotations

import multiprocessing
import time
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from bonnebouffe.jobs.registry import ProgressFn, register
from bonnebouffe.jobs.services import JobFailed
from bonnebouffe.jobs.tasks import job_submit
from bonnebouffe.planning.routing.errors import RoutingInputError

from .models import RoutePlan
from .services import (
    PlanningError,
    PlanningInput,
    plan_store,
    planning_input_build,
    planning_time_limit_s,
)
from .services.replan import replan_input_build

PLAN_JOB = "logistics.plan"
REPLAN_JOB = "logistics.replan"


def plan_submit(*, user: Any, day: date, network: Any, hub: Any = None) -> Any:
    """Queue the planning of ``day`` for ``hub``, or for every hub of ``network`` when
    ``hub`` is None. The caller checked the scope."""
    where = hub.name if hub is not None else network.name
    return job_submit(
        kind=PLAN_JOB,
        title=_("Routes of %(hub)s on %(date)s") % {"hub": where, "date": day.isoformat()},
        owner=user,
        params={
            "date": day.isoformat(),
            "network_id": network.pk,
            "hub_id": hub.pk if hub is not None else None,
            "owner_id": user.pk,
        },
    )


def replan_submit(*, user: Any, plan: RoutePlan) -> Any:
    """Queue the re-planning of ``plan``'s day from now. The caller checked the scope."""
    where = plan.hub.name if plan.hub is not None else _("whole network")
    return job_submit(
        kind=REPLAN_JOB,
        title=_("Re-planning of %(hub)s on %(date)s")
        % {"hub": where, "date": plan.date.isoformat()},
        owner=user,
        params={"plan_id": plan.pk, "owner_id": user.pk},
    )


# Seconds the solver may run past its time limit (PyVRP's first local search, the child's
# start-up, the left-out reasons; see docs/routing.md) before the bar shows 84 %.
SOLVE_OVERHEAD_S = 8.0


def solve_watched(problem: Any, *, time_limit_s: float, progress: ProgressFn) -> Any:
    """Solve in a child process, telling the progress every second (15 % to 84 % of the
    expected time); a cancel (JobCancelled from ``progress``) ends the child at once.

    With ``settings.LOGISTICS_SOLVE_IN_CHILD`` off, solves in this process (tests)."""
    from bonnebouffe.planning.routing import solve_routing

    if not getattr(settings, "LOGISTICS_SOLVE_IN_CHILD", True):
        return solve_routing(problem, time_limit_s=time_limit_s, seed=0, workers=1)
    # "spawn": the child holds none of the worker's database connections.
    context = multiprocessing.get_context("spawn")
    started = time.monotonic()
    with context.Pool(processes=1) as pool:  # leaving the block ends the child
        pending = pool.apply_async(
            solve_routing, (problem,), {"time_limit_s": time_limit_s, "seed": 0, "workers": 1}
        )
        while True:
            try:
                return pending.get(timeout=1.0)
            except multiprocessing.TimeoutError:
                share = (time.monotonic() - started) / (time_limit_s + SOLVE_OVERHEAD_S)
                progress(
                    15 + min(69, int(69 * share)),
                    _("Searching for the best routes (%(s)s s)")
                    % {"s": int(time.monotonic() - started)},
                )


def _solve_and_store(
    planning: PlanningInput,
    progress: ProgressFn,
    params: dict[str, Any],
    **store: Any,
) -> dict[str, Any]:
    progress(
        15,
        _("Planning %(n)s stops with %(v)s vehicles")
        % {"n": len(planning.problem.stops), "v": len(planning.problem.vehicle_types)},
    )
    # The solver (PyVRP) is imported only when a plan is made, not at start-up.
    from bonnebouffe.planning.routing import validate_routing

    time_limit = float(params.get("time_limit_s") or planning_time_limit_s())
    solved = solve_watched(planning.problem, time_limit_s=time_limit, progress=progress)
    progress(85, _("Checking the plan"))
    violations = validate_routing(planning.problem, solved)
    if violations:
        raise JobFailed(
            _("The plan breaks %(n)s rules; it was not saved.") % {"n": len(violations)},
            [f"{v.code}: {v.message}" for v in violations[:50]],
        )
    progress(95, _("Saving the plan"))
    plan = plan_store(
        planning=planning,
        solved=solved,
        owner_id=params.get("owner_id"),
        job_id=str(params.get("job_id", "")),
        **store,
    )
    return {
        "plan_id": plan.pk,
        "url": reverse("logistics:plan_detail", args=[plan.pk]),
        "routes": plan.routes.count(),
        "left_out": len(solved.left_out),
    }


@register(PLAN_JOB)
def plan_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Gather the day's work, solve, check the plan independently, store it.

    Params: ``date`` (ISO), ``network_id``, ``hub_id`` (None = whole network),
    ``owner_id``, optional ``time_limit_s``. The scope was checked at submission.
    """
    day = date.fromisoformat(str(params["date"]))
    hub_id = params.get("hub_id")
    network_id = int(params["network_id"])
    progress(5, _("Gathering pickups, deliveries and vehicles"))
    try:
        planning = planning_input_build(day=day, network_id=network_id, hub_id=hub_id)
    except PlanningError as exc:
        raise JobFailed(str(exc)) from exc
    except RoutingInputError as exc:
        raise JobFailed(_("The data cannot be planned: %(e)s") % {"e": exc}) from exc
    return _solve_and_store(
        planning, progress, params, day=day, network_id=network_id, hub_id=hub_id
    )


@register(REPLAN_JOB)
def replan_job(params: dict[str, Any], progress: ProgressFn) -> dict[str, Any]:
    """Re-plan a day under way: done and under-way stops stay, the rest (with the new work,
    e.g. an urgent pickup accepted this morning) is planned again from now.

    Params: ``plan_id`` (the day's latest plan), ``owner_id``, optional ``time_limit_s``
    and ``now`` (ISO datetime; tests). The scope was checked at submission.
    """
    plan = RoutePlan.objects.filter(pk=int(params["plan_id"])).first()
    if plan is None:
        raise JobFailed(_("This plan no longer exists."))
    now = datetime.fromisoformat(str(params["now"])) if params.get("now") else None
    progress(5, _("Gathering what is done and the new work"))
    try:
        replan = replan_input_build(plan=plan, now=now)
    except PlanningError as exc:
        raise JobFailed(str(exc)) from exc
    except RoutingInputError as exc:
        raise JobFailed(_("The data cannot be planned: %(e)s") % {"e": exc}) from exc
    return _solve_and_store(
        replan.planning,
        progress,
        params,
        day=plan.date,
        network_id=plan.network_id,
        hub_id=plan.hub_id,
        prefixes=replan.prefixes,
        full_problem=replan.full_problem,
    )
