"""REST API of the cold chain: units, readings (sensors post here), excursions and reviews.

A sensor posts with the Bearer token of an account that may see its unit; the same scope as
the pages applies (a unit outside it answers 404).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.inventory.errors import LedgerError

from . import tasks  # noqa: F401  (registers the job runners the services submit)
from .models import ColdUnit, Excursion, ReadingSource, TemperatureReading
from .selectors import (
    UnitStatus,
    excursion_get,
    excursion_list,
    excursion_reviewable,
    reading_list,
    unit_get,
    unit_status_list,
)
from .services import excursion_review, reading_record

router = Router(tags=["coldchain"])
MAX_PERIOD_DAYS = 366


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    storage_class: str
    site_id: int
    site_name: str
    organisation_id: int
    organisation_name: str
    limit_c: Decimal | None
    last_reading_at: datetime | None
    last_temperature_c: Decimal | None
    checked_today: bool
    open_excursions: int


class ReadingIn(Schema):
    temperature_c: Decimal
    at: datetime | None = None
    source: ReadingSource = ReadingSource.SENSOR


class ReadingOut(Schema):
    id: int
    unit_id: int
    at: datetime
    temperature_c: Decimal
    source: str
    within_limit: bool
    excursion_id: int | None


class ExcursionOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    status: str
    at: datetime
    temperature_c: Decimal
    lot_codes: list[str]
    resolution: str
    reviewed_at: datetime | None


class ReviewIn(Schema):
    decision: Literal["release", "discard"]
    notes: str = Field(..., min_length=3, max_length=300)


def _records(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    return scope


def _unit(scope: Scope, unit_id: int) -> ColdUnit:
    unit = unit_get(scope=scope, pk=unit_id)
    if unit is None:
        raise Http404
    return unit


def _unit_out(row: UnitStatus) -> UnitOut:
    unit, last = row.unit, row.last_reading
    return UnitOut(
        id=unit.pk,
        name=unit.name,
        kind=unit.kind,
        storage_class=unit.storage_class,
        site_id=unit.site_id,
        site_name=unit.site.name,
        organisation_id=unit.site.organisation_id,
        organisation_name=unit.site.organisation.name,
        limit_c=row.limit_c,
        last_reading_at=last.at if last else None,
        last_temperature_c=last.temperature_c if last else None,
        checked_today=row.checked_today,
        open_excursions=row.open_excursions,
    )


def _reading_out(reading: TemperatureReading) -> ReadingOut:
    excursion = Excursion.objects.filter(reading_id=reading.pk).values_list("pk", flat=True)
    return ReadingOut(
        id=reading.pk,
        unit_id=reading.unit_id,
        at=reading.at,
        temperature_c=reading.temperature_c,
        source=reading.source,
        within_limit=reading.within_limit,
        excursion_id=next(iter(excursion), None),
    )


def _excursion_out(ex: Excursion) -> ExcursionOut:
    return ExcursionOut(
        id=ex.pk,
        unit_id=ex.unit_id,
        unit_name=ex.unit.name,
        status=ex.status,
        at=ex.reading.at,
        temperature_c=ex.reading.temperature_c,
        lot_codes=sorted(lot.code for lot in ex.lots.all()),
        resolution=ex.resolution,
        reviewed_at=ex.reviewed_at,
    )


@router.get("/units", response=list[UnitOut])
def units(request: HttpRequest) -> list[UnitOut]:
    """Units in service in your scope, with today's status."""
    return [_unit_out(row) for row in unit_status_list(scope=_records(request))]


@router.post("/units/{unit_id}/readings", response={201: ReadingOut})
def reading_add(request: HttpRequest, unit_id: int, payload: ReadingIn) -> Status:
    """Record a reading (a sensor sends `source: "sensor"`). Sending the same `at` and
    temperature again returns the first reading: a retry never duplicates."""
    unit = _unit(_records(request), unit_id)
    reading = reading_record(
        unit=unit,
        temperature_c=payload.temperature_c,
        source=payload.source,
        actor=request.user,
        at=payload.at,
    )
    return Status(201, _reading_out(reading))


@router.get("/units/{unit_id}/readings", response=list[ReadingOut])
def readings(
    request: HttpRequest,
    unit_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[ReadingOut]:
    """Readings of a unit over [start, end), newest first; by default the last 30 days."""
    unit = _unit(_records(request), unit_id)
    start = timezone.make_aware(start) if start and timezone.is_naive(start) else start
    end = timezone.make_aware(end) if end and timezone.is_naive(end) else end
    if start and (end or timezone.now()) - start > timedelta(days=MAX_PERIOD_DAYS):
        raise ValidationError({"start": _("Ask for one year of readings at most.")})
    return [
        ReadingOut(
            id=r.pk,
            unit_id=r.unit_id,
            at=r.at,
            temperature_c=r.temperature_c,
            source=r.source,
            within_limit=r.within_limit,
            excursion_id=getattr(getattr(r, "excursion", None), "pk", None),
        )
        for r in reading_list(unit=unit, start=start, end=end)
    ]


@router.get("/excursions", response=list[ExcursionOut])
def excursions(request: HttpRequest, status: str = "") -> list[ExcursionOut]:
    """Excursions in your scope, newest first; `status=open` for those under review."""
    return [
        _excursion_out(ex) for ex in excursion_list(scope=_records(request), status=status)[:500]
    ]


@router.post("/excursions/{excursion_id}/review", response=ExcursionOut)
def review(request: HttpRequest, excursion_id: int, payload: ReviewIn) -> ExcursionOut:
    """Release or discard the lots of an excursion (hub coordinators and administrators)."""
    scope = _records(request)
    excursion = excursion_get(scope=scope, pk=excursion_id)
    if excursion is None:
        raise Http404
    if not excursion_reviewable(scope=scope, excursion=excursion):
        raise PermissionDenied
    try:
        done = excursion_review(
            excursion=excursion, decision=payload.decision, notes=payload.notes, actor=request.user
        )
    except LedgerError as exc:
        raise ValidationError(exc.message) from exc
    found = excursion_get(scope=scope, pk=done.pk)
    assert found is not None
    return _excursion_out(found)
