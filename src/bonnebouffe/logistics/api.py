from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from bonnebouffe.accounts.selectors import scope_for

from .models import DeliveryRequest, Driver, DriverKind, Shift, StopStatus, Vehicle
from .selectors import (
    delivery_request_list,
    delivery_sites,
    driver_list,
    driver_routes,
    may_plan,
    plan_get,
    plan_list,
    plan_may_replan,
    planning_hubs,
    planning_networks,
    shift_list,
    stop_for_update,
    vehicle_list,
)
from .services import (
    StopUpdateError,
    delivery_request_create,
    driver_save,
    shift_save,
    stop_update_apply,
    vehicle_save,
)
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


class VehicleIO(Schema):
    hub_id: int
    name: str = Field(..., max_length=100)
    capacity_kg: int = Field(..., ge=0)
    volume_l: int | None = Field(None, ge=0)
    refrigerated_kg: int = Field(0, ge=0)
    frozen_kg: int = Field(0, ge=0)
    cost_per_km: Decimal = Field(..., ge=0)
    cost_per_hour: Decimal = Field(..., ge=0)
    max_length_m: Decimal | None = Field(None, ge=0)
    licence_class: str = Field("5", max_length=10)
    weekdays: list[int] = [0, 1, 2, 3, 4, 5, 6]
    active: bool = True


class VehicleOut(VehicleIO):
    id: int


class DriverIO(Schema):
    hub_id: int
    display_name: str = Field(..., max_length=100)
    user_id: int | None = None
    kind: DriverKind
    licence_class: str = Field("5", max_length=10)
    weekdays: list[int] = [0, 1, 2, 3, 4, 5, 6]
    active: bool = True


class DriverOut(DriverIO):
    id: int


class ShiftIO(Schema):
    vehicle_id: int
    driver_id: int | None = None
    date: date
    start: time
    end: time


class ShiftOut(ShiftIO):
    id: int


def _weekdays_ok(days: list[int]) -> None:
    if any(d not in range(7) for d in days):
        raise HttpError(400, _("Weekdays are numbers from 0 (Monday) to 6 (Sunday)."))


def _fleet_save(save: Any, scope: Any, **obj: Any) -> Any:
    try:
        return save(scope=scope, **obj)
    except PermissionDenied as exc:
        raise Http404 from exc


@router.get("/vehicles", response=list[VehicleOut])
def vehicles(request: HttpRequest):  # type: ignore[no-untyped-def]
    return list(vehicle_list(scope=_planner_scope(request)))


@router.post("/vehicles", response={201: VehicleOut})
def vehicle_create(request: HttpRequest, payload: VehicleIO):  # type: ignore[no-untyped-def]
    _weekdays_ok(payload.weekdays)
    scope = _planner_scope(request)
    vehicle = _fleet_save(vehicle_save, scope, vehicle=Vehicle(**payload.dict()))
    return Status(201, vehicle)


@router.put("/vehicles/{vehicle_id}", response=VehicleOut)
def vehicle_update(request: HttpRequest, vehicle_id: int, payload: VehicleIO):  # type: ignore[no-untyped-def]
    _weekdays_ok(payload.weekdays)
    scope = _planner_scope(request)
    vehicle = vehicle_list(scope=scope).filter(pk=vehicle_id).first()
    if vehicle is None:
        raise Http404
    for k, v in payload.dict().items():
        setattr(vehicle, k, v)
    return _fleet_save(vehicle_save, scope, vehicle=vehicle)


@router.get("/drivers", response=list[DriverOut])
def drivers(request: HttpRequest):  # type: ignore[no-untyped-def]
    return list(driver_list(scope=_planner_scope(request)))


@router.post("/drivers", response={201: DriverOut})
def driver_create(request: HttpRequest, payload: DriverIO):  # type: ignore[no-untyped-def]
    _weekdays_ok(payload.weekdays)
    scope = _planner_scope(request)
    driver = _fleet_save(driver_save, scope, driver=Driver(**payload.dict()))
    return Status(201, driver)


@router.put("/drivers/{driver_id}", response=DriverOut)
def driver_update(request: HttpRequest, driver_id: int, payload: DriverIO):  # type: ignore[no-untyped-def]
    _weekdays_ok(payload.weekdays)
    scope = _planner_scope(request)
    driver = driver_list(scope=scope).filter(pk=driver_id).first()
    if driver is None:
        raise Http404
    for k, v in payload.dict().items():
        setattr(driver, k, v)
    return _fleet_save(driver_save, scope, driver=driver)


@router.get("/shifts", response=list[ShiftOut])
def shifts(request: HttpRequest, date: date | None = None):  # type: ignore[no-untyped-def]
    return list(shift_list(scope=_planner_scope(request), day=date)[:500])


@router.post("/shifts", response={201: ShiftOut})
def shift_create(request: HttpRequest, payload: ShiftIO):  # type: ignore[no-untyped-def]
    scope = _planner_scope(request)
    vehicle = vehicle_list(scope=scope).filter(pk=payload.vehicle_id).first()
    if vehicle is None:
        raise Http404
    driver = None
    if payload.driver_id is not None:
        driver = driver_list(scope=scope).filter(pk=payload.driver_id).first()
        if driver is None:
            raise Http404
    shift = Shift(
        vehicle=vehicle, driver=driver, date=payload.date, start=payload.start, end=payload.end
    )
    return Status(201, _fleet_save(shift_save, scope, shift=shift))


class DeliveryRequestIO(Schema):
    hub_id: int
    site_id: int
    date: date
    ambient_kg: Decimal = Field(Decimal(0), ge=0)
    refrigerated_kg: Decimal = Field(Decimal(0), ge=0)
    frozen_kg: Decimal = Field(Decimal(0), ge=0)
    window_start: time | None = None
    window_end: time | None = None
    notes: str = Field("", max_length=200)


class DeliveryRequestOut(DeliveryRequestIO):
    id: int


@router.get("/delivery-requests", response=list[DeliveryRequestOut])
def delivery_requests(request: HttpRequest, date: date | None = None):  # type: ignore[no-untyped-def]
    return list(delivery_request_list(scope=_planner_scope(request), day=date)[:500])


@router.post("/delivery-requests", response={201: DeliveryRequestOut})
def delivery_request_add(request: HttpRequest, payload: DeliveryRequestIO):  # type: ignore[no-untyped-def]
    """Food to bring from a hub to an agency, a grocery or a mobile unit's base."""
    scope = _planner_scope(request)
    if not delivery_sites(scope=scope).filter(pk=payload.site_id).exists():
        raise Http404
    row = _fleet_save(delivery_request_create, scope, request=DeliveryRequest(**payload.dict()))
    return Status(201, row)


class MyStopOut(StopOut):
    ref_id: str
    site_name: str
    address: str
    latitude: float
    longitude: float
    planned_arrival: datetime
    window_start: time | None
    window_end: time | None
    contact_role: str


class MyRouteOut(Schema):
    plan_id: int
    date: date
    number: int
    vehicle: str
    stops: list[MyStopOut]


@router.get("/my/routes", response=list[MyRouteOut])
def my_routes(request: HttpRequest, date: date | None = None):  # type: ignore[no-untyped-def]
    """The signed-in driver's routes of a day (today by default), stops in order."""
    day = date or timezone.localdate()
    return [
        {
            "plan_id": r.plan_id,
            "date": r.plan.date,
            "number": r.number,
            "vehicle": r.vehicle.name,
            "stops": [
                {
                    "id": s.pk,
                    "sequence": s.sequence,
                    "kind": s.kind,
                    "site_id": s.site_id,
                    "status": s.status,
                    "items": s.items,
                    "ref_id": s.ref_id,
                    "site_name": s.site.organisation.name,
                    "address": s.site.address,
                    "latitude": float(s.site.latitude),
                    "longitude": float(s.site.longitude),
                    "planned_arrival": s.planned_arrival,
                    "window_start": s.window_start,
                    "window_end": s.window_end,
                    "contact_role": s.site.contact_role,
                }
                for s in r.stops.all()
            ],
        }
        for r in driver_routes(user=request.user, day=day)
    ]


def _planner_scope(request: HttpRequest) -> Any:
    scope = scope_for(request.user)
    if not may_plan(scope):
        raise PermissionDenied
    return scope


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
