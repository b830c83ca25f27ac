"""200 households ordering the last 50 units at once (PostgreSQL only)."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from django.conf import settings
from django.db import connection, connections

from bonnebouffe.grocery.models import Order, OrderLine, ProductStock
from bonnebouffe.grocery.selectors import product_onhand_g
from bonnebouffe.inventory.models import Balance, Movement, MovementKind

# Skipped before any fixture runs: a transactional test on SQLite would flush the territory
# data that the other tests of the same worker need.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL row locks and several connections",
    ),
]
PROCESSES, THREADS, ORDERS_EACH = 10, 4, 5  # 200 orders, at most 40 connections at once


def _process(window_id: int, household_id: int, product_id: int, queue) -> None:  # type: ignore[no-untyped-def]
    from bonnebouffe.grocery.errors import GroceryError
    from bonnebouffe.grocery.models import OrderWindow
    from bonnebouffe.grocery.services import LineIn, order_place
    from bonnebouffe.households.models import Household

    connections.close_all()
    results: list[str] = []
    barrier = threading.Barrier(THREADS)

    def thread() -> None:
        window = OrderWindow.objects.get(pk=window_id)
        household = Household.objects.get(pk=household_id)
        barrier.wait()
        for _ in range(ORDERS_EACH):
            try:
                order_place(household=household, window=window, lines=[LineIn(product_id, units=1)])
                results.append("ok")
            except GroceryError as exc:
                results.append(str(exc.code))
        connections.close_all()

    threads = [threading.Thread(target=thread) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(results)


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_orders_for_the_last_50_units_sell_exactly_50(tiny_grocery):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and several connections")
    from bonnebouffe.grocery.services import LineIn, sale_checkout

    g = tiny_grocery
    site = g.store.stock_site_id
    assert product_onhand_g(product_id=g.milk.pk, site_id=site) == 50 * 2000
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_process, args=(g.window.pk, g.household.pk, g.milk.pk, queue))
        for _ in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get(timeout=180)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(results) == PROCESSES * THREADS * ORDERS_EACH == 200
    assert results.count("ok") == 50
    assert results.count("not_enough_stock") == 150
    # No lost or half-written order: 50 orders, each with its one line.
    assert Order.objects.count() == 50
    assert OrderLine.objects.filter(units=1, quantity_g=2000).count() == 50
    assert ProductStock.objects.get(product=g.milk, site_id=site).reserved_g == 50 * 2000
    for order in Order.objects.all():
        sale_checkout(point=g.store, cashier=g.staff, order=order, payment_method="cash")
    sold = Movement.objects.filter(kind=MovementKind.SALE, lot__grocery_link__product=g.milk)
    assert sum(m.quantity_g for m in sold) == 50 * 2000
    assert not Balance.objects.filter(quantity_g__lt=0).exists()
    assert product_onhand_g(product_id=g.milk.pk, site_id=site) == 0
    assert ProductStock.objects.get(product=g.milk, site_id=site).reserved_g == 0
    # And one more order now fails cleanly.
    from bonnebouffe.grocery.errors import GroceryError
    from bonnebouffe.grocery.services import order_place

    with pytest.raises(GroceryError):
        order_place(household=g.household, window=g.window, lines=[LineIn(g.milk.pk, units=1)])
