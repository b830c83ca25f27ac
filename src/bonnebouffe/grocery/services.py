"""Writes of the grocery: member cards, online orders with stock reservations, checkout with
the tier price and the subsidy ledger, mobile-unit trips, household data rights.

Concurrency: every order and sale locks the `ProductStock` rows of the products it touches
(SELECT ... FOR UPDATE, primary-key order) before it reads availability, then changes
reservations with F() expressions; the stock itself moves only through
`inventory.services.movement_record`, which locks its balances. A check constraint keeps
reservations non-negative. So two households ordering the last units at once never both get
them, and a failure half-way rolls the whole order or sale back.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bonnebouffe.accounts.models import AuditAction
from bonnebouffe.accounts.services import audit_record
from bonnebouffe.households.models import Household
from bonnebouffe.inventory.models import Balance, Lot, MovementKind, StorageLocation
from bonnebouffe.inventory.services import movement_record
from bonnebouffe.network.models import Organisation

from .errors import GroceryError, GroceryErrorCode
from .models import (
    GroceryPolicy,
    MemberCard,
    MobileTrip,
    Order,
    OrderLine,
    OrderStatus,
    OrderWindow,
    PaymentMethod,
    PointKind,
    PointOfSale,
    PriceTier,
    ProductStock,
    ProofKind,
    Sale,
    SaleLine,
    SaleLineLot,
    SoldBy,
    SubsidyEntry,
    TierKind,
    TripStatus,
)
from .models import Product as ProductModel
from .selectors import (
    card_tier,
    line_price_cents,
    policy_for,
    product_fefo,
    products_onhand_g,
    quantity_g_of,
    tier_regular,
    trip_stops,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _code(prefix: str, n: int = 6) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


@dataclass(frozen=True)
class LineIn:
    """One wanted line: whole units for products sold per unit, grams for those by weight."""

    product_id: int
    units: int = 0
    grams: int = 0


def _lock_stock(keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], ProductStock]:
    """Get or create the (product, site) reservation rows, then lock them in pk order."""
    wanted = set(keys)
    rows: dict[tuple[int, int], ProductStock] = {
        (r.product_id, r.site_id): r
        for r in ProductStock.objects.filter(
            product_id__in={p for p, _s in wanted}, site_id__in={s for _p, s in wanted}
        )
        if (r.product_id, r.site_id) in wanted
    }
    for product_id, site_id in keys:
        row = rows.get((product_id, site_id))
        if row is None:
            try:
                with transaction.atomic():
                    row = ProductStock.objects.create(product_id=product_id, site_id=site_id)
            except IntegrityError:  # a concurrent writer created it first
                row = ProductStock.objects.get(product_id=product_id, site_id=site_id)
        rows[(product_id, site_id)] = row
    pks = sorted(r.pk for r in rows.values())
    locked = {
        r.pk: r for r in ProductStock.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    return {k: locked[r.pk] for k, r in rows.items()}


def _resolve_lines(
    *, network_id: int, lines: Sequence[LineIn]
) -> list[tuple[ProductModel, int, int, int]]:
    """(product, units, grams, quantity_g) per wanted line; merges repeated products."""
    merged: dict[int, list[int]] = {}
    for line in lines:
        if line.units < 0 or line.grams < 0:
            raise GroceryError(GroceryErrorCode.INVALID_QUANTITY)
        if line.units == 0 and line.grams == 0:
            continue
        slot = merged.setdefault(line.product_id, [0, 0])
        slot[0] += line.units
        slot[1] += line.grams
    if not merged:
        raise GroceryError(GroceryErrorCode.EMPTY_ORDER)
    products = {
        p.pk: p
        for p in ProductModel.objects.filter(
            pk__in=merged, network_id=network_id, is_active=True
        ).prefetch_related("tier_prices")
    }
    out = []
    for pid, (units, grams) in merged.items():
        product = products.get(pid)
        if product is None:
            raise GroceryError(GroceryErrorCode.UNKNOWN_PRODUCT)
        if product.sold_by == SoldBy.UNIT:
            if units <= 0 or grams:
                raise GroceryError(GroceryErrorCode.INVALID_QUANTITY)
        elif grams <= 0 or units:
            raise GroceryError(GroceryErrorCode.INVALID_QUANTITY)
        out.append(
            (product, units, grams, quantity_g_of(product=product, units=units, grams=grams))
        )
    return out


# --- member cards ---------------------------------------------------------------------------


@transaction.atomic
def card_issue(
    *,
    household: Household,
    tier: PriceTier,
    proof_kind: str,
    actor: Any,
    today: date | None = None,
) -> MemberCard:
    """Give (or renew) a household's card at a tier; only the tier, expiry and proof kind are
    kept. A self-declared tier must be one the network lets households declare."""
    policy = policy_for(network_id=tier.network_id)
    if policy is None:
        raise GroceryError(GroceryErrorCode.NO_POLICY)
    proof = ProofKind(proof_kind)
    if proof == ProofKind.SELF_DECLARED and not tier.self_declarable:
        raise GroceryError(GroceryErrorCode.TIER_NOT_ALLOWED)
    if (
        policy.eligibility_mode == "mbm"
        and proof == ProofKind.SELF_DECLARED
        and (tier.kind == TierKind.REDUCED)
    ):
        raise GroceryError(GroceryErrorCode.TIER_NOT_ALLOWED)
    expires = (today or timezone.localdate()) + timedelta(days=policy.card_validity_days)
    card = MemberCard.objects.filter(household=household).first()
    if card is None:
        card = MemberCard(household=household, number=_code("C", 8))
    card.tier = tier
    card.tier_expires_on = expires
    card.proof_kind = proof
    card.is_active = True
    card.full_clean()
    card.save()
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        object_type="household",
        object_id=household.pk,
        detail="member card",
    )
    return card


@transaction.atomic
def card_topup(*, card: MemberCard, amount_cents: int, actor: Any) -> MemberCard:
    """Add money to a card's prepaid balance (paid at the counter)."""
    if amount_cents <= 0:
        raise GroceryError(GroceryErrorCode.INVALID_QUANTITY)
    MemberCard.objects.filter(pk=card.pk).update(prepaid_cents=F("prepaid_cents") + amount_cents)
    card.refresh_from_db()
    return card


# --- online orders ----------------------------------------------------------------------------


def _window_open(window: OrderWindow, now: datetime | None = None) -> bool:
    moment = now or timezone.now()
    return window.opens_at <= moment < window.closes_at


def _send_order_email(order_id: int, event: str) -> None:
    """Confirmation email in the household's language (after commit; never fails the order)."""
    order = (
        Order.objects.select_related("household", "window", "window__point")
        .prefetch_related("lines__product")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not order.household.email:
        return
    with translation.override(order.household.preferred_language or settings.LANGUAGE_CODE):
        subjects = {
            "placed": _("Your order %(number)s is confirmed"),
            "changed": _("Your order %(number)s was changed"),
            "cancelled": _("Your order %(number)s is cancelled"),
            "ready": _("Your order %(number)s is ready"),
        }
        subject = subjects[event] % {"number": order.number}
        body = render_to_string(
            "grocery/email/order.txt",
            {
                "order": order,
                "event": event,
                "pickup_start": timezone.localtime(order.window.pickup_starts_at),
                "pickup_end": timezone.localtime(order.window.pickup_ends_at),
                "link": settings.BONNEBOUFFE_SITE_URL + f"/epicerie/commandes/{order.pk}/",
            },
        )
    with contextlib.suppress(OSError):  # the order stands even if the mail server is down
        send_mail(subject, body, None, [order.household.email])


def _reserve(
    *, site_id: int, wanted: list[tuple[ProductModel, int, int, int]], release: dict[int, int]
) -> None:
    """Reserve `wanted` at a site, first giving back `release` (product id -> grams) of the
    same order. Raises NOT_ENOUGH_STOCK naming the first product short."""
    keys = sorted({(p.pk, site_id) for p, *_ in wanted} | {(pid, site_id) for pid in release})
    rows = _lock_stock(keys)
    want = {p.pk: q for p, _u, _g, q in wanted}
    names = {p.pk: p.name for p, *_ in wanted}
    short = [pid for (pid, _site) in rows if want.get(pid, 0) > release.get(pid, 0)]
    onhand = products_onhand_g(product_ids=short, site_id=site_id)
    for (pid, _site), row in sorted(rows.items()):
        delta = want.get(pid, 0) - release.get(pid, 0)
        if delta > 0 and onhand[pid] - row.reserved_g < delta:
            raise GroceryError(GroceryErrorCode.NOT_ENOUGH_STOCK, product=names.get(pid, ""))
        if delta:
            ProductStock.objects.filter(pk=row.pk).update(reserved_g=F("reserved_g") + delta)


@transaction.atomic
def order_place(
    *,
    household: Household,
    window: OrderWindow,
    lines: Sequence[LineIn],
    delivery_address: str = "",
    now: datetime | None = None,
) -> Order:
    """Place an order: reserve its stock at the point's stock site, or fail and change nothing."""
    window = OrderWindow.objects.select_related("point", "point__grocery").get(pk=window.pk)
    if not _window_open(window, now):
        raise GroceryError(GroceryErrorCode.WINDOW_CLOSED)
    if window.point.kind == PointKind.HOME_DELIVERY and not delivery_address.strip():
        raise GroceryError(GroceryErrorCode.ADDRESS_MISSING)
    wanted = _resolve_lines(network_id=window.point.grocery.network_id, lines=lines)
    _reserve(site_id=window.point.stock_site_id, wanted=wanted, release={})
    order = Order.objects.create(
        number=_code("W", 6),
        household=household,
        window=window,
        delivery_address=delivery_address.strip()[:300]
        if window.point.kind == PointKind.HOME_DELIVERY
        else "",
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=order, product=p, units=u, quantity_g=q) for p, u, _g, q in wanted
    )
    Household.objects.filter(pk=household.pk).update(last_activity_at=timezone.now())
    if household.email:
        transaction.on_commit(lambda: _send_order_email(order.pk, "placed"))
    return order


def _order_for_update(order: Order) -> Order:
    # of=("self",): lock the order row only. A bare FOR UPDATE also locks the joined window,
    # point of sale and grocery rows, which serialised every change and cancellation of a
    # grocery and deadlocked with orders being placed (their insert takes a key-share lock on
    # the window while holding stock rows).
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("window", "window__point", "window__point__grocery")
        .get(pk=order.pk)
    )


def _reserved_site(order: Order) -> int:
    """Where an order's reservation sits: the point's stock site, or on board the mobile
    unit once its trip was loaded."""
    point = order.window.point
    if point.kind == PointKind.MOBILE_STOP and order.reserved_on_board:
        return int(point.sale_site_id)
    return int(point.stock_site_id)


@transaction.atomic
def order_change(*, order: Order, lines: Sequence[LineIn], now: datetime | None = None) -> Order:
    """Replace an order's lines until its window closes; reservations follow the difference."""
    order = _order_for_update(order)
    if order.status != OrderStatus.PLACED:
        raise GroceryError(GroceryErrorCode.ORDER_LOCKED)
    if not _window_open(order.window, now):
        raise GroceryError(GroceryErrorCode.WINDOW_CLOSED)
    wanted = _resolve_lines(network_id=order.window.point.grocery.network_id, lines=lines)
    current = {line.product_id: line.quantity_g for line in order.lines.all()}
    _reserve(site_id=_reserved_site(order), wanted=wanted, release=current)
    order.lines.all().delete()
    OrderLine.objects.bulk_create(
        OrderLine(order=order, product=p, units=u, quantity_g=q) for p, u, _g, q in wanted
    )
    order.save(update_fields=["updated_at"])
    transaction.on_commit(lambda: _send_order_email(order.pk, "changed"))
    return order


def _release(order: Order) -> None:
    current = {line.product_id: line.quantity_g for line in order.lines.all()}
    site_id = _reserved_site(order)
    rows = _lock_stock(sorted((pid, site_id) for pid in current))
    for (pid, _site), row in rows.items():
        ProductStock.objects.filter(pk=row.pk).update(reserved_g=F("reserved_g") - current[pid])


@transaction.atomic
def order_cancel(*, order: Order, by_staff: bool = False, now: datetime | None = None) -> Order:
    """Cancel: a household until the window closes, staff until it is collected."""
    order = _order_for_update(order)
    if order.status not in (OrderStatus.PLACED, OrderStatus.READY):
        raise GroceryError(GroceryErrorCode.ORDER_LOCKED)
    if not by_staff and (order.status != OrderStatus.PLACED or not _window_open(order.window, now)):
        raise GroceryError(GroceryErrorCode.WINDOW_CLOSED)
    _release(order)
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: _send_order_email(order.pk, "cancelled"))
    return order


@transaction.atomic
def order_mark_ready(*, order: Order) -> Order:
    order = _order_for_update(order)
    if order.status != OrderStatus.PLACED:
        raise GroceryError(GroceryErrorCode.ORDER_LOCKED)
    order.status = OrderStatus.READY
    order.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: _send_order_email(order.pk, "ready"))
    return order


@transaction.atomic
def order_mark_no_show(*, order: Order) -> Order:
    """Not collected: the reservation is released and the food goes back on the shelf."""
    order = _order_for_update(order)
    if order.status not in (OrderStatus.PLACED, OrderStatus.READY):
        raise GroceryError(GroceryErrorCode.ORDER_LOCKED)
    _release(order)
    order.status = OrderStatus.NO_SHOW
    order.save(update_fields=["status", "updated_at"])
    return order


# --- checkout -----------------------------------------------------------------------------


@transaction.atomic
def sale_checkout(
    *,
    point: PointOfSale,
    cashier: Any,
    lines: Sequence[LineIn] = (),
    order: Order | None = None,
    card: MemberCard | None = None,
    payment_method: str,
    payment_reference: str = "",
    voucher_partner: Organisation | None = None,
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> Sale:
    """Sell at a point of sale, or hand over an order (its reserved stock) and take payment.

    The tier of the card applies silently; each line is taken FEFO from the point's sale
    site as SALE movements of the ledger; every line at a tier other than the regular price
    writes a subsidy entry. With an `idempotency_key` already used (a resend after lost
    signal) the earlier sale is returned and nothing changes.
    """
    if idempotency_key:
        existing = Sale.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    network_id = point.grocery.network_id
    method = PaymentMethod(payment_method)
    if method == PaymentMethod.VOUCHER and (
        not payment_reference.strip() or voucher_partner is None
    ):
        raise GroceryError(GroceryErrorCode.VOUCHER_MISSING)
    release: dict[int, int] = {}
    if order is not None:
        order = _order_for_update(order)
        if (
            order.status not in (OrderStatus.PLACED, OrderStatus.READY)
            or order.window.point_id != point.pk
        ):
            raise GroceryError(GroceryErrorCode.ORDER_LOCKED)
        lines = [
            LineIn(ol.product_id, ol.units, 0 if ol.units else ol.quantity_g)
            for ol in order.lines.all()
        ]
        release = {ol.product_id: ol.quantity_g for ol in order.lines.all()}
        if card is None:
            card = (
                MemberCard.objects.filter(household_id=order.household_id, is_active=True)
                .select_related("tier")
                .first()
            )
    if card is not None and card.tier.network_id != network_id:
        raise GroceryError(GroceryErrorCode.UNKNOWN_CARD)
    tier = card_tier(card=card, network_id=network_id, on=timezone.localdate(at) if at else None)
    regular_tier = tier_regular(network_id=network_id)
    wanted = _resolve_lines(network_id=network_id, lines=lines)
    site_id = int(point.sale_site_id)
    rows = _lock_stock(
        sorted({(p.pk, site_id) for p, *_ in wanted} | {(pid, site_id) for pid in release})
    )
    moment = at or timezone.now()
    sale = Sale(
        number=_code("R", 8),
        point=point,
        card=card,
        tier=tier,
        order=order,
        cashier=cashier if getattr(cashier, "is_authenticated", False) else None,
        at=moment,
        regular_total_cents=0,
        total_cents=0,
        payment_method=method,
        payment_reference=payment_reference.strip()[:60],
        voucher_partner=voucher_partner if method == PaymentMethod.VOUCHER else None,
        idempotency_key=idempotency_key or None,
    )
    sale.save()
    regular_tier_total = charged_total = 0
    onhand = products_onhand_g(product_ids=[p.pk for p, *_ in wanted], site_id=site_id)
    for product, units, grams, quantity_g in wanted:
        row = rows[(product.pk, site_id)]
        own = release.get(product.pk, 0)
        if onhand[product.pk] - (row.reserved_g - own) < quantity_g:
            raise GroceryError(GroceryErrorCode.NOT_ENOUGH_STOCK, product=product.name)
        regular = line_price_cents(product=product, tier=regular_tier, units=units, grams=grams)
        charged = line_price_cents(product=product, tier=tier, units=units, grams=grams)
        line = SaleLine.objects.create(
            sale=sale,
            product=product,
            units=units,
            quantity_g=quantity_g,
            regular_cents=regular,
            charged_cents=charged,
        )
        picks = product_fefo(product_id=product.pk, site_id=site_id, quantity_g=quantity_g)
        lots, locations = _pick_objects(picks)
        for pick in picks:
            movement = movement_record(
                lot=lots[pick.lot_id],
                kind=MovementKind.SALE,
                quantity_g=pick.take_g,
                from_site=point.sale_site,
                from_location=locations.get(pick.location_id),
                recipient=point.grocery,
                reason=_("Sale %(number)s") % {"number": sale.number},
                actor=cashier,
                at=moment,
            )
            SaleLineLot.objects.create(
                line=line, lot_id=pick.lot_id, quantity_g=pick.take_g, movement=movement
            )
        if regular != charged:
            SubsidyEntry.objects.create(
                line=line,
                network_id=network_id,
                tier=tier,
                product=product,
                point=point,
                funder=tier.funder,
                amount_cents=regular - charged,
                at=moment,
            )
        regular_tier_total += regular
        charged_total += charged
    for pid, grams in release.items():  # the order's reservation is now sold
        ProductStock.objects.filter(pk=rows[(pid, site_id)].pk).update(
            reserved_g=F("reserved_g") - grams
        )
    sale.regular_total_cents = regular_tier_total
    sale.total_cents = charged_total
    sale.save(update_fields=["regular_total_cents", "total_cents"])
    if method == PaymentMethod.PREPAID:
        if card is None:
            raise GroceryError(GroceryErrorCode.UNKNOWN_CARD)
        updated = MemberCard.objects.filter(pk=card.pk, prepaid_cents__gte=charged_total).update(
            prepaid_cents=F("prepaid_cents") - charged_total
        )
        if not updated:
            raise GroceryError(GroceryErrorCode.PREPAID_TOO_LOW)
    if order is not None:
        order.status = OrderStatus.COLLECTED
        order.save(update_fields=["status", "updated_at"])
    if card is not None:
        Household.objects.filter(pk=card.household_id).update(last_activity_at=moment)
    return sale


def _pick_objects(picks: Sequence[Any]) -> tuple[dict[int, Lot], dict[int | None, StorageLocation]]:
    """The lots and storage locations of FEFO picks, in two queries (not two per pick)."""
    lots = Lot.objects.in_bulk([p.lot_id for p in picks])
    locations: dict[int | None, StorageLocation] = dict(
        StorageLocation.objects.in_bulk([p.location_id for p in picks if p.location_id])
    )
    return lots, locations


# --- mobile unit ----------------------------------------------------------------------------


@transaction.atomic
def trip_load(
    *, trip: MobileTrip, loads: Sequence[LineIn], actor: Any, at: datetime | None = None
) -> MobileTrip:
    """Load the unit at its home site (again, if needed): the day's pre-orders for its stops
    not yet on board, plus `loads`
    (extra stock for walk-in sales), as FEFO transfers to the unit's site. The orders'
    reservations move on board with them."""
    trip = (
        MobileTrip.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__grocery", "unit__site", "unit__home_site")
        .get(pk=trip.pk)
    )
    # A loaded unit may be topped up (a second load, or orders placed since the first).
    if trip.status == TripStatus.RETURNED:
        raise GroceryError(GroceryErrorCode.TRIP_STATE)
    unit = trip.unit
    network_id = unit.grocery.network_id
    stops = trip_stops(trip=trip)
    orders = list(
        Order.objects.select_for_update(of=("self",))
        .filter(
            window__point__in=[s.point_id for s in stops],
            window__pickup_starts_at__date=trip.date,
            status__in=(OrderStatus.PLACED, OrderStatus.READY),
            reserved_on_board=False,
        )
        .prefetch_related("lines")
    )
    reserved: dict[int, int] = {}
    for o in orders:
        for ol in o.lines.all():
            reserved[ol.product_id] = reserved.get(ol.product_id, 0) + ol.quantity_g
    extra = _resolve_lines(network_id=network_id, lines=loads) if loads else []
    total = dict(reserved)
    for product, _u, _g, q in extra:
        total[product.pk] = total.get(product.pk, 0) + q
    home, board = int(unit.home_site_id), int(unit.site_id)
    rows = _lock_stock(sorted({(pid, home) for pid in total} | {(pid, board) for pid in total}))
    names = dict(ProductModel.objects.filter(pk__in=total).values_list("pk", "name"))
    moment = at or timezone.now()
    onhand_at_home = products_onhand_g(product_ids=total, site_id=home)
    for pid, grams in sorted(total.items()):
        free_extra = grams - reserved.get(pid, 0)
        onhand = onhand_at_home[pid]
        # Reserved pre-orders are already counted in reserved_g; extra load must be free.
        if onhand < grams or onhand - rows[(pid, home)].reserved_g < free_extra:
            raise GroceryError(GroceryErrorCode.NOT_ENOUGH_STOCK, product=names.get(pid, ""))
        picks = product_fefo(product_id=pid, site_id=home, quantity_g=grams)
        lots, locations = _pick_objects(picks)
        for pick in picks:
            movement_record(
                lot=lots[pick.lot_id],
                kind=MovementKind.TRANSFER,
                quantity_g=pick.take_g,
                from_site=unit.home_site,
                from_location=locations.get(pick.location_id),
                to_site=unit.site,
                reason=_("Mobile unit loaded for %(date)s") % {"date": trip.date.isoformat()},
                actor=actor,
                at=moment,
            )
        if reserved.get(pid):
            ProductStock.objects.filter(pk=rows[(pid, home)].pk).update(
                reserved_g=F("reserved_g") - reserved[pid]
            )
            ProductStock.objects.filter(pk=rows[(pid, board)].pk).update(
                reserved_g=F("reserved_g") + reserved[pid]
            )
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(reserved_on_board=True)
    trip.status = TripStatus.LOADED
    trip.loaded_at = trip.loaded_at or moment
    trip.save(update_fields=["status", "loaded_at"])
    return trip


@transaction.atomic
def trip_return(*, trip: MobileTrip, actor: Any, at: datetime | None = None) -> dict[str, int]:
    """Back at the hub: orders not collected become no-shows, and everything still on board
    goes back to the home site in the ledger."""
    trip = (
        MobileTrip.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__site", "unit__home_site")
        .get(pk=trip.pk)
    )
    if trip.status != TripStatus.LOADED:
        raise GroceryError(GroceryErrorCode.TRIP_STATE)
    unit = trip.unit
    stops = trip_stops(trip=trip)
    no_shows = 0
    for order in Order.objects.filter(
        window__point__in=[s.point_id for s in stops],
        window__pickup_starts_at__date=trip.date,
        status__in=(OrderStatus.PLACED, OrderStatus.READY),
    ):
        order_mark_no_show(order=order)
        no_shows += 1
    moment = at or timezone.now()
    returned_g = 0
    for balance in (
        Balance.objects.filter(site_id=unit.site_id, quantity_g__gt=0)
        .select_related("lot")
        .order_by("pk")
    ):
        movement_record(
            lot=balance.lot,
            kind=MovementKind.TRANSFER,
            quantity_g=int(balance.quantity_g),
            from_site=unit.site,
            from_location=balance.location,
            to_site=unit.home_site,
            reason=_("Mobile unit returned unsold stock"),
            actor=actor,
            at=moment,
        )
        returned_g += int(balance.quantity_g)
    trip.status = TripStatus.RETURNED
    trip.returned_at = moment
    trip.save(update_fields=["status", "returned_at"])
    return {"no_shows": no_shows, "returned_g": returned_g}


# --- household data rights (Law 25) ---------------------------------------------------------


def household_grocery_export(*, household: Household) -> dict[str, Any]:
    """The grocery part of a household's data (card, orders, purchases) for portability."""
    card = MemberCard.objects.filter(household=household).select_related("tier").first()
    return {
        "member_card": {
            "number": card.number,
            "price_level": card.tier.name,
            "valid_until": card.tier_expires_on.isoformat(),
            "proof_seen": card.get_proof_kind_display(),
            "prepaid_cents": card.prepaid_cents,
        }
        if card
        else None,
        "orders": [
            {
                "number": o.number,
                "status": o.status,
                "pickup_point": o.window.point.name,
                "pickup_from": o.window.pickup_starts_at.isoformat(),
                "delivery_address": o.delivery_address,
                "lines": [
                    {"product": ol.product.name, "units": ol.units, "quantity_g": ol.quantity_g}
                    for ol in o.lines.all()
                ],
            }
            for o in Order.objects.filter(household=household)
            .select_related("window__point")
            .prefetch_related("lines__product")
        ],
        "purchases": [
            {
                "receipt": s.number,
                "at": s.at.isoformat(),
                "point": s.point.name,
                "total_cents": s.total_cents,
                "payment": s.payment_method,
            }
            for s in Sale.objects.filter(card=card).select_related("point")
        ]
        if card
        else [],
    }


@transaction.atomic
def household_purge_inactive(*, now: datetime | None = None) -> int:
    """Anonymise households inactive longer than their network's retention period.

    The household row stays (orders and sales reference it, and the stock and subsidy
    figures must still close) but loses every personal field; its card is deactivated.
    """
    moment = now or timezone.now()
    purged = 0
    for policy in policy_for_all():
        cutoff = moment - timedelta(days=policy.household_retention_days)
        stale = Household.objects.filter(
            agency__network_id=policy.network_id, last_activity_at__lt=cutoff
        ).exclude(display_name="", email="", phone="", user__isnull=True)
        for household in stale:
            household_anonymise(household=household)
            purged += 1
    return purged


def policy_for_all() -> list[GroceryPolicy]:
    return list(GroceryPolicy.objects.all())


@transaction.atomic
def household_anonymise(*, household: Household, actor: Any = None) -> None:
    """Erase a household's personal information (a deletion request, or the retention job)."""
    Household.objects.filter(pk=household.pk).update(
        display_name="", email="", phone="", user=None, consent_at=None
    )
    Order.objects.filter(household=household).update(delivery_address="")
    MemberCard.objects.filter(household=household).update(is_active=False)
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        object_type="household",
        object_id=household.pk,
        detail="personal data erased",
    )


# --- set-up of a network's grocery ------------------------------------------------------------


@dataclass(frozen=True)
class TierSpec:
    code: str
    name: str
    kind: str
    percent_adjust: int = 0
    max_income_ratio: str | None = None
    self_declarable: bool = True


DEFAULT_TIERS = (
    TierSpec("solidaire", "Solidaire", TierKind.REGULAR),
    TierSpec("privilege", "Privilège", TierKind.REDUCED, -30, "1.00", self_declarable=True),
    TierSpec("au-suivant", "Au suivant", TierKind.PAY_IT_FORWARD, 20),
)


@transaction.atomic
def grocery_setup(
    *,
    network: Any,
    mbm_family_of_4_cents: int,
    mbm_label: str,
    funder_name: str,
    tiers: Sequence[TierSpec] = DEFAULT_TIERS,
) -> GroceryPolicy:
    """Create a network's grocery policy, its funder and its tiers (idempotent by code)."""
    from decimal import Decimal

    from .models import Funder

    policy, _created = GroceryPolicy.objects.update_or_create(
        network=network,
        defaults={"mbm_family_of_4_cents": mbm_family_of_4_cents, "mbm_label": mbm_label},
    )
    funder, _c = Funder.objects.get_or_create(network=network, name=funder_name)
    for position, spec in enumerate(tiers):
        PriceTier.objects.update_or_create(
            network=network,
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "percent_adjust": Decimal(spec.percent_adjust),
                "max_income_ratio": Decimal(spec.max_income_ratio)
                if spec.max_income_ratio
                else None,
                "self_declarable": spec.self_declarable,
                "funder": funder if spec.kind == TierKind.REDUCED else None,
                "position": position,
            },
        )
    return policy


@transaction.atomic
def product_stock_receive(
    *,
    product: ProductModel,
    site: Any,
    quantity_g: int,
    date_kind: str,
    date_value: date | None,
    donor: Organisation | None = None,
    actor: Any = None,
    at: datetime | None = None,
) -> Lot:
    """Receive stock of a product at a grocery site as a new ledger lot linked to it
    (purchased goods, or rescued food handed over by a hub)."""
    from bonnebouffe.inventory.services import LotSpec, lot_receive

    from .models import ProductLot

    site_org = site.organisation
    hub = site_org if site_org.is_hub else (site_org.hub or site_org)
    lot = lot_receive(
        spec=LotSpec(
            product_name=product.name,
            category=product.category,
            storage_class=product.storage_class,
            date_kind=date_kind,
            date_value=date_value,
            allergens=list(product.allergens),
            unit_weight_g=product.unit_weight_g,
        ),
        quantity_g=quantity_g,
        hub=hub,
        site=site,
        donor=donor,
        actor=actor,
        at=at,
    )
    ProductLot.objects.create(lot=lot, product=product)
    return lot


@transaction.atomic
def product_link_lot(*, product: ProductModel, lot: Lot) -> None:
    """Sell an existing ledger lot (rescued or transformed food) as this product."""
    from .models import ProductLot

    ProductLot.objects.update_or_create(lot=lot, defaults={"product": product})
