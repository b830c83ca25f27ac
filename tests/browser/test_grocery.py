"""The community grocery, in French and in English: a household orders online for a
mobile-unit stop; the order is prepared, loaded, handed over and paid at its tier's price,
and the subsidy is in the ledger; a cashier sells in the store with a member card."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import checkpoint, open_session, path, sign_in

pytestmark = pytest.mark.browser
TEXT = {
    "fr": {"shop": "Épicerie communautaire", "cart": "Mon panier", "receipt": "Reçu"},
    "en": {"shop": "Community grocery", "cart": "My cart", "receipt": "Receipt"},
}


def _switch_to(page, language: str) -> None:
    if language == "en":
        page.locator(".lang-switch button").click()
        page.wait_for_load_state()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_household_orders_for_a_mobile_stop_and_pays_its_tier_price(
    demo, browser, live_server, language
):
    from bonnebouffe.grocery.models import MobileTrip, Order, PointKind, Sale, SubsidyEntry
    from bonnebouffe.grocery.services import trip_load

    text = TEXT[language]
    household = open_session(browser, live_server.url)
    staff = open_session(browser, live_server.url)
    try:
        page = household.page
        sign_in(page, live_server, "menage.demo")
        _switch_to(page, language)
        page.goto(household.url(path("grocery:shop")))
        expect(page.locator("h1")).to_have_text(text["shop"])
        stop_option = (
            page.locator("#id_window option", has_text="—").filter(has_text="Unité mobile").first
        )
        page.locator("#id_window").select_option(stop_option.get_attribute("value"))
        page.locator("form.filters button[type=submit]").click()
        page.wait_for_load_state()
        checkpoint(page, f"grocery-{language}-01-shop")
        first = page.locator("#catalogue input[type=number][step='1']").first
        first.fill("2")
        page.locator("form[action*='panier'] button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator("h1")).to_have_text(text["cart"])
        checkpoint(page, f"grocery-{language}-02-cart")
        page.locator("button[name=action][value=place]").click()
        page.wait_for_load_state()
        order = Order.objects.select_related("window__point").latest("pk")
        assert order.window.point.kind == PointKind.MOBILE_STOP
        expect(page.locator("h1")).to_contain_text(order.number)
        checkpoint(page, f"grocery-{language}-03-order")

        # The grocery team prepares the order, loads the truck, hands it over at the stop.
        spage = staff.page
        sign_in(spage, live_server, "epicerie.valleyfield")
        _switch_to(spage, language)
        spage.goto(staff.url(path("grocery:window_prep", order.window_id)))
        expect(spage.locator(f"#order-{order.number}")).to_be_visible()
        checkpoint(spage, f"grocery-{language}-04-preparation")
        spage.locator(f"#order-{order.number} button[value=ready]").click()
        spage.wait_for_load_state()
        trip = MobileTrip.objects.get(
            unit__stops__point=order.window.point, date=order.window.pickup_starts_at.date()
        )
        trip_load(trip=trip, loads=[], actor=None)
        spage.goto(staff.url(path("grocery:counter", order.window.point_id) + f"?order={order.pk}"))
        expect(spage.locator("#to-charge")).to_contain_text("$")
        assert "Privilège" not in spage.locator("main").inner_text()
        checkpoint(spage, f"grocery-{language}-05-handover")
        spage.locator("#id_payment_method").select_option("cash")
        spage.locator("form:has(input[value=pay]) button.primary").click()
        spage.wait_for_load_state()
        expect(spage.locator("h1")).to_contain_text(text["receipt"])
        checkpoint(spage, f"grocery-{language}-06-receipt")
        assert "Privilège" not in spage.locator("main").inner_text()
        sale = Sale.objects.get(order=order)
        assert sale.total_cents < sale.regular_total_cents
        assert SubsidyEntry.objects.filter(line__sale=sale).exists()
        spage.goto(staff.url(path("grocery:subsidies")))
        checkpoint(spage, f"grocery-{language}-07-subsidies")
        household.assert_clean()
        staff.assert_clean()
    finally:
        household.context.close()
        staff.context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_cashier_sells_in_the_store_with_a_member_card(demo, browser, live_server, language):
    from bonnebouffe.grocery.models import MemberCard, PointKind, PointOfSale, Product, Sale

    text = TEXT[language]
    card = MemberCard.objects.filter(tier__code="privilege", is_active=True).first()
    store = PointOfSale.objects.get(kind=PointKind.STORE)
    milk = Product.objects.get(name="Lait 2 %")
    session = open_session(browser, live_server.url)
    try:
        page = session.page
        sign_in(page, live_server, "epicerie.valleyfield")
        _switch_to(page, language)
        page.goto(session.url(path("grocery:counter", store.pk)))
        checkpoint(page, f"grocery-{language}-10-counter")
        page.locator("#id_code").fill(f"BBCARD:{card.number}")
        page.locator("form.counter-scan button[type=submit]").click()
        page.wait_for_load_state()
        page.locator("#id_code").fill(milk.sku)
        page.locator("#id_quantity").fill("2")
        page.locator("form.counter-scan button[type=submit]").click()
        page.wait_for_load_state()
        # 5,49 $ at 30 % off is 3,84 $ a unit, 7,68 $ for two; only the price to charge shows.
        expect(page.locator("#to-charge")).to_contain_text("7,68" if language == "fr" else "7.68")
        assert "Privilège" not in page.locator("main").inner_text()
        checkpoint(page, f"grocery-{language}-11-basket")
        page.locator("form:has(input[value=pay]) button.primary").click()
        page.wait_for_load_state()
        expect(page.locator("h1")).to_contain_text(text["receipt"])
        sale = Sale.objects.latest("pk")
        assert sale.card_id == card.pk and sale.total_cents == 768
        session.assert_clean()
    finally:
        session.context.close()
