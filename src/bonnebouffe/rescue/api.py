"""REST API of food rescue: offers (declare, list, accept, close) and receptions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.inventory.models import Allergen, DateKind, FoodCategory, StorageClass
from bonnebouffe.network.models import Organisation, Site

from .models import Handover, Offer, OfferKind, Reception
from .selectors import (
    acceptance_get,
    offer_donor_options,
    offer_get,
    offer_list,
    offer_remaining_g,
    offer_takers,
    reception_sites,
    walk_in_donor_options,
)
from .services import (
    OfferError,
    OfferErrorCode,
    OfferItemSpec,
    ReceptionLine,
    kg_to_g,
    offer_accept,
    offer_close,
    offer_create,
    reception_record,
)

router = Router(tags=["rescue"])


class ErrorOut(Schema):
    detail: str
    code: str = ""


class OfferItemIn(Schema):
    product_name: str = Field(..., min_length=1, max_length=200)
    category: FoodCategory
    storage_class: StorageClass
    date_kind: DateKind
    date_value: date | None = None
    allergens: list[Allergen] = []
    quantity_kg: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=3)
    units: int | None = Field(None, gt=0)
    unit_weight_g: int | None = Field(None, gt=0)


class OfferIn(Schema):
    donor_id: int
    kind: OfferKind = OfferKind.SURPLUS
    handover: Handover = Handover.PICKUP
    pickup_site_id: int | None = None
    dropoff_hub_id: int | None = None
    window_start: datetime
    window_end: datetime
    estimated_kg: Decimal | None = Field(None, gt=0, max_digits=9, decimal_places=1)
    notes: str = Field("", max_length=300)
    items: list[OfferItemIn] = Field(default_factory=list, max_length=50)


class OfferItemOut(Schema):
    id: int
    product_name: str
    category: str
    storage_class: str
    date_kind: str
    date_value: date | None
    allergens: list[str]
    quantity_g: int
    accepted_g: int
    remaining_g: int
    units: int | None
    unit_weight_g: int | None


class OfferOut(Schema):
    id: int
    donor_id: int
    donor: str
    kind: str
    handover: str
    pickup_site_id: int | None
    dropoff_hub_id: int | None
    home_hub_id: int
    window_start: datetime
    window_end: datetime
    estimated_kg: Decimal | None
    status: str
    stage: str
    stage_until: datetime | None
    closed_reason: str
    closed_reason_display: str
    remaining_g: int
    items: list[OfferItemOut]


class AcceptLineIn(Schema):
    item_id: int
    quantity_kg: Decimal = Field(..., ge=0, max_digits=12, decimal_places=3)


class AcceptIn(Schema):
    taker_id: int | None = Field(
        None, description="The organisation accepting; may be left out when you have only one."
    )
    items: list[AcceptLineIn] | None = Field(
        None, description="Quantities per item; leave out to accept everything left."
    )


class AcceptanceLineOut(Schema):
    item_id: int
    quantity_g: int


class AcceptanceOut(Schema):
    id: int
    offer_id: int
    taker_id: int
    offer_status: str
    lines: list[AcceptanceLineOut]


class CloseIn(Schema):
    reason: str = Field(..., min_length=3, max_length=200)


class ReceptionItemIn(Schema):
    offer_item_id: int | None = None
    product_name: str = Field(..., min_length=1, max_length=200)
    category: FoodCategory
    storage_class: StorageClass
    date_kind: DateKind
    date_value: date | None = None
    allergens: list[Allergen] = []
    weight_kg: Decimal = Field(..., gt=0, max_digits=12, decimal_places=3)
    temperature_c: Decimal | None = Field(None, max_digits=5, decimal_places=1)
    packaging_intact: bool = True
    label_present: bool = True
    accepted: bool = True
    refusal_reason: str = Field("", max_length=200)
    destination: str = Field("", description="animal_feed, compost or disposal (refused items)")
    location_id: int | None = None


class ReceptionIn(Schema):
    site_id: int
    acceptance_id: int | None = None
    donor_id: int | None = Field(None, description="For a donation with no offer.")
    items: list[ReceptionItemIn] = Field(..., min_length=1, max_length=100)


class ReceptionItemOut(Schema):
    id: int
    product_name: str
    weight_g: int
    accepted: bool
    lot_code: str


class ReceptionOut(Schema):
    id: int
    site_id: int
    donor_id: int
    acceptance_id: int | None
    items: list[ReceptionItemOut]


def _offer_out(offer: Offer) -> OfferOut:
    return OfferOut(
        id=offer.pk,
        donor_id=offer.donor_id,
        donor=offer.donor.name,
        kind=offer.kind,
        handover=offer.handover,
        pickup_site_id=offer.pickup_site_id,
        dropoff_hub_id=offer.dropoff_hub_id,
        home_hub_id=offer.home_hub_id,
        window_start=offer.window_start,
        window_end=offer.window_end,
        estimated_kg=offer.estimated_kg,
        status=offer.status,
        stage=offer.stage,
        stage_until=offer.stage_until,
        closed_reason=offer.closed_reason,
        closed_reason_display=_(offer.closed_reason) if offer.closed_reason else "",
        remaining_g=offer_remaining_g(offer),
        items=[
            OfferItemOut(
                id=i.pk,
                product_name=i.product_name,
                category=i.category,
                storage_class=i.storage_class,
                date_kind=i.date_kind,
                date_value=i.date_value,
                allergens=list(i.allergens),
                quantity_g=i.quantity_g,
                accepted_g=i.accepted_g,
                remaining_g=i.remaining_g,
                units=i.units,
                unit_weight_g=i.unit_weight_g,
            )
            for i in offer.items.all()
        ],
    )


def _conflict(exc: OfferError) -> Status:
    return Status(409, ErrorOut(detail=exc.message, code=str(exc.code)))


@router.get("/offers", response=list[OfferOut])
def offers(request: HttpRequest, status: str = "", stage: str = ""):  # type: ignore[no-untyped-def]
    """Offers you may see (same rules as the pages), newest first."""
    scope = scope_for(request.user)
    return [_offer_out(o) for o in offer_list(scope=scope, status=status, stage=stage)[:500]]


@router.get("/offers/{offer_id}", response=OfferOut)
def offer(request: HttpRequest, offer_id: int):  # type: ignore[no-untyped-def]
    found = offer_get(scope=scope_for(request.user), pk=offer_id)
    if found is None:
        raise Http404
    return _offer_out(found)


@router.post("/offers", response={201: OfferOut})
def offer_declare(request: HttpRequest, payload: OfferIn):  # type: ignore[no-untyped-def]
    """Declare an offer with its items (quantity_kg, or units and unit_weight_g)."""
    scope = scope_for(request.user)
    donor = offer_donor_options(scope=scope).filter(pk=payload.donor_id).first()
    if donor is None:
        raise PermissionDenied(_("You may not declare an offer for this organisation."))
    site = None
    if payload.pickup_site_id is not None:
        site = get_object_or_404(Site, pk=payload.pickup_site_id, organisation=donor)
    hub = None
    if payload.dropoff_hub_id is not None:
        hub = get_object_or_404(Organisation, pk=payload.dropoff_hub_id)
    created = offer_create(
        scope=scope,
        donor=donor,
        kind=payload.kind,
        handover=payload.handover,
        pickup_site=site,
        dropoff_hub=hub,
        window_start=payload.window_start,
        window_end=payload.window_end,
        estimated_kg=payload.estimated_kg,
        notes=payload.notes,
        items=[
            OfferItemSpec(
                product_name=i.product_name,
                category=i.category,
                storage_class=i.storage_class,
                date_kind=i.date_kind,
                date_value=i.date_value,
                allergens=tuple(str(a) for a in i.allergens),
                quantity_kg=i.quantity_kg,
                units=i.units,
                unit_weight_g=i.unit_weight_g,
            )
            for i in payload.items
        ],
        actor=request.user,
    )
    fresh = offer_get(scope=scope, pk=created.pk)
    return Status(201, _offer_out(fresh or created))


@router.post("/offers/{offer_id}/accept", response={201: AcceptanceOut, 409: ErrorOut})
def offer_accept_api(request: HttpRequest, offer_id: int, payload: AcceptIn):  # type: ignore[no-untyped-def]
    """Accept everything left (no items) or part of an offer (kg per item)."""
    scope = scope_for(request.user)
    found = offer_get(scope=scope, pk=offer_id)
    if found is None:
        raise Http404
    takers = offer_takers(scope=scope, offer=found)
    if payload.taker_id is not None:
        taker = next((t for t in takers if t.pk == payload.taker_id), None)
    else:
        taker = takers[0] if len(takers) == 1 else None
    if taker is None:
        return _conflict(OfferError(OfferErrorCode.NOT_YOUR_STAGE))
    quantities: dict[int, int] | None = None
    if payload.items is not None:
        wanted: dict[int, int] = {}
        for line in payload.items:
            wanted[line.item_id] = wanted.get(line.item_id, 0) + kg_to_g(line.quantity_kg)
        quantities = wanted
    try:
        acceptance = offer_accept(
            scope=scope, offer=found, taker=taker, quantities_g=quantities, actor=request.user
        )
    except OfferError as exc:
        return _conflict(exc)
    return Status(
        201,
        AcceptanceOut(
            id=acceptance.pk,
            offer_id=acceptance.offer_id,
            taker_id=acceptance.taker_id,
            offer_status=acceptance.offer.status,
            lines=[
                AcceptanceLineOut(item_id=line.item_id, quantity_g=line.quantity_g)
                for line in acceptance.lines.all()
            ],
        ),
    )


@router.post("/offers/{offer_id}/close", response={200: OfferOut, 409: ErrorOut})
def offer_close_api(request: HttpRequest, offer_id: int, payload: CloseIn):  # type: ignore[no-untyped-def]
    scope = scope_for(request.user)
    found = offer_get(scope=scope, pk=offer_id)
    if found is None:
        raise Http404
    try:
        offer_close(scope=scope, offer=found, reason=payload.reason, actor=request.user)
    except OfferError as exc:
        return _conflict(exc)
    return _offer_out(offer_get(scope=scope, pk=offer_id) or found)


@router.post("/receptions", response={201: ReceptionOut, 409: ErrorOut})
def reception_create(request: HttpRequest, payload: ReceptionIn):  # type: ignore[no-untyped-def]
    """Record a reception: for an acceptance, or a donation with no offer (donor_id)."""
    scope = scope_for(request.user)
    site = reception_sites(scope=scope).filter(pk=payload.site_id).first()
    if site is None:
        raise PermissionDenied(_("You may not record a reception at this site."))
    acceptance = None
    donor = None
    if payload.acceptance_id is not None:
        acceptance = acceptance_get(scope=scope, pk=payload.acceptance_id)
        if acceptance is None:
            raise Http404
    elif payload.donor_id is not None:
        donor = (
            walk_in_donor_options(network_ids=[site.organisation.network_id])
            .filter(pk=payload.donor_id)
            .first()
        )
        if donor is None:
            raise Http404
    lines = [
        ReceptionLine(
            offer_item_id=i.offer_item_id,
            product_name=i.product_name,
            category=i.category,
            storage_class=i.storage_class,
            date_kind=i.date_kind,
            date_value=i.date_value,
            allergens=tuple(str(a) for a in i.allergens),
            weight_g=kg_to_g(i.weight_kg),
            temperature_c=i.temperature_c,
            packaging_intact=i.packaging_intact,
            label_present=i.label_present,
            accepted=i.accepted,
            refusal_reason=i.refusal_reason,
            destination=i.destination,
            location_id=i.location_id,
        )
        for i in payload.items
    ]
    try:
        reception = reception_record(
            scope=scope,
            site=site,
            lines=lines,
            acceptance=acceptance,
            donor=donor,
            actor=request.user,
        )
    except OfferError as exc:
        return _conflict(exc)
    except ValidationError as exc:
        # The payload calls the lines "items".
        raise ValidationError(
            {k.replace("lines[", "items[", 1): v for k, v in exc.message_dict.items()}
        ) from exc
    return Status(201, _reception_out(reception))


def _reception_out(reception: Reception) -> ReceptionOut:
    items: list[Any] = list(reception.items.select_related("lot").order_by("pk"))
    return ReceptionOut(
        id=reception.pk,
        site_id=reception.site_id,
        donor_id=reception.donor_id,
        acceptance_id=reception.acceptance_id,
        items=[
            ReceptionItemOut(
                id=i.pk,
                product_name=i.product_name,
                weight_g=i.weight_g,
                accepted=i.accepted,
                lot_code=i.lot.code,
            )
            for i in items
        ],
    )
