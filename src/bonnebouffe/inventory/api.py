"""The stock REST API (/api/stock/): lots, movements, transformations, counts, on hand,
storage locations, FEFO pick lists and their issue, lot labels (PDF), the valorisation
reconciliation, traces, recalls and the recall notice (a background job, then its PDF).

Same permissions as the pages: lots through `lot_scope_q`, sites through
`network.selectors.site_list` (to read) and `report_queries.site_operate_q` (to take stock
out of, count or pick from); anything outside the scope answers 404. Quantities are integer
grams, dates ISO 8601. A refused ledger operation answers 409 with {code, message}, the
message in the request's language (Accept-Language).
"""

import re
import uuid
from datetime import date, datetime
from functools import partial
from typing import Any, Literal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from bonnebouffe.accounts.selectors import Scope, scope_for
from bonnebouffe.jobs.models import Job, JobStatus
from bonnebouffe.jobs.selectors import job_get
from bonnebouffe.jobs.tasks import job_submit
from bonnebouffe.network.models import Organisation, Site
from bonnebouffe.network.selectors import organisation_get, site_get

from . import labels as label_rendering
from .errors import LedgerError, LedgerErrorCode
from .models import (
    Allergen,
    DateKind,
    Destination,
    FoodCategory,
    Lot,
    Movement,
    StorageClass,
    StorageLocation,
)
from .report_jobs import RECALL_REPORT, recall_report_submit
from .report_queries import (
    TraceReport,
    hold_reason_rows,
    lot_balances,
    lot_search,
    may_recall,
    movement_by_idempotency_key,
    period_bounds,
    reconciliation_build,
    reconciliation_lots,
    report_hubs,
    report_mrcs,
    sites_operated,
    trace_report,
    trace_start_lots,
)
from .selectors import lot_get, onhand_by_category, pick_list_fefo
from .services import (
    LotSpec,
    PickFailed,
    TransformationInput,
    lot_recall_notify,
    movement_record,
    pick_list_issue,
    stock_count_record,
    storage_location_create,
    trace_people_open,
    transformation_record,
)
from .stock_queries import (
    lots_by_codes,
    recipient_list,
    site_manageable,
    stock_site_get,
    storage_location_get,
    storage_location_list,
)
from .tasks import LABELS_JOB

router = Router(tags=["stock"])


# --- Schemas -------------------------------------------------------------------------


class LedgerErrorOut(Schema):
    code: str
    message: str


class HoldReasonOut(Schema):
    code: str
    label: str


class BalanceOut(Schema):
    site_id: int
    site: str
    location_id: int | None
    location: str
    quantity_g: int


class LotOut(Schema):
    id: int
    code: str
    product_name: str
    category: str
    storage_class: str
    date_kind: str
    date_value: date | None
    allergens: list[str]
    unit_weight_g: int | None
    hub_id: int
    donor_id: int | None
    source_transformation_id: int | None
    refused: bool
    under_review: bool
    recalled: bool
    on_hand_g: int = 0


class LotDetailOut(LotOut):
    balances: list[BalanceOut]
    hold_reasons: list[HoldReasonOut]
    distributable: bool


class MovementIn(Schema):
    kind: Literal["transfer", "issue", "sale", "loss", "disposal"]
    quantity_g: int = Field(..., gt=0, description="Grams")
    from_site_id: int | None = None
    from_location_id: int | None = None
    to_site_id: int | None = None
    to_location_id: int | None = None
    recipient_id: int | None = None
    destination: Destination | None = Field(
        None, description="Disposals only: animal_feed, compost, disposal, food, transformed"
    )
    reason: str = Field("", max_length=200)
    idempotency_key: str | None = Field(None, min_length=1, max_length=64)


class MovementOut(Schema):
    id: int
    lot_code: str
    kind: str
    quantity_g: int
    from_site_id: int | None
    from_location_id: int | None
    to_site_id: int | None
    to_location_id: int | None
    destination: str
    recipient_id: int | None
    transformation_id: int | None
    reason: str
    at: datetime
    idempotency_key: str | None


class TransformationInputIn(Schema):
    lot_code: str = Field(..., min_length=1, max_length=20)
    site_id: int | None = Field(None, description="Where the input is taken; default: the kitchen")
    location_id: int | None = None
    quantity_g: int = Field(..., gt=0)


class TransformationOutputIn(Schema):
    product_name: str = Field(..., min_length=1, max_length=200)
    category: FoodCategory
    storage_class: StorageClass
    date_kind: DateKind
    date_value: date | None = None
    allergens: list[Allergen] = []
    unit_weight_g: int | None = Field(None, gt=0)
    quantity_g: int = Field(..., gt=0)


class TransformationIn(Schema):
    site_id: int
    description: str = Field(..., min_length=1, max_length=200)
    inputs: list[TransformationInputIn] = Field(..., min_length=1)
    outputs: list[TransformationOutputIn] = Field(..., min_length=1)
    output_location_id: int | None = None


class TransformationOut(Schema):
    id: int
    site_id: int
    description: str
    at: datetime
    inputs: list[MovementOut]
    outputs: list[LotOut]


class CountLineIn(Schema):
    lot_code: str = Field(..., min_length=1, max_length=20)
    location_id: int | None = None
    counted_g: int = Field(..., ge=0)


class CountIn(Schema):
    site_id: int
    location_id: int | None = Field(None, description="Count of one location only")
    lines: list[CountLineIn] = Field(..., min_length=1)


class CountLineOut(Schema):
    lot_code: str
    expected_g: int
    counted_g: int
    variance_g: int


class CountOut(Schema):
    id: int
    site_id: int
    location_id: int | None
    closed_at: datetime | None
    lines: list[CountLineOut]


class OnHandRowOut(Schema):
    category: str
    storage_class: str
    quantity_g: int


class OnHandOut(Schema):
    site_id: int
    total_g: int
    rows: list[OnHandRowOut]


class PickOut(Schema):
    lot_id: int
    code: str
    product_name: str
    location_id: int | None
    location: str
    date_value: date | None
    available_g: int
    take_g: int


class ReconciliationOut(Schema):
    lot_count: int
    start: datetime | None
    end: datetime | None
    opening_g: int | None
    received_g: int | None
    produced_g: int | None
    closing_g: int | None = Field(description="On hand at the end, from the stock table")
    closing_from_movements_g: int | None = Field(
        description="On hand at the end, from the movements (the two must agree)"
    )
    undestined_g: int | None = Field(
        description="Outflows without a valorisation destination (they are in the gap)"
    )
    by_destination_g: dict[str, int] | None
    gap_g: int | None
    closes: bool
    undestined_movement_count: int
    projection_agrees: bool
    projection_mismatch_count: int
    projection_mismatch_lots: list[str] = Field(
        description="Lot codes; empty for evaluators (totals only)"
    )


class OrganisationRefOut(Schema):
    id: int
    name: str


class RecipientOut(Schema):
    organisation_id: int | None
    name: str
    quantity_g: int


class TraceLotOut(Schema):
    code: str
    product_name: str
    unit_weight_g: int | None
    date_kind: str
    date_value: date | None
    hub_id: int
    source_transformation_id: int | None
    received_g: int
    distributed_g: int
    on_hand_g: int
    recalled: bool
    hold_reasons: list[str]
    donors: list[OrganisationRefOut]
    recipients: list[RecipientOut]


class TraceQuantityOut(Schema):
    lot_code: str
    quantity_g: int


class TraceTransformationOut(Schema):
    id: int
    at: datetime
    site_id: int
    description: str
    inputs: list[TraceQuantityOut]
    outputs: list[TraceQuantityOut]


class PersonOut(Schema):
    lot_code: str
    at: datetime
    quantity_g: int
    reference: str
    card_number: str
    name: str
    email: str
    phone: str
    receipt: str
    movement_id: int | None


class PeopleGroupOut(Schema):
    key: str
    title: str
    names_allowed: bool
    people: list[PersonOut]
    hidden_count: int = Field(description="Recipients not shown by name to this account")
    anonymous_count: int = Field(description="Hand-overs to nobody known (no member card)")


class TraceOut(Schema):
    direction: str
    lots: list[TraceLotOut]
    movements: list[MovementOut]
    transformations: list[TraceTransformationOut]
    recipients: list[RecipientOut]
    donors: list[OrganisationRefOut]
    distributed_g: int
    hidden_lot_count: int
    people: list[PeopleGroupOut] = Field(
        description="People downstream (the households that bought the lots at a grocery). "
        "Names only for grocery staff and network administrators, and each one shown is "
        "written to the audit log; other roles get counts only. Empty upstream."
    )


class LocationIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    storage_class: StorageClass
    cold_unit_id: int | None = Field(
        None, description="The fridge, freezer or truck of this site whose log it follows"
    )


class LocationOut(Schema):
    id: int
    site_id: int
    name: str
    storage_class: str
    cold_unit_id: int | None
    on_hand_g: int


class PickIn(Schema):
    lot_code: str = Field(..., min_length=1, max_length=20)
    location_id: int | None = None
    quantity_g: int = Field(..., gt=0)


class PickIssueIn(Schema):
    recipient_id: int
    picks: list[PickIn] = Field(
        ..., min_length=1, max_length=200, description="The lines of GET pick-list to issue"
    )
    idempotency_key: str = Field(
        ...,
        min_length=1,
        max_length=60,
        description="Sent again, the same key returns the first issue and changes nothing",
    )


class PickIssueOut(Schema):
    recipient_id: int
    quantity_g: int
    movements: list[MovementOut]


class PickFailedOut(LedgerErrorOut):
    lot_code: str


class TraceCriteriaIn(Schema):
    lot: str = Field("", max_length=20, description="Lot code")
    donor_id: int | None = None
    product: str = Field("", max_length=100, description="Part of a product name")


class RecallOut(Schema):
    recalled_count: int = Field(description="Lots newly recalled (blocked from distribution)")
    organisations_told: int
    lot_codes: list[str] = Field(description="Every lot of the trace, recalled now or before")


class ReportJobOut(Schema):
    job_id: uuid.UUID
    kind: str
    title: str
    status: str
    progress: int
    message: str
    error: str
    download_url: str | None = Field(description="The PDF, once the job has succeeded")


# --- Helpers -------------------------------------------------------------------------


def _staff(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not scope.sees_records:
        raise PermissionDenied
    return scope


def _stock_scope(request: HttpRequest) -> Scope:
    """Who may use the stock pages (labels, locations): the staff of the network."""
    scope = scope_for(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied
    return scope


def _stock_site(scope: Scope, site_id: int) -> Site:
    site = stock_site_get(scope=scope, pk=site_id)
    if site is None:
        raise Http404
    return site


def _location_out(location: StorageLocation) -> dict[str, Any]:
    return {
        "id": location.pk,
        "site_id": location.site_id,
        "name": location.name,
        "storage_class": location.storage_class,
        "cold_unit_id": location.cold_unit_id,
        "on_hand_g": int(getattr(location, "onhand_g", 0) or 0),
    }


def _pick_issue_earlier(key: str) -> dict[str, Any] | None:
    """The issue already recorded under this key (its movements are key-0, key-1...)."""
    first = movement_by_idempotency_key(f"{key}-0")
    if first is None:
        return None
    movements = list(
        Movement.objects.filter(idempotency_key__regex=rf"^{re.escape(key)}-[0-9]+$")
        .select_related("lot")
        .order_by("pk")
    )
    return {
        "recipient_id": first.recipient_id,
        "quantity_g": sum(m.quantity_g for m in movements),
        "movements": [_movement_out(m) for m in movements],
    }


def _conflict(exc: LedgerError) -> Status:
    return Status(409, {"code": str(exc.code), "message": exc.message})


def _lot(scope: Scope, code: str) -> Lot:
    lot = lot_get(scope=scope, code=code.strip())
    if lot is None:
        raise Http404
    return lot


def _site_visible(scope: Scope, site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    site = site_get(scope=scope, pk=site_id)
    if site is None:
        raise Http404
    return site


def _site_operated(scope: Scope, site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    site = sites_operated(scope).filter(pk=site_id).first()
    if site is None:
        raise Http404
    return site


def _location(location_id: int | None) -> StorageLocation | None:
    """The ledger refuses a location of another site (WRONG_SITE), so no scope is needed."""
    if location_id is None:
        return None
    location = StorageLocation.objects.filter(pk=location_id).first()
    if location is None:
        raise Http404
    return location


def _organisation(scope: Scope, org_id: int | None) -> Organisation | None:
    if org_id is None:
        return None
    org = organisation_get(scope=scope, pk=org_id)
    if org is None:
        raise Http404
    return org


def _movement_out(m: Movement) -> dict[str, Any]:
    return {
        "id": m.pk,
        "lot_code": m.lot.code,
        "kind": m.kind,
        "quantity_g": m.quantity_g,
        "from_site_id": m.from_site_id,
        "from_location_id": m.from_location_id,
        "to_site_id": m.to_site_id,
        "to_location_id": m.to_location_id,
        "destination": m.destination,
        "recipient_id": m.recipient_id,
        "transformation_id": m.transformation_id,
        "reason": m.reason,
        "at": m.at,
        "idempotency_key": m.idempotency_key,
    }


def _lot_detail(lot: Lot) -> dict[str, Any]:
    balances = list(lot_balances(lot=lot))
    reasons = hold_reason_rows(lot)
    return {
        **{f: getattr(lot, f) for f in LotOut.model_fields if f != "on_hand_g"},
        "on_hand_g": sum(b.quantity_g for b in balances),
        "balances": [
            {
                "site_id": b.site_id,
                "site": f"{b.site.organisation.name} — {b.site.name}",
                "location_id": b.location_id,
                "location": b.location.name if b.location else "",
                "quantity_g": b.quantity_g,
            }
            for b in balances
        ],
        "hold_reasons": [{"code": c, "label": label} for c, label in reasons],
        "distributable": not reasons and not lot.refused,
    }


def _recipients(rows: list[tuple[Organisation | None, int]]) -> list[dict[str, Any]]:
    return [
        {
            "organisation_id": org.pk if org else None,
            "name": org.name if org else "",
            "quantity_g": g,
        }
        for org, g in rows
    ]


def _trace_out(report: TraceReport) -> dict[str, Any]:
    return {
        "direction": report.direction,
        "lots": [
            {
                "code": lt.lot.code,
                "product_name": lt.lot.product_name,
                "unit_weight_g": lt.lot.unit_weight_g,
                "date_kind": lt.lot.date_kind,
                "date_value": lt.lot.date_value,
                "hub_id": lt.lot.hub_id,
                "source_transformation_id": lt.lot.source_transformation_id,
                "received_g": lt.received_g,
                "distributed_g": lt.distributed_g,
                "on_hand_g": lt.on_hand_g,
                "recalled": lt.lot.recalled,
                "hold_reasons": lt.hold_reasons,
                "donors": [{"id": d.pk, "name": d.name} for d in lt.donors],
                "recipients": _recipients(lt.recipients),
            }
            for lt in report.lots
        ],
        "movements": [_movement_out(m) for m in report.movements],
        "transformations": [
            {
                "id": t.transformation.pk,
                "at": t.transformation.at,
                "site_id": t.transformation.site_id,
                "description": t.transformation.description,
                "inputs": [{"lot_code": lot.code, "quantity_g": g} for lot, g in t.inputs],
                "outputs": [{"lot_code": lot.code, "quantity_g": g} for lot, g in t.outputs],
            }
            for t in report.transformations
        ],
        "recipients": _recipients(report.recipients),
        "donors": [{"id": d.pk, "name": d.name} for d in report.donors],
        "distributed_g": report.distributed_g,
        "hidden_lot_count": report.hidden_lot_count,
        "people": [
            {
                "key": g.key,
                "title": g.title,
                "names_allowed": g.names_allowed,
                "people": [
                    {
                        "lot_code": p.lot_code,
                        "at": p.at,
                        "quantity_g": p.quantity_g,
                        "reference": p.reference,
                        "card_number": p.card_number,
                        "name": p.name,
                        "email": p.email,
                        "phone": p.phone,
                        "receipt": p.receipt,
                        "movement_id": p.movement_id,
                    }
                    for p in g.people
                ],
                "hidden_count": g.hidden_count,
                "anonymous_count": g.anonymous_count,
            }
            for g in report.people
        ],
    }


# --- Lots and movements --------------------------------------------------------------


@router.get("/lots", response=list[LotOut])
@paginate(LimitOffsetPagination)
def lots(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    search: str = "",
    site_id: int | None = None,
    category: FoodCategory | None = None,
):
    """Lots of your scope, newest first; `search` is a lot code or part of a product name."""
    scope = _staff(request)
    _site_visible(scope, site_id)
    return lot_search(scope=scope, search=search, site_id=site_id, category=category or "")


@router.get("/lots/{code}", response=LotDetailOut)
def lot_detail(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    """One lot with its stock per site and location and why it may not be distributed."""
    return _lot_detail(_lot(_staff(request), code))


@router.post(
    "/lots/{code}/movements",
    response={201: MovementOut, 200: MovementOut, 409: LedgerErrorOut},
)
def movement_add(request: HttpRequest, code: str, payload: MovementIn):  # type: ignore[no-untyped-def]
    """Transfer, issue, sell, lose or dispose of part of a lot.

    Stock leaves `from_site_id` (a site you operate) and, for a transfer, goes to
    `to_site_id`. The same `idempotency_key` sent again returns the first movement (200)
    and changes nothing.
    """
    scope = _staff(request)
    lot = _lot(scope, code)
    if payload.idempotency_key:
        earlier = movement_by_idempotency_key(payload.idempotency_key)
        if earlier is not None:
            if earlier.lot_id != lot.pk:
                return _conflict(LedgerError(LedgerErrorCode.INVALID_MOVEMENT, "key reused"))
            return Status(200, _movement_out(earlier))
    from_site = _site_operated(scope, payload.from_site_id)
    to_site = _site_visible(scope, payload.to_site_id)
    try:
        movement = movement_record(
            lot=lot,
            kind=payload.kind,
            quantity_g=payload.quantity_g,
            actor=request.user,
            from_site=from_site,
            from_location=_location(payload.from_location_id),
            to_site=to_site,
            to_location=_location(payload.to_location_id),
            destination=payload.destination.value if payload.destination else "",
            recipient=_organisation(scope, payload.recipient_id),
            reason=payload.reason,
            idempotency_key=payload.idempotency_key,
        )
    except LedgerError as exc:
        return _conflict(exc)
    except IntegrityError:  # the same key sent twice at the same moment: one wins
        earlier = movement_by_idempotency_key(payload.idempotency_key or "")
        if earlier is None or earlier.lot_id != lot.pk:
            raise
        return Status(200, _movement_out(earlier))
    return Status(201, _movement_out(movement))


@router.post("/transformations", response={201: TransformationOut, 409: LedgerErrorOut})
def transformation_add(request: HttpRequest, payload: TransformationIn):  # type: ignore[no-untyped-def]
    """Consume input lots and make new lots in one step (all or nothing)."""
    scope = _staff(request)
    site = _site_operated(scope, payload.site_id)
    assert site is not None
    inputs = []
    for item in payload.inputs:
        input_site = _site_operated(scope, item.site_id) if item.site_id else site
        assert input_site is not None
        inputs.append(
            TransformationInput(
                lot=_lot(scope, item.lot_code),
                site=input_site,
                location=_location(item.location_id),
                quantity_g=item.quantity_g,
            )
        )
    org = site.organisation
    hub = org if org.is_hub else (org.hub or inputs[0].lot.hub)
    outputs = [
        (
            LotSpec(
                product_name=o.product_name,
                category=o.category,
                storage_class=o.storage_class,
                date_kind=o.date_kind,
                date_value=o.date_value,
                allergens=[a.value for a in o.allergens],
                unit_weight_g=o.unit_weight_g,
            ),
            o.quantity_g,
        )
        for o in payload.outputs
    ]
    try:
        transformation, made = transformation_record(
            site=site,
            hub=hub,
            description=payload.description,
            inputs=inputs,
            outputs=outputs,
            actor=request.user,
            output_location=_location(payload.output_location_id),
        )
    except LedgerError as exc:
        return _conflict(exc)
    used = transformation.movements.filter(kind="transform_in").select_related("lot")
    return Status(
        201,
        {
            "id": transformation.pk,
            "site_id": site.pk,
            "description": transformation.description,
            "at": transformation.at,
            "inputs": [_movement_out(m) for m in used],
            "outputs": [
                {
                    **{f: getattr(lot, f) for f in LotOut.model_fields if f != "on_hand_g"},
                    "on_hand_g": g,
                }
                for lot, (_spec, g) in zip(made, outputs, strict=True)
            ],
        },
    )


@router.post("/counts", response={201: CountOut, 409: LedgerErrorOut})
def count_add(request: HttpRequest, payload: CountIn):  # type: ignore[no-untyped-def]
    """Record a physical count; each variance becomes an adjustment movement."""
    scope = _staff(request)
    site = _site_operated(scope, payload.site_id)
    assert site is not None
    seen: set[tuple[str, int | None]] = set()
    counted = []
    for line in payload.lines:
        key = (line.lot_code.strip().upper(), line.location_id)
        if key in seen:
            raise ValidationError(
                {"lines": [_("Lot %(code)s is counted twice.") % {"code": line.lot_code}]}
            )
        seen.add(key)
        counted.append((_lot(scope, line.lot_code), _location(line.location_id), line.counted_g))
    try:
        count = stock_count_record(
            site=site,
            counted=counted,
            actor=request.user,
            location=_location(payload.location_id),
        )
    except LedgerError as exc:
        return _conflict(exc)
    return Status(
        201,
        {
            "id": count.pk,
            "site_id": site.pk,
            "location_id": count.location_id,
            "closed_at": count.closed_at,
            "lines": [
                {
                    "lot_code": line.lot.code,
                    "expected_g": line.expected_g,
                    "counted_g": line.counted_g,
                    "variance_g": line.variance_g,
                }
                for line in count.lines.select_related("lot").order_by("pk")
            ],
        },
    )


# --- Sites ---------------------------------------------------------------------------


@router.get("/sites/{site_id}/onhand", response=OnHandOut)
def site_onhand(request: HttpRequest, site_id: int):  # type: ignore[no-untyped-def]
    """On hand at a site per food category and storage class, in grams."""
    scope = _staff(request)
    _site_visible(scope, site_id)
    rows = [
        {
            "category": r["lot__category"],
            "storage_class": r["lot__storage_class"],
            "quantity_g": int(r["quantity_g"]),
        }
        for r in onhand_by_category(site_id=site_id)
    ]
    return {"site_id": site_id, "total_g": sum(r["quantity_g"] for r in rows), "rows": rows}


@router.get("/sites/{site_id}/pick-list", response=list[PickOut])
def site_pick_list(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    site_id: int,
    category: FoodCategory | None = None,
    quantity_g: int | None = Query(None, gt=0),  # type: ignore[type-arg]
):
    """First-expired-first-out pick list of a site you operate (blocked lots left out)."""
    scope = _staff(request)
    _site_operated(scope, site_id)
    return pick_list_fefo(site_id=site_id, category=category or None, quantity_g=quantity_g)


@router.get("/sites/{site_id}/locations", response=list[LocationOut])
def site_locations(request: HttpRequest, site_id: int):  # type: ignore[no-untyped-def]
    """The storage locations inside a stock site, with what each holds now."""
    scope = _stock_scope(request)
    site = _stock_site(scope, site_id)
    return [_location_out(loc) for loc in storage_location_list(site_id=site.pk)]


@router.post("/sites/{site_id}/locations", response={201: LocationOut})
def site_location_add(request: HttpRequest, site_id: int, payload: LocationIn):  # type: ignore[no-untyped-def]
    """Add a storage location (network administrators and the site's hub coordinators)."""
    scope = _stock_scope(request)
    site = _stock_site(scope, site_id)
    if not site_manageable(scope=scope, site=site):
        raise PermissionDenied
    cold_unit: Any = None
    if payload.cold_unit_id is not None:
        units = StorageLocation._meta.get_field("cold_unit").related_model._default_manager  # type: ignore[union-attr]
        cold_unit = units.filter(pk=payload.cold_unit_id, site=site, is_active=True).first()
        if cold_unit is None:
            raise Http404
        if cold_unit.storage_class != payload.storage_class:
            raise ValidationError(
                {
                    "cold_unit_id": [
                        _("This cold unit keeps a different storage class than this place.")
                    ]
                }
            )
    location = storage_location_create(
        site=site, name=payload.name, storage_class=payload.storage_class, cold_unit=cold_unit
    )
    return Status(201, {**_location_out(location), "on_hand_g": 0})


@router.post(
    "/sites/{site_id}/pick-list/issue",
    response={201: PickIssueOut, 200: PickIssueOut, 409: PickFailedOut},
)
def site_pick_list_issue(request: HttpRequest, site_id: int, payload: PickIssueIn):  # type: ignore[no-untyped-def]
    """Issue the lines of a FEFO pick list to one organisation, all or nothing: if one line
    cannot be issued (409, with its lot code), nothing is. The same `idempotency_key` sent
    again returns the first issue (200)."""
    scope = _staff(request)
    site = _site_operated(scope, site_id)
    assert site is not None
    recipient = recipient_list(scope=scope).filter(pk=payload.recipient_id).first()
    if recipient is None:
        raise Http404
    key = payload.idempotency_key
    earlier = _pick_issue_earlier(key)
    if earlier is not None:
        return Status(200, earlier)
    picks = []
    for pick in payload.picks:
        location = storage_location_get(site_id=site.pk, pk=pick.location_id)
        if pick.location_id and location is None:
            raise Http404
        picks.append((_lot(scope, pick.lot_code), location, pick.quantity_g))
    try:
        movements = pick_list_issue(
            site=site, picks=picks, recipient=recipient, actor=request.user, key=key
        )
    except PickFailed as exc:
        return Status(
            409,
            {"lot_code": exc.code, "code": str(exc.error.code), "message": exc.error.message},
        )
    except IntegrityError:  # the same list sent twice at the same moment: one wins
        earlier = _pick_issue_earlier(key)
        if earlier is None:
            raise
        return Status(200, earlier)
    return Status(
        201,
        {
            "recipient_id": recipient.pk,
            "quantity_g": sum(m.quantity_g for m in movements),
            "movements": [_movement_out(m) for m in movements],
        },
    )


# --- Labels --------------------------------------------------------------------------


@router.get(
    "/labels",
    response={202: ReportJobOut},
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def lot_labels(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    lots: str = Query(..., description="Lot codes separated by commas or spaces"),  # type: ignore[type-arg]
    layout: Literal["sheet", "thermal"] = "sheet",
):
    """Printable labels (application/pdf): a sheet of 10 or one thermal-printer label per lot,
    with a QR code opening the lot's page. Past 50 lots the PDF is made by a background job
    (202): poll /api/jobs/{job_id}, then fetch its `result.url`."""
    scope = _stock_scope(request)
    found = lots_by_codes(scope=scope, codes=lots.replace(",", " ").split())
    if not found:
        raise Http404
    if len(found) > label_rendering.JOB_MAX_LOTS:
        raise ValidationError(
            {
                "lots": [
                    _("At most %(n)s labels at a time; choose fewer lots.")
                    % {"n": label_rendering.JOB_MAX_LOTS}
                ]
            }
        )
    if len(found) > label_rendering.DIRECT_MAX_LOTS:
        token = str(uuid.uuid4())
        job = job_submit(
            kind=LABELS_JOB,
            title=_("Labels for %(n)s lots") % {"n": len(found)},
            owner=request.user,
            params={
                "lot_ids": [lot.pk for lot in found],
                "layout": layout,
                "language": get_language(),
                "origin": f"{request.scheme}://{request.get_host()}",
                "file_token": token,
            },
        )
        done = job.status == JobStatus.SUCCEEDED
        return Status(
            202,
            {
                **_report_job_out(job),
                "download_url": reverse("inventory:labels_download", args=[token])
                if done
                else None,
            },
        )
    pdf = label_rendering.labels_pdf(
        found, url_for=partial(label_rendering.lot_qr_url, request), layout=layout
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = found[0].code if len(found) == 1 else f"{len(found)}-lots"
    response["Content-Disposition"] = f'inline; filename="labels-{name}.pdf"'
    return response


# --- Reports -------------------------------------------------------------------------


@router.get("/reconciliation", response=ReconciliationOut)
def reconciliation(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    hub_id: int | None = None,
    mrc_id: int | None = None,
    lot: str = "",
    start: date | None = None,
    end: date | None = None,
):
    """received (+ opening, + produced) = on hand + Σ destinations, to the gram, from the
    movements; plus the check that the stock on hand agrees with them. Evaluators get the
    totals of their network, a hub or an MRC, never a lot."""
    scope = scope_for(request.user)
    if not scope.sees_aggregates:
        raise PermissionDenied
    if hub_id and not report_hubs(scope).filter(pk=hub_id).exists():
        raise Http404
    if mrc_id and not report_mrcs(scope).filter(pk=mrc_id).exists():
        raise Http404
    if lot and not scope.sees_records:
        raise PermissionDenied
    if start and end and start > end:
        raise ValidationError({"start": [_("The first day must come before the last day.")]})
    lower, upper = period_bounds(start, end)
    report = reconciliation_build(
        lots=reconciliation_lots(scope=scope, hub_id=hub_id, mrc_id=mrc_id, lot_code=lot),
        start=lower,
        end=upper,
    )
    figures = report.figures or {}
    return {
        "lot_count": report.lot_count,
        "start": lower,
        "end": upper,
        "opening_g": figures.get("opening_g"),
        "received_g": figures.get("received_g"),
        "produced_g": figures.get("produced_g"),
        "closing_g": figures.get("closing_g"),
        "closing_from_movements_g": figures.get("closing_from_movements_g"),
        "undestined_g": figures.get("undestined_g"),
        "by_destination_g": figures.get("by_destination_g"),
        "gap_g": figures.get("gap_g"),
        "closes": report.closes,
        "undestined_movement_count": report.undestined_count,
        "projection_agrees": report.projection_agrees,
        "projection_mismatch_count": len(report.mismatches),
        "projection_mismatch_lots": (
            [m.code for m in report.mismatches] if scope.sees_records else []
        ),
    }


@router.get("/trace", response=TraceOut)
def trace(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    lot: str = "",
    donor_id: int | None = None,
    product: str = "",
    direction: Literal["down", "up"] = "down",
):
    """Downstream (recall): every lot made from the matching lots, movements,
    transformations and recipient organisations. Upstream (`direction=up`, one lot code):
    the lots and donors it came from."""
    scope = _staff(request)
    if direction == "up":
        found = _lot(scope, lot)
        return _trace_out(trace_report(scope=scope, lot_ids=[found.pk], direction="up"))
    if not (lot.strip() or donor_id or product.strip()):
        raise ValidationError({"lot": [_("Give a lot code, a donor or a product name.")]})
    start = trace_start_lots(scope=scope, lot_code=lot, donor_id=donor_id, product=product)
    report = trace_report(scope=scope, lot_ids=list(start.values_list("pk", flat=True)))
    trace_people_open(
        scope=scope,
        actor=request.user,
        report=report,
        channel="api",
        detail="trace api",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return _trace_out(report)


def _trace_criteria(payload: TraceCriteriaIn) -> dict[str, Any]:
    criteria = {
        "lot_code": payload.lot.strip(),
        "donor_id": payload.donor_id,
        "product": payload.product.strip(),
    }
    if not (criteria["lot_code"] or criteria["donor_id"] or criteria["product"]):
        raise ValidationError({"lot": [_("Give a lot code, a donor or a product name.")]})
    return criteria


@router.post("/recalls", response=RecallOut)
def recall(request: HttpRequest, payload: TraceCriteriaIn):  # type: ignore[no-untyped-def]
    """Recall every lot of the downstream trace (network administrators and hub
    coordinators): the lots are blocked from distribution and the hubs, sites holding them
    and recipient organisations are notified. Recalling again changes nothing."""
    scope = _staff(request)
    if not may_recall(scope):
        raise PermissionDenied
    criteria = _trace_criteria(payload)
    with transaction.atomic():
        start = trace_start_lots(scope=scope, **criteria)
        report = trace_report(scope=scope, lot_ids=list(start.values_list("pk", flat=True)))
        if not report.lots:
            raise Http404
        params = {
            "lot": criteria["lot_code"],
            "donor": criteria["donor_id"] or "",
            "product": criteria["product"],
        }
        query = urlencode({k: v for k, v in params.items() if v})  # as the trace page's
        recalled, told = lot_recall_notify(report=report, query=query)
    return {
        "recalled_count": recalled,
        "organisations_told": told,
        "lot_codes": [lt.lot.code for lt in report.lots],
    }


def _report_job_out(job: Job) -> dict[str, Any]:
    done = job.status == JobStatus.SUCCEEDED and bool((job.result or {}).get("file"))
    return {
        "job_id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "download_url": reverse("api:recall_report_pdf", args=[job.pk]) if done else None,
    }


def _own_recall_job(request: HttpRequest, job_id: uuid.UUID) -> Job:
    """Only the person who asked for a recall notice may follow and fetch it (as on the page)."""
    job = job_get(user=request.user, pk=job_id)
    if job is None or job.kind != RECALL_REPORT or job.owner_id != request.user.pk:
        raise Http404
    return job


@router.post("/recall-reports", response={202: ReportJobOut})
def recall_report_start(request: HttpRequest, payload: TraceCriteriaIn):  # type: ignore[no-untyped-def]
    """Queue the recall notice PDF of a downstream trace; poll the job, then fetch the PDF."""
    scope = _staff(request)
    criteria = _trace_criteria(payload)
    if not trace_start_lots(scope=scope, **criteria).exists():
        raise Http404
    job = recall_report_submit(user=request.user, **criteria)  # runs after the commit
    return Status(202, _report_job_out(job))


@router.get("/recall-reports/{job_id}", response=ReportJobOut)
def recall_report_status(request: HttpRequest, job_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return _report_job_out(_own_recall_job(request, job_id))


@router.get(
    "/recall-reports/{job_id}/pdf",
    url_name="recall_report_pdf",
    openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}},
)
def recall_report_pdf(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    """The recall notice (application/pdf), for the person who asked for it only."""
    job = _own_recall_job(request, job_id)
    name = (job.result or {}).get("file") if job.status == JobStatus.SUCCEEDED else None
    if not name or not default_storage.exists(name):
        raise Http404
    stamp = timezone.localtime(job.finished_at or job.created_at).strftime("%Y-%m-%d-%H%M")
    return FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"avis-de-rappel-{stamp}.pdf",
        content_type="application/pdf",
    )
