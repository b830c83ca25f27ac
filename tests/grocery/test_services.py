"""Orders reserve stock, checkout applies the tier silently and records the subsidy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from bonnebouffe.grocery.errors import GroceryError, GroceryErrorCode
from bonnebouffe.grocery.models import OrderStatus, ProductStock, SubsidyEntry
from bonnebouffe.grocery.selectors import product_available_g, subsidy_report
from bonnebouffe.grocery.services import (
    LineIn,
    order_cancel,
    order_change,
    order_place,
    sale_checkout,
    trip_load,
    trip_return,
)
from bonnebouffe.inventory.models import Balance, Lot, Movement, MovementKind
from bonnebouffe.inventory.selectors import reconcile

pytestmark = pytest.mark.django_db


def test_an_order_reserves_stock_and_sends_a_confirmation_in_the_household_language(
    tiny_grocery, django_capture_on_commit_callbacks
):
    g = tiny_grocery
    site = g.store.stock_site_id
    with django_capture_on_commit_callbacks(execute=True):
        order = order_place(
            household=g.household, window=g.window, lines=[LineIn(g.milk.pk, units=3)]
        )
    assert order.status == OrderStatus.PLACED
    assert product_available_g(product_id=g.milk.pk, site_id=site) == 47 * 2000
    assert len(mail.outbox) == 1 and order.number in mail.outbox[0].subject
    assert "confirmée" in mail.outbox[0].subject


def test_an_order_for_more_than_is_left_fails_and_reserves_nothing(tiny_grocery):
    g = tiny_grocery
    with pytest.raises(GroceryError) as err:
        order_place(
            household=g.household,
            window=g.window,
            lines=[LineIn(g.apples.pk, grams=1000), LineIn(g.milk.pk, units=51)],
        )
    assert err.value.code == GroceryErrorCode.NOT_ENOUGH_STOCK
    assert not ProductStock.objects.filter(reserved_g__gt=0).exists()


def test_change_and_cancel_follow_the_reservation_and_stop_when_the_window_closes(tiny_grocery):
    g = tiny_grocery
    order = order_place(household=g.household, window=g.window, lines=[LineIn(g.milk.pk, units=5)])
    order_change(order=order, lines=[LineIn(g.milk.pk, units=2), LineIn(g.apples.pk, grams=1500)])
    assert product_available_g(product_id=g.milk.pk, site_id=g.store.stock_site_id) == 48 * 2000
    assert product_available_g(product_id=g.apples.pk, site_id=g.store.stock_site_id) == 18_500
    late = timezone.now() + timedelta(hours=6)
    with pytest.raises(GroceryError) as err:
        order_change(order=order, lines=[LineIn(g.milk.pk, units=1)], now=late)
    assert err.value.code == GroceryErrorCode.WINDOW_CLOSED
    order_cancel(order=order)
    assert product_available_g(product_id=g.milk.pk, site_id=g.store.stock_site_id) == 50 * 2000


def test_checkout_with_a_card_charges_the_tier_price_and_writes_the_subsidy(tiny_grocery):
    g = tiny_grocery
    sale = sale_checkout(
        point=g.store,
        cashier=g.staff,
        lines=[LineIn(g.milk.pk, units=2), LineIn(g.apples.pk, grams=1500)],
        card=g.card,
        payment_method="cash",
    )
    # Regular 2 x 5,00 $ + 1,5 kg x 3,00 $ = 14,50 $; Privilège is 30 % off: 10,15 $.
    assert sale.regular_total_cents == 1450
    assert sale.total_cents == 350 * 2 + 315
    assert sum(SubsidyEntry.objects.values_list("amount_cents", flat=True)) == 1450 - 1015
    report = subsidy_report(
        network_id=g.tn.network.pk, start=timezone.localdate(), end=timezone.localdate()
    )
    assert report["total_cents"] == 435
    assert report["by_tier"][0]["tier__name"] == "Privilège"
    sold = Movement.objects.filter(kind=MovementKind.SALE)
    assert sum(m.quantity_g for m in sold) == 4000 + 1500
    rec = reconcile(Lot.objects.filter(pk__in=sold.values("lot_id")))
    assert rec["gap_g"] == 0 and rec["by_destination_g"]["food"] == 5500


def test_a_walk_in_without_a_card_pays_the_regular_price_and_no_subsidy_is_written(tiny_grocery):
    g = tiny_grocery
    sale = sale_checkout(
        point=g.store, cashier=g.staff, lines=[LineIn(g.milk.pk, units=1)], payment_method="card"
    )
    assert sale.total_cents == 500
    assert not SubsidyEntry.objects.exists()


def test_prepaid_payment_fails_whole_when_the_balance_is_too_low(tiny_grocery):
    g = tiny_grocery
    with pytest.raises(GroceryError) as err:
        sale_checkout(
            point=g.store,
            cashier=g.staff,
            lines=[LineIn(g.milk.pk, units=1)],
            card=g.card,
            payment_method="prepaid",
        )
    assert err.value.code == GroceryErrorCode.PREPAID_TOO_LOW
    assert not Movement.objects.filter(kind=MovementKind.SALE).exists()


def test_a_resent_offline_sale_applies_once(tiny_grocery):
    g = tiny_grocery
    first = sale_checkout(
        point=g.store,
        cashier=g.staff,
        lines=[LineIn(g.milk.pk, units=1)],
        payment_method="cash",
        idempotency_key="k-1",
    )
    again = sale_checkout(
        point=g.store,
        cashier=g.staff,
        lines=[LineIn(g.milk.pk, units=1)],
        payment_method="cash",
        idempotency_key="k-1",
    )
    assert first.pk == again.pk
    assert Movement.objects.filter(kind=MovementKind.SALE).count() == 1


def test_a_mobile_stop_preorder_is_loaded_collected_and_unsold_stock_returns(tiny_grocery):
    g = tiny_grocery
    order = order_place(
        household=g.household, window=g.stop_window, lines=[LineIn(g.milk.pk, units=2)]
    )
    trip_load(trip=g.trip, loads=[LineIn(g.apples.pk, grams=5000)], actor=g.staff)
    truck = g.unit.site_id
    onboard = sum(Balance.objects.filter(site_id=truck).values_list("quantity_g", flat=True))
    assert onboard == 4000 + 5000
    sale = sale_checkout(point=g.stop.point, cashier=g.staff, order=order, payment_method="cash")
    assert sale.total_cents == 700  # the card's tier, silently
    order.refresh_from_db()
    assert order.status == OrderStatus.COLLECTED
    result = trip_return(trip=g.trip, actor=g.staff)
    assert result["returned_g"] == 5000
    assert not Balance.objects.filter(site_id=truck, quantity_g__gt=0).exists()
    assert not ProductStock.objects.filter(reserved_g__gt=0).exists()
