from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from bonnebouffe.accounts.selectors import scope_for

from .models import StopStatus
from .selectors import (
    may_plan,
    plan_get,
    plan_list,
    plan_may_replan,
    planning_hubs,
    planning_networks,
    stop_for_update,
)
from .services import StopUpdateError, stop_update_apply
from .tasks import plan_submit, replan_submit

router = Router(tags=["logistics"])


class PlanOut(Schema):
    id: int
    date: date
    hub_id: int | None
    provider: str
    distance_m: int
    duration_s: int
    collected_g: int
    delivered_g: int
    cost: Decimal
    left_out: list[dict[str, object]]
    difference: dict[str, object]


class StopOut(Schema):
    id: int
    sequence: int
    kind: str
    site_id: int
    status: str
    items: list[dict[str, object]]


class RouteOut(Schema):
    number: int
    vehicle_id: int
    driver_id: int | None
    distance_m: int
    stops: list[StopOut]


class PlanDetailOut(PlanOut):
    routes: list[RouteOut]


class PlanIn(Schema):
    """One hub (``hub_id``), or every hub of a network (``network_id``, administrators)."""

    date: date
    hub_id: int | None = None
    network_id: int | None = None


class JobOut(Schema):
    job_id: str


class StopUpdateIn(Schema):
    key: str = Field(..., max_length=40)
    action: str
    weights_kg: dict[str, Decimal | str | None] = {}
    temperatures_c: dict[str, Decimal | str | None] = {}
    reason: str = Field("", max_length=300)


class StopUpdateOut(Schema):
    stop_id: int
    status: str
    status_label: str
    applied_now: bool


@router.get("/plans", response=list[PlanOut])
def plans(request: HttpRequest, date: date | None = None, hub_id: int | None = None):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    if not may_plan(scope):
        raise PermissionDenied
    return list(plan_list(scope=scope, day=date, hub_id=hub_id)[:200])


@router.get("/plans/{plan_id}", response=PlanDetailOut)
def plan_detail(request: HttpRequest, plan_id: int):  # type: ignore[no-untyped-def]
    plan = plan_get(scope=scope_for(request.user), pk=plan_id)
    if plan is None:
        raise Http404
    plan.routes_out = [  # type: ignore[attr-defined]
        {
            "number": r.number,
            "vehicle_id": r.vehicle_id,
            "driver_id": r.driver_id,
            "distance_m": r.distance_m,
            "stops": list(r.stops.all()),
        }
        for r in plan.routes.all()
    ]
    return PlanDetailOut.model_validate(
        {**PlanOut.model_validate(plan).model_dump(), "routes": plan.routes_out}  # type: ignore[attr-defined]
    )


@router.post("/plans", response={201: JobOut})
def plan_start(request: HttpRequest, payload: PlanIn):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    if payload.hub_id is not None:
        hub = planning_hubs(scope=scope).filter(pk=payload.hub_id).first()
        if hub is None:
            raise Http404
        job = plan_submit(user=request.user, day=payload.date, network=hub.network, hub=hub)
    elif payload.network_id is not None:
        network = planning_networks(scope=scope).filter(pk=payload.network_id).first()
        if network is None:
            raise Http404
        job = plan_submit(user=request.user, day=payload.date, network=network)
    else:
        raise HttpError(400, _("Give a hub_id, or a network_id to plan every hub at once."))
    return Status(201, {"job_id": str(job.pk)})


@router.post("/plans/{plan_id}/replan", response={201: JobOut})
def plan_replan(request: HttpRequest, plan_id: int):  # type: ignore[no-untyped-def]
    """Re-plan the plan's day from now: done stops stay, new work is added (a job)."""
    scope = scope_for(request.user)
    plan = plan_list(scope=scope).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    if not plan_may_replan(plan=plan):
        raise HttpError(400, _("Only the latest plan of today or a day to come can be re-planned."))
    job = replan_submit(user=request.user, plan=plan)
    return Status(201, {"job_id": str(job.pk)})


@router.post("/stops/{stop_id}/updates", response=StopUpdateOut)
def stop_update(request: HttpRequest, stop_id: int, payload: StopUpdateIn):  # type: ignore[no-untyped-def]
    """Idempotent: the same key sent again answers 200 and changes nothing."""
    stop = stop_for_update(scope=scope_for(request.user), user=request.user, pk=stop_id)
    if stop is None:
        raise Http404
    try:
        weights = {k: Decimal(str(v)) for k, v in payload.weights_kg.items() if v not in (None, "")}
        temps = {
            k: Decimal(str(v)) for k, v in payload.temperatures_c.items() if v not in (None, "")
        }
        result = stop_update_apply(
            stop=stop,
            key=payload.key,
            action=payload.action,
            actor=request.user,
            weights_kg=weights,
            temperatures_c=temps,
            reason=payload.reason,
        )
    except StopUpdateError as exc:
        raise HttpError(400, exc.message) from exc
    except ArithmeticError as exc:
        raise HttpError(400, _("Weights and temperatures must be numbers.")) from exc
    stop.refresh_from_db()
    return {
        "stop_id": stop.pk,
        "status": stop.status,
        "status_label": str(StopStatus(stop.status).label),
        "applied_now": result.created,
    }
