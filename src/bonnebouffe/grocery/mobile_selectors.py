"""Reads of the mobile unit: the public timetable with its next dates and map, a trip's
pre-orders and load, what a stop can sell, and the quote of a sale.

The quote applies the card's tier like the checkout does, but answers only a total: the
tier itself is never handed to the phone (see `selectors.tier_visible_to`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dates import WEEKDAYS

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.network.selectors import organisation_list

from .models import (
    MobileStop,
    MobileTrip,
    MobileUnit,
    Order,
    OrderStatus,
    PointOfSale,
    Product,
    SoldBy,
)
from .selectors import (
    available_units,
    card_tier,
    line_price_cents,
    product_queryset,
    tier_regular,
    trip_stops,
    unit_price_cents,
)

NEXT_DATES = 4


def stop_next_dates(*, weekday: int, n: int = NEXT_DATES, today: date | None = None) -> list[date]:
    """The next `n` dates falling on `weekday` (0 = Monday), today included."""
    day = today or timezone.localdate()
    first = day + timedelta(days=(weekday - day.weekday()) % 7)
    return [first + timedelta(weeks=i) for i in range(n)]


def timetable_units(*, network_id: int | None = None) -> QuerySet[MobileUnit]:
    """Every mobile unit (of a network, or of all) with its active stops in weekday order."""
    qs = MobileUnit.objects.select_related("grocery").prefetch_related(
        Prefetch(
            "stops",
            queryset=MobileStop.objects.filter(point__is_active=True)
            .select_related("point", "point__municipality")
            .order_by("weekday", "starts_at", "pk"),
        )
    )
    if network_id is not None:
        qs = qs.filter(grocery__network_id=network_id)
    return qs.order_by("name", "pk")


@dataclass(frozen=True)
class TimetableDay:
    weekday: int
    stops: list[MobileStop]

    @property
    def label(self) -> str:
        return str(WEEKDAYS[self.weekday])


def timetable_days(unit: MobileUnit) -> list[TimetableDay]:
    """A unit's prefetched stops grouped by weekday (Monday first), each with `next_dates`."""
    days: dict[int, list[MobileStop]] = {}
    today = timezone.localdate()
    for stop in unit.stops.all():
        stop.next_dates = stop_next_dates(weekday=stop.weekday, today=today)  # type: ignore[attr-defined]
        days.setdefault(stop.weekday, []).append(stop)
    return [TimetableDay(weekday=w, stops=s) for w, s in sorted(days.items())]


def stops_geojson(units: Sequence[MobileUnit]) -> dict[str, Any]:
    """The stops of prefetched units as GeoJSON points for bb/maps.js."""
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [float(stop.longitude), float(stop.latitude)],
            },
            "properties": {
                "id": stop.pk,
                "name": f"{stop.place_name} — {stop.point.municipality.name}",
                "unit": unit.name,
            },
        }
        for unit in units
        for stop in unit.stops.all()
    ]
    return {"type": "FeatureCollection", "features": features}


def public_stop_get(*, pk: int) -> MobileStop | None:
    return (
        MobileStop.objects.filter(pk=pk, point__is_active=True)
        .select_related("unit", "point", "point__municipality")
        .first()
    )


def trip_list_for(*, grocery_ids: set[int], since: date | None = None) -> QuerySet[MobileTrip]:
    """Trips of the groceries, from `since` (default: a week ago), soonest first."""
    start = since or timezone.localdate() - timedelta(days=7)
    return (
        MobileTrip.objects.filter(unit__grocery_id__in=grocery_ids, date__gte=start)
        .select_related("unit")
        .order_by("date", "unit__name")[:60]
    )


def trip_preorders(*, trip: MobileTrip, stops: Sequence[MobileStop]) -> QuerySet[Order]:
    """The orders picked up at the trip's stops on its date (cancelled ones left out)."""
    return (
        Order.objects.filter(
            window__point__in=[s.point_id for s in stops],
            window__pickup_starts_at__date=trip.date,
        )
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("window", "window__point")
        .prefetch_related("lines__product")
        .order_by("window__pickup_starts_at", "number")
    )


@dataclass(frozen=True)
class StockRow:
    product: Product
    available_g: int
    available: int  # whole units, or grams for products sold by weight
    price_cents: int  # regular (tier-free) price per unit or per kg


def _stock_rows(*, network_id: int, site_id: int) -> list[StockRow]:
    regular = tier_regular(network_id=network_id)
    qs = product_queryset(network_id=network_id, site_id=site_id).filter(
        available_g__gt=0  # type: ignore[misc]
    )
    return [
        StockRow(
            product=p,
            available_g=int(p.available_g),  # type: ignore[attr-defined]
            available=available_units(p, int(p.available_g)),  # type: ignore[attr-defined]
            price_cents=unit_price_cents(product=p, tier=regular),
        )
        for p in qs.order_by("name", "pk")
    ]


def trip_home_stock(*, trip: MobileTrip) -> list[StockRow]:
    """What can still be loaded for walk-in sales: free stock at the unit's home site."""
    return _stock_rows(network_id=trip.unit.grocery.network_id, site_id=trip.unit.home_site_id)


def stop_onboard_stock(*, trip: MobileTrip) -> list[StockRow]:
    """What a stop can sell to walk-ins: on board, minus the pre-orders reserved there."""
    return _stock_rows(network_id=trip.unit.grocery.network_id, site_id=trip.unit.site_id)


def trip_stop_get(*, trip: MobileTrip, stop_id: int) -> MobileStop | None:
    """A stop of the trip's day (a stop of another weekday is not part of the trip)."""
    return next((s for s in trip_stops(trip=trip) if s.pk == stop_id), None)


def voucher_partners(*, scope: Scope, network_id: int) -> QuerySet[Any]:
    """Organisations that may have given a voucher: the network's, as the scope sees them."""
    return organisation_list(scope=scope).filter(network_id=network_id)


@dataclass(frozen=True)
class QuoteLine:
    product_id: int
    units: int = 0
    grams: int = 0


def sale_quote_cents(
    *, point: PointOfSale, lines: Sequence[QuoteLine], card: Any | None = None
) -> int:
    """The total a sale would charge now (the card's tier applied); changes nothing.
    Unknown products and empty quantities count for nothing: the checkout rejects them."""
    network_id = point.grocery.network_id
    tier = card_tier(card=card, network_id=network_id)
    products = {
        p.pk: p
        for p in product_queryset(network_id=network_id).filter(
            pk__in=[line.product_id for line in lines]
        )
    }
    total = 0
    for line in lines:
        product = products.get(line.product_id)
        if product is None:
            continue
        if product.sold_by == SoldBy.UNIT:
            total += line_price_cents(product=product, tier=tier, units=max(line.units, 0))
        else:
            total += line_price_cents(product=product, tier=tier, grams=max(line.grams, 0))
    return total
