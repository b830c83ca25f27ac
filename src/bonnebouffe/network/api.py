from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.territory.models import Municipality

from .models import OrganisationKind, TruckAccess
from .selectors import network_list, organisation_get, organisation_list, site_get, site_list
from .services import organisation_create, site_save

router = Router(tags=["network"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    network_id: int
    municipality_id: int
    mrc_id: int
    hub_id: int | None
    website: str
    public_email: str


class OrganisationIn(Schema):
    name: str = Field(..., min_length=2, max_length=200)
    kind: OrganisationKind
    municipality_id: int
    hub_id: int | None = None
    description: str = ""
    website: str = ""
    public_email: str = ""


class OpeningHoursIO(Schema):
    weekday: int = Field(..., ge=0, le=6)
    opens: time
    closes: time


class SiteOut(Schema):
    id: int
    organisation_id: int
    name: str
    address: str
    municipality_id: int
    latitude: Decimal
    longitude: Decimal
    storage_ambient_kg: int
    storage_refrigerated_kg: int
    storage_frozen_kg: int
    truck_access: str
    max_vehicle_length_m: Decimal | None
    access_notes: str
    accessibility_notes: str
    contact_role: str
    opening_hours: list[OpeningHoursIO]


class SiteIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    address: str = Field(..., min_length=1, max_length=300)
    postal_code: str = ""
    municipality_id: int
    latitude: Decimal = Field(..., ge=-90, le=90)
    longitude: Decimal = Field(..., ge=-180, le=180)
    storage_ambient_kg: int = Field(0, ge=0)
    storage_refrigerated_kg: int = Field(0, ge=0)
    storage_frozen_kg: int = Field(0, ge=0)
    truck_access: TruckAccess = TruckAccess.ANY
    max_vehicle_length_m: Decimal | None = None
    access_notes: str = ""
    accessibility_notes: str = ""
    contact_role: str = ""
    is_primary: bool = False
    opening_hours: list[OpeningHoursIO] = []


def _records(request: HttpRequest):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    return scope


@router.get("/organisations", response=list[OrganisationOut])
def organisations(request: HttpRequest, q: str = "", kind: str = "", mrc_id: int | None = None):  # type: ignore[no-untyped-def]
    return organisation_list(scope=_records(request), search=q, kind=kind, mrc_id=mrc_id)


@router.get("/organisations/{org_id}", response=OrganisationOut)
def organisation(request: HttpRequest, org_id: int):  # type: ignore[no-untyped-def]
    org = organisation_get(scope=_records(request), pk=org_id)
    if org is None:
        from django.http import Http404

        raise Http404
    return org


@router.post("/organisations", response={201: OrganisationOut})
def organisation_add(request: HttpRequest, payload: OrganisationIn):  # type: ignore[no-untyped-def]
    scope = _records(request)
    network = network_list(scope=scope).first()
    if network is None:
        raise PermissionDenied
    municipality = get_object_or_404(Municipality, pk=payload.municipality_id)
    hub = organisation_get(scope=scope, pk=payload.hub_id) if payload.hub_id else None
    org = organisation_create(
        scope=scope,
        network=network,
        name=payload.name,
        kind=payload.kind,
        municipality=municipality,
        hub=hub,
        description=payload.description,
        website=payload.website,
        public_email=payload.public_email,
    )
    return Status(201, org)


@router.get("/sites", response=list[SiteOut])
def sites(request: HttpRequest, organisation_id: int | None = None):  # type: ignore[no-untyped-def]
    return site_list(scope=_records(request), organisation_id=organisation_id)


@router.get("/sites/{site_id}", response=SiteOut)
def site(request: HttpRequest, site_id: int):  # type: ignore[no-untyped-def]
    found = site_get(scope=_records(request), pk=site_id)
    if found is None:
        from django.http import Http404

        raise Http404
    return found


@router.post("/organisations/{org_id}/sites", response={201: SiteOut})
def site_add(request: HttpRequest, org_id: int, payload: SiteIn):  # type: ignore[no-untyped-def]
    scope = _records(request)
    org = organisation_get(scope=scope, pk=org_id)
    if org is None:
        from django.http import Http404

        raise Http404
    data = payload.dict(exclude={"opening_hours", "municipality_id"})
    created = site_save(
        scope=scope,
        organisation=org,
        municipality=get_object_or_404(Municipality, pk=payload.municipality_id),
        opening_hours=[(h.weekday, h.opens, h.closes) for h in payload.opening_hours],
        **data,
    )
    return Status(201, created)
