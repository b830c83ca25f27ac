"""API of the mobile unit's stop sales phone view (mounted at /api/grocery/mobile/).

A sale carries a key made on the phone (a uuid); the same key sent again answers 200 with
the same receipt and changes nothing, so the offline queue may resend freely. Answers give
the total charged and the receipt number — never the price level (tier) applied.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.db import IntegrityError
from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from bonnebouffe.accounts.selectors import scope_for
from bonnebouffe.domain.quantities import format_money

from .errors import GroceryError, GroceryErrorCode
from .mobile_selectors import QuoteLine, sale_quote_cents, trip_stop_get, voucher_partners
from .models import MobileStop, MobileTrip, Order, Sale, TripStatus
from .selectors import card_by_number, grocery_org_ids, order_by_number, trip_get
from .services import LineIn, sale_checkout

router = Router(tags=["Mobile unit"])


class SaleLineIn(Schema):
    product_id: int
    units: int = Field(0, ge=0)
    grams: int = Field(0, ge=0)


class QuoteIn(Schema):
    lines: list[SaleLineIn] = Field(default_factory=list, max_length=200)
    card_number: str = Field("", max_length=40)
    order_number: str = Field("", max_length=20)


class SaleIn(QuoteIn):
    key: str = Field(..., min_length=8, max_length=64)
    payment_method: Literal["cash", "card", "prepaid", "voucher"]
    payment_reference: str = Field("", max_length=60)
    voucher_partner_id: int | None = None


class QuoteOut(Schema):
    total_cents: int
    total_label: str


class SaleOut(QuoteOut):
    receipt_number: str
    order_number: str | None
    applied_now: bool


def _money(cents: int) -> str:
    return format_money(Decimal(cents) / 100, language=get_language() or "fr-ca")


def _trip_stop(request: HttpRequest, trip_id: int, stop_id: int) -> tuple[MobileTrip, MobileStop]:
    trip = trip_get(pk=trip_id, grocery_ids=grocery_org_ids(scope_for(request.user)))
    stop = trip_stop_get(trip=trip, stop_id=stop_id) if trip is not None else None
    if trip is None or stop is None:
        raise Http404
    return trip, stop


def _order(stop: MobileStop, number: str) -> Order | None:
    if not number.strip():
        return None
    order = order_by_number(number=number, point=stop.point)
    if order is None:
        raise HttpError(400, _("No pre-order has this number at this stop."))
    return order


def _card(stop: MobileStop, number: str):  # type: ignore[no-untyped-def]
    if not number.strip():
        return None
    card = card_by_number(number=number, network_id=stop.point.grocery.network_id)
    if card is None:
        raise HttpError(400, GroceryError(GroceryErrorCode.UNKNOWN_CARD).message)
    return card


def _sale_out(sale: Sale, *, applied_now: bool) -> SaleOut:
    return SaleOut(
        receipt_number=sale.number,
        total_cents=sale.total_cents,
        total_label=_money(sale.total_cents),
        order_number=sale.order.number if sale.order is not None else None,
        applied_now=applied_now,
    )


@router.post("/trips/{trip_id}/stops/{stop_id}/quote", response=QuoteOut)
def sale_quote(request: HttpRequest, trip_id: int, stop_id: int, payload: QuoteIn):  # type: ignore[no-untyped-def]
    """The total to charge for these lines (or this pre-order) with this card; no change."""
    _trip, stop = _trip_stop(request, trip_id, stop_id)
    card = _card(stop, payload.card_number)
    order = _order(stop, payload.order_number)
    if order is not None:
        lines = [
            QuoteLine(ol.product_id, ol.units, 0 if ol.units else ol.quantity_g)
            for ol in order.lines.all()
        ]
        if card is None:
            card = getattr(order.household, "member_card", None)
    else:
        lines = [QuoteLine(line.product_id, line.units, line.grams) for line in payload.lines]
    total = sale_quote_cents(point=stop.point, lines=lines, card=card)
    return QuoteOut(total_cents=total, total_label=_money(total))


@router.post("/trips/{trip_id}/stops/{stop_id}/sales", response=SaleOut)
def sale_record(request: HttpRequest, trip_id: int, stop_id: int, payload: SaleIn):  # type: ignore[no-untyped-def]
    """Record a sale or a pre-order pickup. Idempotent on `key`: a resend answers 200 with
    the first receipt (`applied_now` false), even after the trip has returned."""
    trip, stop = _trip_stop(request, trip_id, stop_id)
    existing = Sale.objects.filter(idempotency_key=payload.key).select_related("order").first()
    if existing is not None:
        if existing.point_id != stop.point_id:
            raise HttpError(409, _("This sale was already recorded at another stop."))
        return _sale_out(existing, applied_now=False)
    if trip.status != TripStatus.LOADED:
        raise HttpError(400, GroceryError(GroceryErrorCode.TRIP_STATE).message)
    card = _card(stop, payload.card_number)
    order = _order(stop, payload.order_number)
    partner = None
    if payload.voucher_partner_id is not None:
        partner = (
            voucher_partners(
                scope=scope_for(request.user), network_id=stop.point.grocery.network_id
            )
            .filter(pk=payload.voucher_partner_id)
            .first()
        )
    try:
        sale = sale_checkout(
            point=stop.point,
            cashier=request.user,
            lines=[LineIn(line.product_id, line.units, line.grams) for line in payload.lines],
            order=order,
            card=card,
            payment_method=payload.payment_method,
            payment_reference=payload.payment_reference,
            voucher_partner=partner,
            idempotency_key=payload.key,
        )
    except GroceryError as exc:
        raise HttpError(400, exc.message) from exc
    except IntegrityError:
        # The same key sent twice at once: the other request recorded it.
        first = Sale.objects.filter(idempotency_key=payload.key).select_related("order").first()
        if first is None:
            raise
        return _sale_out(first, applied_now=False)
    return _sale_out(sale, applied_now=True)
