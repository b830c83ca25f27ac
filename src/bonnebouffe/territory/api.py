from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema

from bonnebouffe.accounts.selectors import scope_for

from .selectors import mrc_list, municipality_list, region_list

router = Router(tags=["territory"])


class RegionOut(Schema):
    id: int
    code: str
    name: str


class MRCOut(Schema):
    id: int
    name: str
    slug: str
    region_id: int
    municipality_count: int
    population_total: int | None


class MunicipalityOut(Schema):
    id: int
    csd_code: str
    name: str
    mrc_id: int
    population: int | None
    latitude: Decimal
    longitude: Decimal
    material_quintile: int | None
    social_quintile: int | None


def _check(request: HttpRequest) -> None:
    if not scope_for(request.user).sees_aggregates:
        raise PermissionDenied


@router.get("/regions", response=list[RegionOut])
def regions(request: HttpRequest):  # type: ignore[no-untyped-def]
    _check(request)
    return region_list()


@router.get("/mrcs", response=list[MRCOut])
def mrcs(request: HttpRequest):  # type: ignore[no-untyped-def]
    _check(request)
    return mrc_list()


@router.get("/municipalities", response=list[MunicipalityOut])
def municipalities(request: HttpRequest, mrc_id: int | None = None):  # type: ignore[no-untyped-def]
    _check(request)
    return municipality_list(mrc_id=mrc_id)
