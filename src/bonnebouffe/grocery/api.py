"""REST API of the community grocery: open windows, the catalogue with the caller's price,
orders (place, change, cancel), checkout for staff, subsidies for staff.

Same rules as the pages: a household sees and changes only its own orders and its own
price; nothing here returns a household's price level except `/grocery/card` to the
household itself.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.households.models import Household
from bonnebouffe.inventory.errors import LedgerError
from bonnebouffe.network.models import Organisation

from .errors import GroceryError, GroceryErrorCode
from .models import MemberCard, Order, PaymentMethod, PriceTier
from .selectors import (
    available_units,
    card_by_number,
    card_tier,
    catalogue_page_cached,
    grocery_org_ids,
    line_price_cents,
    order_get,
    order_list_for_household,
    point_get,
    subsidy_report,
    unit_price_cents,
    window_get,
    window_list_open,
)
from .services import LineIn, order_cancel, order_change, order_place, sale_checkout

router = Router(tags=["grocery"])


class WindowOut(Schema):
    id: int
    point: str
    point_kind: str
    opens_at: datetime
    closes_at: datetime
    pickup_starts_at: datetime
    pickup_ends_at: datetime


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str
    sold_by: str
    unit_weight_g: int | None
    allergens: list[str]
    price_cents: int = Field(description="The caller's own price per unit or per kg")
    available: int = Field(description="Units left, or grams for food sold by weight")


class LineSchema(Schema):
    product_id: int
    units: int = Field(0, ge=0, le=10_000)
    grams: int = Field(0, ge=0, le=1_000_000)


class OrderIn(Schema):
    window_id: int
    lines: list[LineSchema]
    delivery_address: str = Field("", max_length=300)


class OrderChangeIn(Schema):
    lines: list[LineSchema]


class OrderLineOut(Schema):
    product_id: int
    product: str
    units: int
    quantity_g: int
    amount_cents: int


class OrderOut(Schema):
    id: int
    number: str
    status: str
    window_id: int
    point: str
    pickup_starts_at: datetime
    lines: list[OrderLineOut]
    total_cents: int


class SaleIn(Schema):
    point_id: int
    lines: list[LineSchema] = []
    order_id: int | None = None
    card_number: str = Field("", max_length=40)
    payment_method: PaymentMethod
    payment_reference: str = Field("", max_length=60)
    key: str | None = Field(None, max_length=64, description="Client key: a resend applies once")


class SaleOut(Schema):
    id: int
    number: str
    total_cents: int
    payment_method: str


class SubsidyOut(Schema):
    total_cents: int
    by_tier: list[dict[str, object]]
    by_funder: list[dict[str, object]]
    by_point: list[dict[str, object]]


def _household(request: HttpRequest) -> Household:
    household = (
        Household.objects.filter(user_id=int(request.user.pk or 0)).select_related("agency").first()
    )
    if household is None:
        raise PermissionDenied
    return household


def _lines(lines: list[LineSchema]) -> list[LineIn]:
    return [LineIn(x.product_id, units=x.units, grams=x.grams) for x in lines]


def _household_tier(household: Household) -> PriceTier:
    card = MemberCard.objects.filter(household=household).select_related("tier").first()
    return card_tier(card=card, network_id=household.agency.network_id)


def _order_out(order: Order, household: Household, tier: PriceTier | None = None) -> OrderOut:
    """An order at the household's tier prices (`tier`: already read, for a list)."""
    tier = tier if tier is not None else _household_tier(household)
    lines = [
        OrderLineOut(
            product_id=ol.product_id,
            product=ol.product.name,
            units=ol.units,
            quantity_g=ol.quantity_g,
            amount_cents=line_price_cents(
                product=ol.product,
                tier=tier,
                units=ol.units,
                grams=0 if ol.units else ol.quantity_g,
            ),
        )
        for ol in order.lines.all()
    ]
    return OrderOut(
        id=order.pk,
        number=order.number,
        status=order.status,
        window_id=order.window_id,
        point=order.window.point.name,
        pickup_starts_at=order.window.pickup_starts_at,
        lines=lines,
        total_cents=sum(x.amount_cents for x in lines),
    )


@router.get("/windows", response=list[WindowOut], summary="Pickup windows open for orders")
def windows(request: HttpRequest) -> list[WindowOut]:
    household = _household(request)
    return [
        WindowOut(
            id=w.pk,
            point=w.point.name,
            point_kind=w.point.kind,
            opens_at=w.opens_at,
            closes_at=w.closes_at,
            pickup_starts_at=w.pickup_starts_at,
            pickup_ends_at=w.pickup_ends_at,
        )
        for w in window_list_open(network_id=household.agency.network_id)
    ]


@router.get("/catalogue", response=list[ProductOut], summary="Products of a window, your price")
def catalogue_list(
    request: HttpRequest, window_id: int, page: int = 1, q: str = "", category: str = ""
) -> list[dict[str, Any]]:
    household = _household(request)
    network_id = household.agency.network_id
    window = window_get(pk=window_id)
    if window is None or window.point.grocery.network_id != network_id:
        raise Http404
    tier = _household_tier(household)
    products = catalogue_page_cached(
        network_id=network_id,
        site_id=window.point.stock_site_id,
        page=page,
        search=q[:60],
        category=category[:30],
    )
    # Plain dicts: ninja validates them once against ProductOut (schema instances would be
    # validated a second time through its attribute getter: a third of the page's CPU).
    return [
        {
            "id": p.pk,
            "sku": p.sku,
            "name": p.name,
            "category": p.category,
            "sold_by": p.sold_by,
            "unit_weight_g": p.unit_weight_g,
            "allergens": list(p.allergens),
            "price_cents": unit_price_cents(product=p, tier=tier),
            "available": available_units(p, p.available_g),  # type: ignore[attr-defined]
        }
        for p in products
    ]


@router.get("/orders", response=list[OrderOut], summary="My orders")
def orders_mine(request: HttpRequest) -> list[OrderOut]:
    household = _household(request)
    tier = _household_tier(household)
    return [
        _order_out(o, household, tier)
        for o in order_list_for_household(household_id=household.pk)[:50]
    ]


@router.post("/orders", response={201: OrderOut}, summary="Place an order (reserves the stock)")
def order_create(request: HttpRequest, payload: OrderIn) -> tuple[int, OrderOut]:
    household = _household(request)
    window = window_get(pk=payload.window_id)
    if window is None or window.point.grocery.network_id != household.agency.network_id:
        raise Http404
    try:
        order = order_place(
            household=household,
            window=window,
            lines=_lines(payload.lines),
            delivery_address=payload.delivery_address,
        )
    except GroceryError as exc:
        raise ValidationError(exc.message) from exc
    found = order_get(pk=order.pk, household_id=household.pk)
    assert found is not None
    return 201, _order_out(found, household)


@router.put("/orders/{order_id}", response=OrderOut, summary="Change an order's lines")
def order_update(request: HttpRequest, order_id: int, payload: OrderChangeIn) -> OrderOut:
    household = _household(request)
    order = order_get(pk=order_id, household_id=household.pk)
    if order is None:
        raise Http404
    try:
        order_change(order=order, lines=_lines(payload.lines))
    except GroceryError as exc:
        raise ValidationError(exc.message) from exc
    found = order_get(pk=order.pk, household_id=household.pk)
    assert found is not None
    return _order_out(found, household)


@router.post("/orders/{order_id}/cancel", response=OrderOut, summary="Cancel an order")
def order_cancel_endpoint(request: HttpRequest, order_id: int) -> OrderOut:
    household = _household(request)
    order = order_get(pk=order_id, household_id=household.pk)
    if order is None:
        raise Http404
    try:
        order_cancel(order=order)
    except GroceryError as exc:
        raise ValidationError(exc.message) from exc
    found = order_get(pk=order.pk, household_id=household.pk)
    assert found is not None
    return _order_out(found, household)


@router.post("/sales", response={201: SaleOut}, summary="Checkout (grocery staff)")
def sale_create(request: HttpRequest, payload: SaleIn) -> tuple[int, SaleOut]:
    ids = grocery_org_ids(scope_for(request.user))
    point = point_get(pk=payload.point_id, grocery_ids=ids)
    if point is None:
        raise Http404
    network_id = point.grocery.network_id
    card = (
        card_by_number(number=payload.card_number, network_id=network_id)
        if payload.card_number
        else None
    )
    if payload.card_number and card is None:
        raise ValidationError(GroceryError(GroceryErrorCode.UNKNOWN_CARD).message)
    order = order_get(pk=payload.order_id, grocery_ids=ids) if payload.order_id else None
    if payload.order_id and order is None:
        raise Http404
    try:
        sale = sale_checkout(
            point=point,
            cashier=request.user,
            lines=_lines(payload.lines),
            order=order,
            card=card,
            payment_method=payload.payment_method,
            payment_reference=payload.payment_reference,
            idempotency_key=payload.key,
        )
    except (GroceryError, LedgerError) as exc:
        raise ValidationError(exc.message) from exc
    return 201, SaleOut(
        id=sale.pk,
        number=sale.number,
        total_cents=sale.total_cents,
        payment_method=sale.payment_method,
    )


@router.get("/subsidies", response=SubsidyOut, summary="Subsidy ledger totals (staff)")
def subsidies(request: HttpRequest, start: date, end: date) -> SubsidyOut:
    scope = scope_for(request.user)
    ids = grocery_org_ids(scope)
    if not ids:
        raise PermissionDenied
    network_id = (
        Organisation.objects.filter(pk__in=ids).values_list("network_id", flat=True).first()
    )
    report = subsidy_report(
        network_id=int(network_id or 0),
        start=start,
        end=end,
        grocery_ids=None if scope.is_admin else ids,
    )
    return SubsidyOut(**{k: report[k] for k in ("total_cents", "by_tier", "by_funder", "by_point")})
