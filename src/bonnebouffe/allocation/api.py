"""Fair allocation API: runs, lines, needs; same scope as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from bonnebouffe.accounts.selectors import scope_for

from .errors import AllocationFailed
from .selectors import (
    agency_list,
    can_run,
    need_get,
    need_rows,
    period_current,
    run_get,
    run_lines,
    run_list,
)
from .services import line_confirm, line_refuse, need_save, run_publish, run_start

router = Router(tags=["allocation"])


class RunOut(Schema):
    id: int
    period: str
    hub_id: int | None
    delta: float
    status: str
    job_id: str


class LineOut(Schema):
    id: int
    agency_id: int
    lot_code: str
    product: str
    category: str
    storage_class: str
    quantity_g: int
    status: str


class RunDetailOut(RunOut):
    metrics: dict[str, Any]
    explanations: list[dict[str, Any]]
    curve: list[dict[str, Any]]
    lines: list[LineOut]


class RunIn(Schema):
    period: str = Field(..., pattern=r"^\d{4}-W\d{2}$")
    hub_id: int | None = None
    delta: float | None = Field(None, ge=0, le=5)


class RunStartedOut(Schema):
    run_id: int
    job_id: str


class RefuseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


class NeedIn(Schema):
    period: str = Field(..., pattern=r"^\d{4}-W\d{2}$")
    people_served: int = Field(..., ge=1)
    capacity_kg: dict[str, int | None] = {}
    ineligible_categories: list[str] = []
    delivery_weekdays: list[int] = []
    earliest_delivery: date | None = None


class NeedOut(Schema):
    agency_id: int
    agency: str
    period: str
    people_served: int | None
    ineligible_categories: list[str]


def _runner_scope(request: HttpRequest):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    if not can_run(scope):
        raise PermissionDenied
    return scope


def _run_out(run) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "id": run.pk,
        "period": run.period,
        "hub_id": run.hub_id,
        "delta": run.delta,
        "status": run.status,
        "job_id": run.job_id,
    }


def _bad(exc: AllocationFailed) -> HttpError:
    return HttpError(400, "; ".join([exc.message, *exc.details]))


@router.get("/runs", response=list[RunOut])
def runs(request: HttpRequest) -> list[dict[str, Any]]:
    scope = _runner_scope(request)
    return [_run_out(r) for r in run_list(scope=scope)[:100]]


@router.get("/runs/{run_id}", response=RunDetailOut)
def run_detail(request: HttpRequest, run_id: int) -> dict[str, Any]:
    scope = _runner_scope(request)
    run = run_get(scope=scope, pk=run_id)
    if run is None:
        raise Http404
    return {
        **_run_out(run),
        "metrics": run.metrics,
        "explanations": run.explanations,
        "curve": run.curve,
        "lines": [
            {
                "id": line.pk,
                "agency_id": line.agency_id,
                "lot_code": line.lot.code,
                "product": line.lot.product_name,
                "category": line.lot.category,
                "storage_class": line.lot.storage_class,
                "quantity_g": line.quantity_g,
                "status": line.status,
            }
            for line in run_lines(run=run)
        ],
    }


@router.post("/runs", response={201: RunStartedOut})
def run_create(request: HttpRequest, payload: RunIn) -> Status:
    scope = _runner_scope(request)
    try:
        run = run_start(
            scope=scope,
            user=request.user,
            period=payload.period,
            hub_id=payload.hub_id,
            delta=payload.delta,
        )
    except AllocationFailed as exc:
        raise _bad(exc) from None
    return Status(201, {"run_id": run.pk, "job_id": run.job_id})


@router.post("/runs/{run_id}/publish", response=RunOut)
def publish(request: HttpRequest, run_id: int) -> dict[str, Any]:
    scope = _runner_scope(request)
    if run_get(scope=scope, pk=run_id) is None:
        raise Http404
    try:
        return _run_out(run_publish(scope=scope, run_id=run_id, actor=request.user))
    except AllocationFailed as exc:
        raise _bad(exc) from None


def _answer(action: Any, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    scope = scope_for(request.user)
    try:
        line = action(scope=scope, actor=request.user, **kwargs)
    except PermissionDenied:
        raise Http404 from None
    except AllocationFailed as exc:
        raise _bad(exc) from None
    return {"id": line.pk, "status": line.status}


class LineStatusOut(Schema):
    id: int
    status: str


@router.post("/lines/{line_id}/confirm", response=LineStatusOut)
def confirm(request: HttpRequest, line_id: int) -> dict[str, Any]:
    return _answer(line_confirm, request, line_id=line_id)


@router.post("/lines/{line_id}/refuse", response=LineStatusOut)
def refuse(request: HttpRequest, line_id: int, payload: RefuseIn) -> dict[str, Any]:
    return _answer(line_refuse, request, line_id=line_id, reason=payload.reason)


@router.get("/needs", response=list[NeedOut])
def needs(request: HttpRequest, period: str | None = None) -> list[dict[str, Any]]:
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    p = period or period_current()
    return [
        {
            "agency_id": a.pk,
            "agency": a.name,
            "period": p,
            "people_served": n.people_served if n else None,
            "ineligible_categories": n.ineligible_categories if n else [],
        }
        for a, n in need_rows(scope=scope, period=p)
    ]


@router.put("/needs/{agency_id}", response=NeedOut)
def need_put(request: HttpRequest, agency_id: int, payload: NeedIn) -> dict[str, Any]:
    scope = scope_for(request.user)
    agency = agency_list(scope=scope).filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    try:
        need_save(
            scope=scope,
            agency_id=agency.pk,
            period=payload.period,
            people_served=payload.people_served,
            capacity_kg=payload.capacity_kg,
            ineligible_categories=payload.ineligible_categories,
            delivery_weekdays=payload.delivery_weekdays,
            earliest_delivery=payload.earliest_delivery,
            actor=request.user,
        )
    except AllocationFailed as exc:
        raise _bad(exc) from None
    need = need_get(agency_id=agency.pk, period=payload.period)
    assert need is not None
    return {
        "agency_id": agency.pk,
        "agency": agency.name,
        "period": need.period,
        "people_served": need.people_served,
        "ineligible_categories": need.ineligible_categories,
    }
