"""The route-planning story of issue 4, in French, on the region demo with its fleet: the
Roussillon coordinator plans tomorrow in a background job, sees the routes on the map (no
tile server) and prints a driver's sheet; the demo driver does today's route on a phone,
part of it with the network cut, and the hub's stock ledger shows the pickups. Every page
gets a screenshot and an axe check."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .helpers import PHONE, checkpoint, open_session, path, sign_in

pytestmark = pytest.mark.browser

COORDINATOR = "coord.roussillon"
DRIVER = "chauffeur.roussillon"


def _models() -> list[type]:
    """What the demo fleet and this story add, children first (deleted afterwards)."""
    from bonnebouffe.core.models import Notification
    from bonnebouffe.inventory.models import Balance, Lot, Movement
    from bonnebouffe.jobs.models import Job
    from bonnebouffe.logistics.models import DeliveryRequest, Driver, RoutePlan, Shift, Vehicle
    from bonnebouffe.rescue.models import (
        Acceptance,
        AcceptanceLine,
        Offer,
        OfferItem,
        Reception,
        ReceptionItem,
    )

    return [
        RoutePlan, Job, Shift, Vehicle, Driver, DeliveryRequest, Notification,
        ReceptionItem, Movement, Balance, Reception, Lot,
        AcceptanceLine, Acceptance, OfferItem, Offer,
    ]  # fmt: skip


@pytest.fixture
def fleet(demo, settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The demo fleet and the work of today and tomorrow; today's Roussillon route planned.
    Everything added is removed afterwards (the other browser tests share the database)."""
    from bonnebouffe.logistics.demo import demo_logistics_generate

    settings.LOGISTICS_PLAN_TIME_LIMIT_S = 2
    before = {m: set(m.objects.values_list("pk", flat=True)) for m in _models()}
    demo_logistics_generate(rng=random.Random(4))
    yield
    from bonnebouffe.inventory.ledger_guard import ledger_purge

    with ledger_purge():  # test clean-up of a shared database: the one place movements go
        for model in _models():
            model.objects.exclude(pk__in=before[model]).delete()


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_coordinator_plans_tomorrow_sees_the_map_and_prints_a_sheet(
    browser, fleet, live_server, tmp_path
):
    from bonnebouffe.logistics.models import RoutePlan

    session = open_session(browser, live_server.url)
    try:
        page = session.page
        sign_in(page, live_server, COORDINATOR)
        page.goto(session.url(path("logistics:plan_list")))
        expect(page.locator("h1")).to_have_text("Tournées")
        tomorrow = timezone.localdate() + timedelta(days=1)
        expect(page.locator("#id_date")).to_have_value(tomorrow.isoformat())
        checkpoint(page, "routes-fr-01-plan-list")
        page.get_by_role("button", name="Planifier les tournées").click()
        # The job page: the (immediate, in tests) job has run; its result links the plan.
        expect(page.locator("#job-bar")).to_have_attribute("value", "100")
        checkpoint(page, "routes-fr-02-job-done")
        plan = RoutePlan.objects.filter(date=tomorrow).latest("pk")
        page.goto(session.url(path("logistics:plan_detail", plan.pk)))
        expect(page.locator("h1")).to_contain_text("Antenne Roussillon")
        page.wait_for_function(
            "() => document.getElementById('plan-map').hasAttribute('data-routes')"
        )
        routes = plan.routes.count()
        assert routes >= 1
        assert page.locator("#plan-map").get_attribute("data-routes") == str(routes)
        expect(page.locator("#plan-legend li")).to_have_count(routes)
        # One polyline per route, drawn without any tile server.
        assert page.locator("#plan-map path.leaflet-interactive").count() >= routes
        report = page.locator("dl.summary")
        expect(report).to_contain_text("km")
        expect(report).to_contain_text("haversine")
        checkpoint(page, "routes-fr-03-plan-map")
        sheet = page.get_by_role("link", name="Feuille de route (PDF)").first
        response = page.request.get(session.url(str(sheet.get_attribute("href"))))
        assert response.status == 200 and response.body().startswith(b"%PDF")
        if shutil.which("pdftotext"):
            text = _pdf_text(response.body(), tmp_path)
            first = plan.routes.order_by("number").first()
            assert first is not None
            for stop in first.stops.select_related("site__organisation"):
                assert stop.site.organisation.name.split(" (")[0][:20] in " ".join(text.split())
            assert "Plage horaire" in text and "Contact" in text
        session.assert_clean()
    finally:
        session.context.close()


def test_a_driver_does_today_route_on_a_phone_through_a_network_cut(browser, fleet, live_server):
    from bonnebouffe.inventory.models import Movement
    from bonnebouffe.logistics.models import RouteStop, StopUpdate

    stops = list(
        RouteStop.objects.filter(
            route__driver__user__username=DRIVER, route__plan__date=timezone.localdate()
        )
        .exclude(kind="depot")
        .order_by("sequence")
    )
    pickups = [s for s in stops if s.kind == "pickup"]
    assert pickups, "today's demo route has a pickup"
    receipts_before = Movement.objects.filter(kind="receipt").count()
    session = open_session(browser, live_server.url, viewport=PHONE)
    try:
        page = session.page
        sign_in(page, live_server, DRIVER)
        page.goto(session.url(path("logistics:driver_today")))
        expect(page.locator("h1")).to_have_text("Ma tournée d'aujourd'hui")
        expect(page.locator(".next-stop")).to_be_visible()
        checkpoint(page, "routes-fr-04-driver-phone")
        widths = page.evaluate(
            "() => ({app: document.getElementById('driver-app').scrollWidth,"
            " screen: window.innerWidth})"
        )
        assert widths["app"] <= widths["screen"], widths
        status = page.locator("#queue-status")
        cut_from = len(stops) // 2  # the second half of the route has no signal
        for n, stop in enumerate(stops):
            expect(page.locator(".next-stop a").first).to_have_attribute("href", f"#stop-{stop.pk}")
            if n == cut_from:
                session.context.set_offline(True)
            item = page.locator(f"#stop-{stop.pk}")
            # Cold enough for the fridge (<= 4 °C) and the freezer (<= -18 °C); asked at
            # pickups, and at the agency's door for a direct shipment.
            for temperature in item.locator("input[name^='t-']").all():
                temperature.fill("-19")
            if stop.kind == "pickup":
                item.get_by_role("button", name="Collecté").click()
            else:
                item.get_by_role("button", name="Livré").click()
            if n >= cut_from:
                expect(status).to_have_attribute("data-count", str(n - cut_from + 1))
        waiting = len(stops) - cut_from
        checkpoint(page, "routes-fr-05-driver-offline")
        assert StopUpdate.objects.filter(stop__in=stops).count() == cut_from
        # The signal returns, but the answer to the first send is lost on the way back: the
        # server applied it, the phone keeps it and sends it again; it counts once.
        lost: list[str] = []

        def lose_first_answer(route):  # type: ignore[no-untyped-def]
            if lost:
                route.continue_()
                return
            route.fetch()  # reaches the server...
            lost.append(route.request.url)
            route.abort()  # ...but the phone hears nothing

        page.route("**/api/logistics/stops/*/updates", lose_first_answer)
        session.context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        for _wait in range(100):  # the route callback runs while Playwright waits
            if lost:
                break
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)
        expect(status).to_have_attribute("data-count", str(waiting))
        assert len(lost) == 1
        assert StopUpdate.objects.filter(stop__in=stops).count() == cut_from + 1
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        expect(status).to_have_attribute("data-count", "0", timeout=15_000)
        expect(page.locator(".next-stop")).to_be_hidden()  # nothing left to do
        page.wait_for_timeout(300)
        assert StopUpdate.objects.filter(stop__in=stops).count() == len(stops)
        assert {s.status for s in RouteStop.objects.filter(pk__in=[s.pk for s in stops])} == {
            "done"
        }
        page.reload()
        checkpoint(page, "routes-fr-06-driver-done")
        # Chromium logs the sends that failed on purpose (no network, the lost answer).
        session.js_errors = [
            e for e in session.js_errors if not e.startswith("Failed to load resource: net::")
        ]
        session.assert_clean()
    finally:
        session.context.close()
    # The stock ledger: one receipt per picked-up item, at the Roussillon hub (or at the
    # agency, for a direct shipment).
    receipts = list(
        Movement.objects.filter(kind="receipt").order_by("-pk")[
            : Movement.objects.filter(kind="receipt").count() - receipts_before
        ]
    )
    assert len(receipts) == sum(len(s.items) for s in pickups)
    hub_pickups = [s for s in pickups if s.ref_id.startswith("acc-")]
    assert hub_pickups
    at_hub = [m for m in receipts if m.to_site.organisation.name == "Antenne Roussillon"]
    assert len(at_hub) == sum(len(s.items) for s in hub_pickups)
    receipts = at_hub
    coordinator = open_session(browser, live_server.url)
    try:
        page = coordinator.page
        sign_in(page, live_server, COORDINATOR)
        lot = receipts[0].lot
        page.goto(coordinator.url(path("inventory:lot_detail", lot.code)))
        expect(page.locator("main")).to_contain_text(lot.product_name)
        expect(page.locator("main table").last).to_contain_text("Réception")
        checkpoint(page, "routes-fr-07-ledger")
        coordinator.assert_clean()
    finally:
        coordinator.context.close()
