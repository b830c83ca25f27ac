"""Reads of the grocery: catalogue with availability, prices by tier, orders, preparation
lists, the subsidy ledger. Pages and API endpoints call these, so they cannot disagree.

Who sees what: grocery staff see their grocery's points, orders and sales; network
administrators the whole network; a household only its own card and orders. A household's
tier is shown only to the household itself and to grocery staff and administrators
(`tier_visible_to`), never on a receipt or a list others can read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.domain.pricing import line_amount_cents, tier_price_cents
from bonnebouffe.inventory.models import Balance
from bonnebouffe.inventory.selectors import Pick, distributable_q, pick_list_fefo
from bonnebouffe.network.models import Organisation

from .models import (
    GroceryPolicy,
    MemberCard,
    MobileStop,
    MobileTrip,
    MobileUnit,
    Order,
    OrderLine,
    OrderStatus,
    OrderWindow,
    PointOfSale,
    PriceTier,
    Product,
    ProductStock,
    ProductTierPrice,
    Sale,
    SoldBy,
    SubsidyEntry,
    TierKind,
)

CATALOGUE_PAGE_SIZE = 60


def policy_for(*, network_id: int) -> GroceryPolicy | None:
    return GroceryPolicy.objects.filter(network_id=network_id).first()


def tier_list(*, network_id: int) -> QuerySet[PriceTier]:
    return PriceTier.objects.filter(network_id=network_id).select_related("funder")


def tier_regular(*, network_id: int) -> PriceTier:
    """The regular-price tier of a network (the first tier of kind "regular")."""
    tier = tier_list(network_id=network_id).filter(kind=TierKind.REGULAR).first()
    if tier is None:
        from .errors import GroceryError, GroceryErrorCode

        raise GroceryError(GroceryErrorCode.NO_POLICY)
    return tier


def card_tier(*, card: MemberCard | None, network_id: int, on: date | None = None) -> PriceTier:
    """The tier a card gives today: its tier while valid, else the regular price."""
    day = on or timezone.localdate()
    if card is not None and card.is_active and card.tier_expires_on >= day:
        return card.tier
    return tier_regular(network_id=network_id)


def unit_price_cents(*, product: Product, tier: PriceTier) -> int:
    """Price per unit (or per kg) of a product at a tier. Uses prefetched `tier_prices`."""
    fixed = next(
        (tp.price_cents for tp in product.tier_prices.all() if tp.tier_id == tier.pk), None
    )
    if tier.kind == TierKind.REGULAR and fixed is None:
        return product.regular_price_cents
    return tier_price_cents(
        product.regular_price_cents, percent_adjust=tier.percent_adjust, fixed_cents=fixed
    )


def quantity_g_of(*, product: Product, units: int = 0, grams: int = 0) -> int:
    if product.sold_by == SoldBy.UNIT:
        return units * int(product.unit_weight_g or 0)
    return grams


def line_price_cents(*, product: Product, tier: PriceTier, units: int = 0, grams: int = 0) -> int:
    price = unit_price_cents(product=product, tier=tier)
    if product.sold_by == SoldBy.UNIT:
        return line_amount_cents(price, units=units)
    return line_amount_cents(price, grams=grams)


def _onhand_subquery(site_id: int) -> Subquery:
    return Subquery(
        Balance.objects.filter(
            site_id=site_id, lot__grocery_link__product=OuterRef("pk"), quantity_g__gt=0
        )
        .filter(distributable_q("lot__"))
        .values("lot__grocery_link__product")
        .annotate(total=Sum("quantity_g"))
        .values("total"),
        output_field=IntegerField(),
    )


def _reserved_subquery(site_id: int) -> Subquery:
    return Subquery(
        ProductStock.objects.filter(product=OuterRef("pk"), site_id=site_id).values("reserved_g"),
        output_field=IntegerField(),
    )


def product_queryset(*, network_id: int, site_id: int | None = None) -> QuerySet[Product]:
    """Active products with their tier prices; with a site, `onhand_g`, `reserved_g` and
    `available_g` (on hand of distributable lots minus reservations) are annotated."""
    qs = Product.objects.filter(network_id=network_id, is_active=True).prefetch_related(
        Prefetch("tier_prices", queryset=ProductTierPrice.objects.all())
    )
    if site_id is not None:
        qs = qs.annotate(
            onhand_g=Coalesce(_onhand_subquery(site_id), Value(0)),
            reserved_now_g=Coalesce(_reserved_subquery(site_id), Value(0)),
        ).annotate(available_g=F("onhand_g") - F("reserved_now_g"))
    return qs


def catalogue(
    *,
    network_id: int,
    site_id: int,
    category: str = "",
    search: str = "",
    available_only: bool = False,
) -> QuerySet[Product]:
    """The catalogue of a point of sale: a fixed number of queries, whatever its size."""
    qs = product_queryset(network_id=network_id, site_id=site_id)
    if category:
        qs = qs.filter(category=category)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if available_only:
        qs = qs.filter(available_g__gt=0)  # type: ignore[misc]
    return qs.order_by("name", "pk")


def catalogue_page(
    *,
    network_id: int,
    site_id: int,
    page: int = 1,
    category: str = "",
    search: str = "",
) -> list[Product]:
    """One page of `catalogue`, in one query whatever the page number.

    Slicing the annotated catalogue makes PostgreSQL compute the availability subqueries for
    every row before the page too (OFFSET discards them only afterwards): page 80 of 5,000
    products cost about a second. Here the page's products are chosen first, without the
    annotations, and only those 60 rows are annotated.
    """
    start = (max(page, 1) - 1) * CATALOGUE_PAGE_SIZE
    base = Product.objects.filter(network_id=network_id, is_active=True)
    if category:
        base = base.filter(category=category)
    if search:
        base = base.filter(Q(name__icontains=search) | Q(description__icontains=search))
    page_pks = list(
        base.order_by("name", "pk").values_list("pk", flat=True)[
            start : start + CATALOGUE_PAGE_SIZE
        ]
    )
    return products_with_availability(product_ids=page_pks, site_id=site_id)


def products_with_availability(*, product_ids: list[int], site_id: int) -> list[Product]:
    """Products in the given order with their tier prices and `onhand_g`, `reserved_now_g`
    and `available_g` at a site: four plain queries (products, tier prices, on hand grouped
    by product, reservations), whatever the number of products."""
    if not product_ids:
        return []
    by_pk = Product.objects.prefetch_related("tier_prices").in_bulk(product_ids)
    onhand = products_onhand_g(product_ids=product_ids, site_id=site_id)
    reserved = dict(
        ProductStock.objects.filter(site_id=site_id, product_id__in=product_ids).values_list(
            "product_id", "reserved_g"
        )
    )
    out = []
    for pk in product_ids:
        product = by_pk.get(pk)
        if product is None:
            continue
        product.onhand_g = onhand.get(pk, 0)  # type: ignore[attr-defined]
        product.reserved_now_g = reserved.get(pk, 0)  # type: ignore[attr-defined]
        product.available_g = product.onhand_g - product.reserved_now_g  # type: ignore[attr-defined]
        out.append(product)
    return out


def catalogue_page_cached(
    *, network_id: int, site_id: int, page: int = 1, category: str = "", search: str = ""
) -> list[Product]:
    """`catalogue_page`, kept for `GROCERY_CATALOGUE_CACHE_S` seconds (default 5) per page,
    search and site: the catalogue is most of the traffic, and availability a few seconds old
    is fine to browse — ordering re-reads the stock under its row lock, so a cached page can
    never make an order oversell. 0 turns the cache off."""
    from django.conf import settings
    from django.core.cache import cache

    ttl = int(getattr(settings, "GROCERY_CATALOGUE_CACHE_S", 5))
    if ttl <= 0:
        return catalogue_page(
            network_id=network_id, site_id=site_id, page=page, category=category, search=search
        )
    key = f"grocery:catalogue:{network_id}:{site_id}:{page}:{category}:{search}"
    rows: list[Product] | None = cache.get(key)
    if rows is None:
        rows = catalogue_page(
            network_id=network_id, site_id=site_id, page=page, category=category, search=search
        )
        cache.set(key, rows, ttl)
    return rows


def catalogue_paginated(
    *,
    network_id: int,
    site_id: int,
    page: Any = 1,
    category: str = "",
    search: str = "",
    size: int = CATALOGUE_PAGE_SIZE,
) -> tuple[Any, list[Product]]:
    """A Django `Page` of the catalogue and its annotated products (see `catalogue_page`):
    the paginator counts and slices the plain rows; only the page's rows get availability."""
    from django.core.paginator import Paginator

    base = Product.objects.filter(network_id=network_id, is_active=True)
    if category:
        base = base.filter(category=category)
    if search:
        base = base.filter(Q(name__icontains=search) | Q(description__icontains=search))
    paged = Paginator(base.order_by("name", "pk").values_list("pk", flat=True), size).get_page(page)
    ids = list(paged.object_list)
    products = list(
        product_queryset(network_id=network_id, site_id=site_id)
        .filter(pk__in=ids)
        .order_by("name", "pk")
    )
    return paged, products


def available_units(product: Product, available_g: int) -> int:
    """Whole units (or whole grams for products sold by weight) that can still be sold."""
    if product.sold_by == SoldBy.UNIT:
        return max(available_g, 0) // int(product.unit_weight_g or 1)
    return max(available_g, 0)


def product_available_g(*, product_id: int, site_id: int) -> int:
    row = (
        Product.objects.filter(pk=product_id)
        .annotate(
            onhand_g=Coalesce(_onhand_subquery(site_id), Value(0)),
            reserved_now_g=Coalesce(_reserved_subquery(site_id), Value(0)),
        )
        .values("onhand_g", "reserved_now_g")
        .first()
    )
    return int(row["onhand_g"] - row["reserved_now_g"]) if row else 0


def product_onhand_g(*, product_id: int, site_id: int) -> int:
    return products_onhand_g(product_ids=[product_id], site_id=site_id).get(product_id, 0)


def products_onhand_g(*, product_ids: Iterable[int], site_id: int) -> dict[int, int]:
    """Distributable grams on hand at a site for each product (absent: 0), in one query."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = (
        Balance.objects.filter(
            site_id=site_id, lot__grocery_link__product_id__in=ids, quantity_g__gt=0
        )
        .filter(distributable_q("lot__"))
        .values("lot__grocery_link__product_id")
        .annotate(s=Sum("quantity_g"))
        .values_list("lot__grocery_link__product_id", "s")
    )
    found = {int(pid): int(total or 0) for pid, total in rows}
    return {pid: found.get(pid, 0) for pid in ids}


def product_fefo(*, product_id: int, site_id: int, quantity_g: int | None = None) -> list[Pick]:
    """FEFO picks of a product's distributable lots at a site (soonest date first); with
    `quantity_g`, only as many lots as cover it."""
    return pick_list_fefo(
        site_id=site_id,
        quantity_g=quantity_g,
        limit=500,
        where=Q(lot__grocery_link__product_id=product_id),
    )


# --- scope ------------------------------------------------------------------------------


def grocery_org_ids(scope: Scope) -> set[int]:
    """Groceries whose counters, orders and sales a scope may operate."""
    ids = {org for org, _name, role in scope.memberships if role == Role.GROCERY_STAFF}
    if scope.admin_network_ids:
        ids |= set(
            Organisation.objects.filter(
                network_id__in=scope.admin_network_ids, points_of_sale__isnull=False
            ).values_list("pk", flat=True)
        )
    return ids


def tier_visible_to(scope: Scope) -> bool:
    """Only grocery staff and administrators may see a household's tier (and the household)."""
    return scope.is_superuser or scope.has_role(Role.GROCERY_STAFF, Role.NETWORK_ADMIN)


def point_list(
    *, network_id: int | None = None, grocery_ids: set[int] | None = None
) -> QuerySet[PointOfSale]:
    qs = PointOfSale.objects.filter(is_active=True).select_related(
        "grocery", "municipality", "stock_site", "sale_site"
    )
    if network_id is not None:
        qs = qs.filter(grocery__network_id=network_id)
    if grocery_ids is not None:
        qs = qs.filter(grocery_id__in=grocery_ids)
    return qs


def point_get(*, pk: int | str | None, grocery_ids: set[int] | None = None) -> PointOfSale | None:
    if pk in (None, ""):
        return None
    try:
        return point_list(grocery_ids=grocery_ids).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def window_list_open(*, network_id: int, now: datetime | None = None) -> QuerySet[OrderWindow]:
    moment = now or timezone.now()
    return (
        OrderWindow.objects.filter(
            point__grocery__network_id=network_id,
            point__is_active=True,
            opens_at__lte=moment,
            closes_at__gt=moment,
        )
        .select_related("point", "point__municipality")
        .order_by("pickup_starts_at", "point__name")
    )


def window_get(*, pk: int | str | None) -> OrderWindow | None:
    try:
        return OrderWindow.objects.select_related("point").filter(pk=int(pk or 0)).first()
    except (TypeError, ValueError):
        return None


def window_list_for_points(
    *, point_ids: set[int], since: datetime | None = None
) -> QuerySet[OrderWindow]:
    moment = since or timezone.now() - timedelta(days=2)
    return (
        OrderWindow.objects.filter(point_id__in=point_ids, pickup_ends_at__gte=moment)
        .select_related("point")
        .annotate(
            n_orders=Count("orders", filter=~Q(orders__status=OrderStatus.CANCELLED), distinct=True)
        )
        .order_by("pickup_starts_at", "point__name")
    )


def order_list_for_household(*, household_id: int) -> QuerySet[Order]:
    return (
        Order.objects.filter(household_id=household_id)
        .select_related("window", "window__point")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("product").prefetch_related(
                    "product__tier_prices"
                ),
            )
        )
    )


def order_get(
    *, pk: int | str | None, household_id: int | None = None, grocery_ids: set[int] | None = None
) -> Order | None:
    try:
        qs = Order.objects.select_related(
            "household", "window", "window__point", "window__point__grocery"
        ).prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("product").prefetch_related(
                    "product__tier_prices"
                ),
            )
        )
        if household_id is not None:
            qs = qs.filter(household_id=household_id)
        if grocery_ids is not None:
            qs = qs.filter(window__point__grocery_id__in=grocery_ids)
        return qs.filter(pk=int(pk or 0)).first()
    except (TypeError, ValueError):
        return None


def order_by_number(*, number: str, point: PointOfSale) -> Order | None:
    return (
        Order.objects.filter(number=number.strip().upper(), window__point=point)
        .select_related("household", "window")
        .first()
    )


@dataclass(frozen=True)
class PrepRow:
    product: Product
    units: int
    quantity_g: int
    orders: int
    picks: list[Pick]


def preparation_list(*, window: OrderWindow) -> dict[str, Any]:
    """What to prepare for a window: totals per product with FEFO picks, and the orders."""
    orders = list(
        window.orders.exclude(status=OrderStatus.CANCELLED)
        .select_related("household")
        .prefetch_related("lines__product")
        .order_by("number")
    )
    totals = (
        OrderLine.objects.filter(order__window=window)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("product")
        .annotate(units=Sum("units"), grams=Sum("quantity_g"), n=Count("order", distinct=True))
        .order_by("product__name")
    )
    products = {p.pk: p for p in Product.objects.filter(pk__in=[t["product"] for t in totals])}
    rows = [
        PrepRow(
            product=products[t["product"]],
            units=int(t["units"] or 0),
            quantity_g=int(t["grams"] or 0),
            orders=int(t["n"]),
            picks=product_fefo(
                product_id=t["product"],
                site_id=window.point.stock_site_id,
                quantity_g=int(t["grams"]),
            ),
        )
        for t in totals
    ]
    return {"rows": rows, "orders": orders}


def sale_list(*, grocery_ids: set[int], limit: int = 50) -> QuerySet[Sale]:
    return (
        Sale.objects.filter(point__grocery_id__in=grocery_ids)
        .select_related("point")
        .order_by("-at", "-pk")[:limit]
    )


def sale_get(
    *, pk: int | str | None, grocery_ids: set[int] | None = None, household_id: int | None = None
) -> Sale | None:
    try:
        qs = Sale.objects.select_related("point", "point__grocery").prefetch_related(
            "lines__product"
        )
        if grocery_ids is not None:
            qs = qs.filter(point__grocery_id__in=grocery_ids)
        if household_id is not None:
            qs = qs.filter(card__household_id=household_id)
        return qs.filter(pk=int(pk or 0)).first()
    except (TypeError, ValueError):
        return None


def card_by_number(*, number: str, network_id: int) -> MemberCard | None:
    text = (number or "").strip().upper()
    if text.startswith("BBCARD:"):
        text = text.split(":", 1)[1]
    return (
        MemberCard.objects.filter(number=text, is_active=True, tier__network_id=network_id)
        .select_related("tier", "household")
        .first()
    )


def subsidy_report(
    *, network_id: int, start: date, end: date, grocery_ids: set[int] | None = None
) -> dict[str, Any]:
    """Subsidies between two dates (inclusive) by tier, funder, point of sale and product."""
    qs = SubsidyEntry.objects.filter(network_id=network_id, at__date__gte=start, at__date__lte=end)
    if grocery_ids is not None:
        qs = qs.filter(point__grocery_id__in=grocery_ids)

    def group(*fields: str) -> list[dict[str, Any]]:
        return list(
            qs.values(*fields)
            .annotate(amount=Sum("amount_cents"), lines=Count("pk"))
            .order_by("-amount")
        )

    return {
        "total_cents": int(qs.aggregate(s=Sum("amount_cents"))["s"] or 0),
        "by_tier": group("tier__name"),
        "by_funder": group("funder__name"),
        "by_point": group("point__name"),
        "by_product": group("product__name")[:30],
    }


def category_prices(*, network_id: int) -> dict[str, dict[str, int]]:
    """Median price per kg (cents) of active products, per food category and tier code.

    Used by recipes to cost a portion from current prices.
    """
    tiers = list(tier_list(network_id=network_id))
    by_cat: dict[str, dict[str, list[int]]] = {}
    for product in product_queryset(network_id=network_id):
        weight = product.unit_weight_g if product.sold_by == SoldBy.UNIT else 1000
        if not weight:
            continue
        for tier in tiers:
            per_kg = unit_price_cents(product=product, tier=tier) * 1000 // int(weight)
            by_cat.setdefault(product.category, {}).setdefault(tier.code, []).append(per_kg)
    return {
        cat: {code: int(median(values)) for code, values in per_tier.items()}
        for cat, per_tier in by_cat.items()
    }


def mobile_unit_list(*, network_id: int) -> QuerySet[MobileUnit]:
    return (
        MobileUnit.objects.filter(grocery__network_id=network_id)
        .select_related("grocery", "home_site", "site")
        .prefetch_related(
            Prefetch(
                "stops",
                queryset=MobileStop.objects.select_related("point", "point__municipality"),
            )
        )
    )


def mobile_stop_get(*, pk: int | str | None) -> MobileStop | None:
    try:
        return (
            MobileStop.objects.select_related(
                "unit", "point", "point__municipality", "unit__grocery"
            )
            .filter(pk=int(pk or 0))
            .first()
        )
    except (TypeError, ValueError):
        return None


def trip_get(*, pk: int | str | None, grocery_ids: set[int]) -> MobileTrip | None:
    try:
        return (
            MobileTrip.objects.select_related("unit", "unit__site", "unit__home_site")
            .filter(pk=int(pk or 0), unit__grocery_id__in=grocery_ids)
            .first()
        )
    except (TypeError, ValueError):
        return None


def trip_list(*, grocery_ids: set[int]) -> QuerySet[MobileTrip]:
    return MobileTrip.objects.filter(unit__grocery_id__in=grocery_ids).select_related("unit")[:30]


def trip_stops(*, trip: MobileTrip) -> list[MobileStop]:
    return list(trip.unit.stops.filter(weekday=trip.date.weekday()).select_related("point"))


def trip_load_onboard(*, trip: MobileTrip) -> list[dict[str, Any]]:
    """What is on board now: per product, kg on the unit's site."""
    rows = (
        Balance.objects.filter(site_id=trip.unit.site_id, quantity_g__gt=0)
        .values("lot__grocery_link__product__name", "lot__grocery_link__product_id")
        .annotate(grams=Sum("quantity_g"))
        .order_by("lot__grocery_link__product__name")
    )
    return [dict(r) for r in rows]
