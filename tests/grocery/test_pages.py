"""The grocery pages, through the Django test client, in French."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bonnebouffe.accounts.models import AuditLogEntry
from bonnebouffe.grocery.models import MemberCard, Order, Product, Sale, SubsidyEntry

pytestmark = pytest.mark.django_db


def _client(g, username):
    return g.tn.client(username)


def test_a_household_shops_fills_its_cart_and_places_an_order(tiny_grocery):
    g = tiny_grocery
    c = _client(g, "menage_g")
    page = c.get(reverse("grocery:shop") + f"?window={g.window.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Épicerie communautaire" in body
    assert "3,50" in body  # the household's own price for milk (Privilège, 30 % off 5,00 $)
    c.post(reverse("grocery:cart", args=[g.window.pk]), {f"q_{g.milk.pk}": "2"})
    cart = c.get(reverse("grocery:cart", args=[g.window.pk])).content.decode()
    assert "7,00" in cart
    placed = c.post(
        reverse("grocery:cart", args=[g.window.pk]), {f"q_{g.milk.pk}": "2", "action": "place"}
    )
    order = Order.objects.get()
    assert placed.status_code == 302 and order.lines.get().units == 2


def test_a_bad_quantity_is_refused_with_a_french_message_and_changes_nothing(tiny_grocery):
    g = tiny_grocery
    c = _client(g, "menage_g")
    page = c.post(
        reverse("grocery:cart", args=[g.window.pk]),
        {f"q_{g.milk.pk}": "beaucoup", "action": "place"},
        follow=True,
    )
    assert "nombre entier" in page.content.decode()
    assert not Order.objects.exists()


def test_the_cashier_sells_with_a_member_card_and_the_receipt_never_names_the_tier(tiny_grocery):
    g = tiny_grocery
    c = _client(g, "caisse")
    url = reverse("grocery:counter", args=[g.store.pk])
    c.post(url, {"action": "scan", "code": f"BBCARD:{g.card.number}", "quantity": 1})
    c.post(url, {"action": "scan", "code": "M1", "quantity": 2})
    screen = c.get(url).content.decode()
    assert "7,00" in screen and "Privilège" not in screen
    done = c.post(url, {"action": "pay", "payment_method": "cash", "key": "t-1"})
    sale = Sale.objects.get()
    assert done.status_code == 302 and sale.total_cents == 700
    receipt = c.get(reverse("grocery:receipt", args=[sale.pk])).content.decode()
    assert "7,00" in receipt and "Privilège" not in receipt and "Solidaire" not in receipt
    assert SubsidyEntry.objects.get().amount_cents == 300


def test_a_lot_label_qr_adds_its_product_at_the_counter(tiny_grocery):
    g = tiny_grocery
    c = _client(g, "caisse")
    lot = g.milk.lot_links.get().lot
    url = reverse("grocery:counter", args=[g.store.pk])
    c.post(url, {"action": "scan", "code": f"http://x/stock/lots/{lot.code}/", "quantity": 1})
    assert "5,00" in c.get(url).content.decode()


def test_households_and_other_organisations_cannot_open_the_counter(tiny_grocery):
    g = tiny_grocery
    for username in ("menage_g", "organisme.chateauguay"):
        if username not in g.tn.users:
            continue
        assert _client(g, username).get(reverse("grocery:staff_home")).status_code == 403
    assert (
        _client(g, "menage_g").get(reverse("grocery:counter", args=[g.store.pk])).status_code == 403
    )


def test_staff_give_a_card_from_an_income_band_and_no_amount_is_stored(tiny_grocery):
    g = tiny_grocery
    MemberCard.objects.all().delete()
    c = _client(g, "caisse")
    url = reverse("grocery:member_card", args=[g.household.pk])
    page = c.get(url).content.decode()
    assert "Jusqu" in page  # bands in dollars for the household's size
    band = re.search(r"Jusqu[^<]*par an", page)
    assert band and ",00" not in band.group(0) and re.search(r"\d\s\$", band.group(0))  # whole $
    c.post(
        url, {"household_size": 3, "way": "band", "band": "0:privilege", "proof_kind": "document"}
    )
    card = MemberCard.objects.get()
    assert card.tier.code == "privilege" and card.proof_kind == "document"
    assert AuditLogEntry.objects.filter(object_type="household", object_id=str(g.household.pk))


def test_the_preparation_list_totals_orders_and_shows_fefo_lots(tiny_grocery):
    from bonnebouffe.grocery.services import LineIn, order_place

    g = tiny_grocery
    order_place(household=g.household, window=g.window, lines=[LineIn(g.milk.pk, units=3)])
    page = _client(g, "caisse").get(reverse("grocery:window_prep", args=[g.window.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and g.milk.lot_links.get().lot.code in body


def test_a_household_downloads_all_its_data_and_the_access_is_logged(tiny_grocery):
    g = tiny_grocery
    response = _client(g, "menage_g").get(reverse("grocery:my_data"))
    data = json.loads(response.content)
    assert data["reference"] == "G-0001"
    assert data["grocery"]["member_card"]["number"] == g.card.number
    assert AuditLogEntry.objects.filter(action="export").exists()


def test_subsidy_page_shows_totals_only_to_staff(tiny_grocery):
    g = tiny_grocery
    assert _client(g, "caisse").get(reverse("grocery:subsidies")).status_code == 200
    assert _client(g, "menage_g").get(reverse("grocery:subsidies")).status_code == 403


def test_the_catalogue_renders_with_the_same_number_of_queries_for_50_or_5000_products(
    tiny_grocery,
):
    g = tiny_grocery
    c = _client(g, "menage_g")
    url = reverse("grocery:shop") + f"?window={g.window.pk}"

    def add(n, start):
        Product.objects.bulk_create(
            Product(
                network=g.tn.network,
                sku=f"X{start + i}",
                name=f"Produit {start + i:05d}",
                category="dry_goods",
                storage_class="ambient",
                source="purchased",
                sold_by="unit",
                unit_weight_g=500,
                regular_price_cents=199,
            )
            for i in range(n)
        )

    add(50, 0)
    c.get(url)
    with CaptureQueriesContext(connection) as small:
        assert c.get(url).status_code == 200
    add(4950, 50)
    with CaptureQueriesContext(connection) as large:
        assert c.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


def test_an_order_page_with_100_lines_renders_with_a_constant_number_of_queries(tiny_grocery):
    from bonnebouffe.grocery.models import OrderLine

    g = tiny_grocery
    products = Product.objects.bulk_create(
        Product(
            network=g.tn.network,
            sku=f"Y{i}",
            name=f"Article {i:03d}",
            category="dry_goods",
            storage_class="ambient",
            source="purchased",
            sold_by="unit",
            unit_weight_g=500,
            regular_price_cents=199,
        )
        for i in range(100)
    )
    order = Order.objects.create(number="WTEST1", household=g.household, window=g.window)
    OrderLine.objects.bulk_create(
        OrderLine(order=order, product=p, units=1, quantity_g=500) for p in products[:10]
    )
    c = _client(g, "menage_g")
    url = reverse("grocery:order_detail", args=[order.pk])
    c.get(url)
    with CaptureQueriesContext(connection) as small:
        c.get(url)
    OrderLine.objects.bulk_create(
        OrderLine(order=order, product=p, units=1, quantity_g=500) for p in products[10:]
    )
    with CaptureQueriesContext(connection) as large:
        assert "Article 099" in c.get(url).content.decode()
    assert len(large) == len(small)


def test_a_walk_in_household_registers_with_the_minimum_and_gets_a_card(tiny_grocery):
    from bonnebouffe.households.models import Household

    g = tiny_grocery
    c = _client(g, "caisse")
    town = g.household.municipality
    before = set(Household.objects.values_list("pk", flat=True))
    refused = c.post(reverse("grocery:members"), {"size": 2, "municipality": town.pk})
    assert refused.status_code == 200 and Household.objects.count() == len(before)  # no consent
    done = c.post(
        reverse("grocery:members"),
        {"size": 2, "municipality": town.pk, "preferred_language": "en", "consent": "on"},
    )
    new = Household.objects.exclude(pk__in=before).get()
    assert done.status_code == 302 and new.reference.startswith("E-")
    assert new.display_name == "" and new.email == "" and new.agency_id == g.store.grocery_id
    assert AuditLogEntry.objects.filter(object_id=str(new.pk), detail="registered").exists()
