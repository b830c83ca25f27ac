"""The mobile unit: a sale recorded at a stop without signal is kept on the phone, then sent
once when the signal returns; the public timetable in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import PHONE, checkpoint, open_session, path, sign_in, wait_for_map_points

pytestmark = pytest.mark.browser


def _loaded_trip():  # type: ignore[no-untyped-def]
    """A demo trip of L'Épicerie roulante, loaded with milk-free walk-in stock (while the
    page is idle: the live server shares the database connection)."""
    from bonnebouffe.grocery.models import MobileTrip, TripStatus
    from bonnebouffe.grocery.selectors import trip_stops
    from bonnebouffe.grocery.services import LineIn, trip_load

    trip = next(
        t
        for t in MobileTrip.objects.filter(status=TripStatus.PLANNED)
        .select_related("unit", "unit__home_site", "unit__site", "unit__grocery")
        .order_by("date")
        if trip_stops(trip=t)
    )
    from bonnebouffe.grocery.mobile_selectors import trip_home_stock

    row = next(r for r in trip_home_stock(trip=trip) if r.product.sold_by == "unit")
    trip_load(trip=trip, loads=[LineIn(row.product.pk, units=3)], actor=None)
    return trip, trip_stops(trip=trip)[0], row.product


def test_a_sale_recorded_without_signal_is_sent_once_when_it_returns(browser, demo, live_server):
    from bonnebouffe.grocery.models import MobileTrip, Sale, TripStatus

    trip, stop, product = _loaded_trip()
    sales_before = Sale.objects.count()
    session = open_session(browser, live_server.url, viewport=PHONE)
    try:
        page = session.page
        sign_in(page, live_server, "epicerie.valleyfield")
        page.goto(session.url(path("grocery_mobile:stop_sales", trip.pk, stop.pk)))
        expect(page.locator("#sales-app")).to_be_visible()
        status = page.locator("#queue-status")
        expect(status).to_have_attribute("data-count", "0")
        session.context.set_offline(True)
        page.locator(f"input[data-product='{product.pk}']").fill("2")
        page.locator("#quote-button").click()
        expect(page.locator("#sale-total")).not_to_be_empty()  # estimate at regular price
        page.locator("#record-button").click()
        expect(status).to_have_attribute("data-count", "1")
        # "1 vente en attente" once locale_pending_mobile.json is in the catalogue.
        expect(status).to_contain_text("1")
        checkpoint(page, "phone-mobile-01-sale-waiting")
        assert Sale.objects.count() == sales_before
        session.context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        expect(status).to_have_attribute("data-count", "0")
        expect(page.locator("#sent-sales li")).to_have_count(1)
        checkpoint(page, "phone-mobile-02-sale-sent")
        # The sales view fits the screen (the site header does not always: a long user name
        # pushes its sign-out button out, a problem of base.html reported apart).
        widths = page.evaluate(
            "() => ({app: document.getElementById('sales-app').scrollWidth,"
            " screen: window.innerWidth})"
        )
        assert widths["app"] <= widths["screen"], widths
        page.wait_for_timeout(300)  # no second send
        assert Sale.objects.count() == sales_before + 1
        sale = Sale.objects.order_by("-pk").first()
        assert sale is not None and sale.point_id == stop.point_id
        assert sale.number in page.locator("#sent-sales").inner_text()
        session.assert_clean()
    finally:
        session.context.close()
        from bonnebouffe.grocery.services import trip_return

        trip_return(trip=MobileTrip.objects.get(pk=trip.pk), actor=None)
        assert MobileTrip.objects.get(pk=trip.pk).status == TripStatus.RETURNED


def test_the_public_timetable_in_english(browser, demo, live_server):
    session = open_session(browser, live_server.url, locale="en-CA")
    try:
        page = session.page
        page.goto(session.url(path("grocery_mobile:timetable")))
        expect(page.locator("h1")).to_have_text("Mobile grocery timetable")
        expect(page.locator("section.mobile-unit h2").first).to_have_text("L'Épicerie roulante")
        assert wait_for_map_points(page) == 6
        expect(
            page.get_by_role("cell", name="Stationnement de l'aréna", exact=True)
        ).to_be_visible()
        expect(
            page.get_by_role("link", name="Poster (PDF) — Stationnement de l'aréna")
        ).to_be_visible()
        checkpoint(page, "en-mobile-timetable")
        session.assert_clean()
    finally:
        session.context.close()
