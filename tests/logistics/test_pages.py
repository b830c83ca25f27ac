from __future__ import annotations

import json
import random
import shutil
import subprocess
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.services import membership_create, user_create
from bonnebouffe.inventory.models import Movement
from bonnebouffe.jobs.models import Job, JobStatus
from bonnebouffe.logistics.demo import demo_logistics_generate
from bonnebouffe.logistics.models import (
    Driver,
    RoutePlan,
    RouteStop,
    Shift,
    StopUpdate,
    Vehicle,
)
from bonnebouffe.rescue.models import Reception

from .conftest import hub_plan


@pytest.fixture
def plan(tiny_network, plan_day) -> RoutePlan:  # type: ignore[no-untyped-def]
    return hub_plan(tiny_network, plan_day)


def test_a_coordinator_starts_planning_and_the_job_stores_the_plan(
    tiny_network, plan_day, django_capture_on_commit_callbacks, settings
):
    settings.LOGISTICS_PLAN_TIME_LIMIT_S = 1
    client = tiny_network.client("coord_r")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("logistics:plan_list"),
            {"date": plan_day.date.isoformat(), "hub": tiny_network.hub_roussillon.pk},
        )
    job = Job.objects.get(kind="logistics.plan")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.result)
    assert job.result is not None
    assert RoutePlan.objects.filter(pk=job.result["plan_id"]).exists()


def test_the_plan_page_shows_the_routes_for_the_map_and_the_report(tiny_network, plan):
    response = tiny_network.client("coord_r").get(reverse("logistics:plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(
        html.split('id="plan-map-data" type="application/json">')[1].split("</script>")[0]
    )
    route = data["routes"][0]
    assert len(route["points"]) == 4 and route["points"][0] == route["points"][-1]
    assert "plan_map.js" in html and "leaflet.js" in html


def test_a_coordinator_of_another_hub_cannot_see_the_plan(tiny_network, plan):
    client = tiny_network.client("coord_h")
    assert client.get(reverse("logistics:plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(f"/api/logistics/plans/{plan.pk}").status_code == 404
    assert client.get("/api/logistics/plans").json() == []
    assert client.get(reverse("logistics:route_sheet", args=[plan.pk, 1])).status_code == 404
    assert tiny_network.client("agency_a1").get(reverse("logistics:plan_list")).status_code == 403


def test_the_api_lists_and_shows_plans_in_scope(tiny_network, plan):
    client = tiny_network.client("coord_r")
    rows = client.get("/api/logistics/plans", {"date": plan.date.isoformat()}).json()
    assert [r["id"] for r in rows] == [plan.pk]
    detail = client.get(f"/api/logistics/plans/{plan.pk}").json()
    assert detail["routes"][0]["stops"][0]["kind"] == "depot"


def test_the_route_sheet_pdf_lists_the_stop_addresses(tiny_network, plan, tmp_path):
    response = tiny_network.client("coord_r").get(
        reverse("logistics:route_sheet", args=[plan.pk, 1])
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "sheet.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Ferme Saint-Rémi" in text and "Comptoir Mercier" in text
        assert "1, rue Principale" in text


def _update(client, stop, key, action, **body):
    # In English: the tests read the messages.
    return client.post(
        f"/api/logistics/stops/{stop.pk}/updates",
        json.dumps({"key": key, "action": action, **body}),
        content_type="application/json",
        headers={"accept-language": "en"},
    )


def _items(stop):
    by_class = {i["storage_class"]: str(i["item_id"]) for i in stop.items}
    return by_class["refrigerated"], by_class["ambient"]


def test_a_pickup_sent_twice_is_received_into_the_hub_stock_once(tiny_network, plan):
    client = tiny_network.client("driver_r")
    stop = RouteStop.objects.get(route__plan=plan, kind="pickup")
    lettuce, _carrots = _items(stop)
    key = str(uuid.uuid4())
    body = {"weights_kg": {lettuce: "110.5"}, "temperatures_c": {lettuce: "3.5"}}
    first = _update(client, stop, key, "picked_up", **body)
    again = _update(client, stop, key, "picked_up", weights_kg={lettuce: "999"})
    assert first.status_code == 200 and first.json()["applied_now"] is True
    assert again.status_code == 200 and again.json()["applied_now"] is False
    stop.refresh_from_db()
    assert stop.status == "done" and stop.actual_weights == {lettuce: 110_500}
    assert StopUpdate.objects.filter(stop=stop).count() == 1
    # The ledger: one receipt per item at the route's hub site, the carrots at their
    # planned weight (not re-weighed), the acceptance received.
    receipts = Movement.objects.filter(kind="receipt").order_by("lot__product_name")
    assert [(m.lot.product_name, m.quantity_g) for m in receipts] == [
        ("Carottes", 200_000),
        ("Laitue romaine", 110_500),
    ]
    hub_site = tiny_network.hub_roussillon.sites.order_by("-is_primary", "pk").first()
    assert {m.to_site_id for m in receipts} == {hub_site.pk}
    assert Reception.objects.get().acceptance.received is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "No temperature measured"),
        ({"temperatures_c": {"LETTUCE": "9"}}, "above the limit"),
        ({"weights_kg": {"LETTUCE": "0", "CARROTS": "0"}}, "report a problem"),
        ({"weights_kg": {"LETTUCE": "-2"}}, "between 0 and 100,000"),
        ({"temperatures_c": {"LETTUCE": "hot"}}, "must be numbers"),
    ],
)
def test_a_bad_pickup_is_refused_with_a_reason_and_changes_nothing(
    tiny_network, plan, body, message
):
    stop = RouteStop.objects.get(route__plan=plan, kind="pickup")
    lettuce, carrots = _items(stop)
    body = json.loads(json.dumps(body).replace("LETTUCE", lettuce).replace("CARROTS", carrots))
    client = tiny_network.client("driver_r")
    response = _update(client, stop, str(uuid.uuid4()), "picked_up", **body)
    assert response.status_code == 400 and message in response.json()["detail"]
    stop.refresh_from_db()
    assert stop.status == "planned" and not StopUpdate.objects.exists()
    assert not Movement.objects.exists() and not Reception.objects.exists()


def test_a_problem_needs_a_reason_and_others_cannot_update_the_stop(tiny_network, plan):
    stop = RouteStop.objects.get(route__plan=plan, kind="delivery")
    driver = tiny_network.client("driver_r")
    bad = _update(driver, stop, str(uuid.uuid4()), "problem", reason=" ")
    assert bad.status_code == 400
    assert _update(driver, stop, "not-a-uuid", "delivered").status_code == 400
    other = _update(tiny_network.client("coord_h"), stop, str(uuid.uuid4()), "delivered")
    assert other.status_code == 404
    stop.refresh_from_db()
    assert stop.status == "planned" and not StopUpdate.objects.exists()
    ok = _update(driver, stop, str(uuid.uuid4()), "problem", reason="Fermé")
    assert ok.json()["status"] == "problem"


def test_the_driver_sees_today_route_with_navigation_links(tiny_network, plan):
    RoutePlan.objects.filter(pk=plan.pk).update(date=timezone.localdate())
    html = tiny_network.client("driver_r").get(reverse("logistics:driver_today")).content.decode()
    assert "geo:" in html and "openstreetmap.org/directions" in html
    assert "logistics/driver.js" in html and 'data-action="picked_up"' in html
    # The chilled lettuce asks for its temperature; weights are plain numbers for the input.
    assert 'name="t-' in html and 'value="120.0"' in html


def test_the_driver_page_tells_of_the_next_route_when_none_is_today(tiny_network, plan):
    client = tiny_network.client("driver_r")
    response = client.get(reverse("logistics:driver_today"), headers={"accept-language": "en"})
    html = response.content.decode()
    assert "No route for you today." in html and "Your next route: route 1" in html


@pytest.mark.parametrize("username", ["coord_r", "agency_a1", "donor", "household"])
def test_the_driver_page_is_for_drivers_only(tiny_network, plan, username):
    response = tiny_network.client(username).get(reverse("logistics:driver_today"))
    assert response.status_code == 403


def test_a_driver_account_not_linked_to_a_driver_is_told_so(tiny_network, plan_day):
    user = user_create(username="driver_new", password="not-used-here-123")
    membership_create(user=user, organisation_id=tiny_network.hub_roussillon.pk, role=Role.DRIVER)
    tiny_network.users["driver_new"] = user
    response = tiny_network.client("driver_new").get(
        reverse("logistics:driver_today"), headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "not linked to a driver" in response.content.decode()


def test_a_coordinator_links_a_driver_to_an_account_with_the_driver_role_only(
    tiny_network, plan_day
):
    client = tiny_network.client("coord_r")
    url = reverse("logistics:driver_edit", args=[plan_day.driver.pk])
    data = {
        "hub": tiny_network.hub_roussillon.pk,
        "display_name": "Chauffeur 1",
        "kind": "volunteer",
        "licence_class": "5",
        "weekdays": [0, 1, 2, 3, 4],
        "active": "on",
    }
    refused = client.post(url, {**data, "user": tiny_network.users["agency_a1"].pk})
    assert refused.status_code == 200  # the form again, with its error
    plan_day.driver.refresh_from_db()
    assert plan_day.driver.user == tiny_network.users["driver_r"]
    assert client.post(url, {**data, "user": ""}).status_code == 302
    plan_day.driver.refresh_from_db()
    assert plan_day.driver.user is None


def test_the_fleet_page_lists_only_the_hub_vehicles(tiny_network, plan_day):
    Vehicle.objects.create(
        hub=tiny_network.hub_hsl, name="Camion HSL", capacity_kg=500, cost_per_km=1, cost_per_hour=1
    )
    html = tiny_network.client("coord_r").get(reverse("logistics:fleet")).content.decode()
    assert "Camion 1" in html and "Camion HSL" not in html


def test_the_demo_gives_every_hub_a_fleet_work_and_its_driver_account_a_route(tiny_network):
    user = user_create(username="chauffeur", password="not-used-here-123")
    membership_create(user=user, organisation_id=tiny_network.hub_roussillon.pk, role=Role.DRIVER)
    counts = demo_logistics_generate(rng=random.Random(1))
    # 2 hubs x 2 vehicles, all with a shift tomorrow, the first ones today too.
    assert counts["vehicles"] == 4 and counts["shifts"] == 6
    assert counts["pickups"] > 0 and counts["delivery_requests"] > 0 and counts["plans"] == 1
    driver = Driver.objects.get(user=user)
    assert driver.hub == tiny_network.hub_roussillon and driver.display_name == "Chauffeur 1"
    today_plan = RoutePlan.objects.get(date=timezone.localdate())
    assert today_plan.hub == tiny_network.hub_roussillon
    assert today_plan.routes.filter(driver=driver).exists()
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert Shift.objects.filter(date=tomorrow).count() == 4
    again = demo_logistics_generate(rng=random.Random(1))
    assert again == {k: 0 for k in again}


def test_write_sheet_for_review(tiny_network, plan, tmp_path_factory):  # pragma: no cover
    import os

    out = os.environ.get("BB_SHEET_OUT")
    if not out:
        pytest.skip("set BB_SHEET_OUT to keep a route sheet for review")
    response = tiny_network.client("coord_r").get(
        reverse("logistics:route_sheet", args=[plan.pk, 1])
    )
    with open(out, "wb") as f:
        f.write(response.content)


def test_an_administrator_plans_the_whole_network_with_every_hub_as_a_depot(
    tiny_network, plan_day, django_capture_on_commit_callbacks, settings
):
    settings.LOGISTICS_PLAN_TIME_LIMIT_S = 1
    Vehicle.objects.create(
        hub=tiny_network.hub_hsl, name="Camion HSL", capacity_kg=500, cost_per_km=1, cost_per_hour=1
    )
    client = tiny_network.client("admin")
    page = client.get(reverse("logistics:plan_list"), headers={"accept-language": "en"})
    assert "Whole network" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/logistics/plans",
            {"date": plan_day.date.isoformat(), "network_id": tiny_network.network.pk},
            content_type="application/json",
        )
    assert response.status_code == 201
    job = Job.objects.get(pk=response.json()["job_id"])
    assert job.status == JobStatus.SUCCEEDED, job.error
    plan = RoutePlan.objects.get(pk=job.result["plan_id"])
    assert plan.hub is None
    assert {d["id"] for d in plan.problem_json["depots"]} == {
        f"hub-{tiny_network.hub_roussillon.pk}",
        f"hub-{tiny_network.hub_hsl.pk}",
    }
    # A coordinator sees neither the network's plans nor may start one.
    coord = tiny_network.client("coord_r")
    assert coord.get(f"/api/logistics/plans/{plan.pk}").status_code == 404
    refused = coord.post(
        "/api/logistics/plans",
        {"date": plan_day.date.isoformat(), "network_id": tiny_network.network.pk},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert (
        "Whole network"
        not in coord.get(
            reverse("logistics:plan_list"), headers={"accept-language": "en"}
        ).content.decode()
    )


def test_starting_a_plan_without_hub_or_network_is_refused(tiny_network, plan_day):
    response = tiny_network.client("admin").post(
        "/api/logistics/plans",
        {"date": plan_day.date.isoformat()},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400 and "network_id" in response.json()["detail"]
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"vehicle_weekdays": [6]}, "does not run on that weekday"),
        ({"driver_weekdays": [6]}, "not available on that weekday"),
        ({"licence_class": "3"}, "needs a class 3 licence"),
    ],
)
def test_a_shift_needs_an_available_vehicle_and_a_driver_with_the_licence(
    tiny_network, plan_day, change, message
):
    vehicle, driver = plan_day.vehicle, plan_day.driver
    if "vehicle_weekdays" in change:
        vehicle.weekdays = change["vehicle_weekdays"]
    if "driver_weekdays" in change:
        driver.weekdays = change["driver_weekdays"]
        driver.save()
    if "licence_class" in change:
        vehicle.licence_class = change["licence_class"]
    vehicle.save()
    day = plan_day.date + timedelta(days=7 if plan_day.date.weekday() != 6 else 1)
    if day.weekday() == 6:
        day += timedelta(days=1)
    response = tiny_network.client("coord_r").post(
        reverse("logistics:shift_add"),
        {"vehicle": vehicle.pk, "driver": driver.pk, "date": day, "start": "08:00", "end": "12:00"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Shift.objects.filter(date=day).exists()


def test_a_class_1_driver_may_drive_a_class_3_truck(tiny_network, plan_day):
    plan_day.vehicle.licence_class = "3"
    plan_day.vehicle.save()
    plan_day.driver.licence_class = "1"
    plan_day.driver.save()
    day = plan_day.date + timedelta(days=7)
    response = tiny_network.client("coord_r").post(
        reverse("logistics:shift_add"),
        {
            "vehicle": plan_day.vehicle.pk,
            "driver": plan_day.driver.pk,
            "date": day,
            "start": "08:00",
            "end": "12:00",
        },
    )
    assert response.status_code == 302 and Shift.objects.filter(date=day).exists()


def test_the_plan_page_lists_sites_too_small_for_the_vehicle(tiny_network, plan_day, plan):
    Vehicle.objects.filter(pk=plan_day.vehicle.pk).update(max_length_m=Decimal("7.5"))
    tiny_network.agency_mercier.sites.update(max_vehicle_length_m=Decimal("5.0"))
    html = (
        tiny_network.client("coord_r")
        .get(reverse("logistics:plan_detail", args=[plan.pk]), headers={"accept-language": "en"})
        .content.decode()
    )
    assert "Access to check" in html
    assert "Route 1 (Camion 1) at Comptoir Mercier: vehicles up to 5.0 m." in html


def test_the_planner_keeps_a_too_long_truck_out_of_a_small_site(tiny_network, plan_day):
    Vehicle.objects.filter(pk=plan_day.vehicle.pk).update(max_length_m=Decimal("7.5"))
    tiny_network.agency_mercier.sites.update(max_vehicle_length_m=Decimal("5.0"))
    plan = hub_plan(tiny_network, plan_day)
    mercier = set(tiny_network.agency_mercier.sites.values_list("pk", flat=True))
    assert not RouteStop.objects.filter(route__plan=plan, site_id__in=mercier).exists()
    assert [lo["reason"] for lo in plan.left_out if lo["site_id"] in mercier] == [
        "vehicle_too_long"
    ]
    html = (
        tiny_network.client("coord_r")
        .get(reverse("logistics:plan_detail", args=[plan.pk]), headers={"accept-language": "en"})
        .content.decode()
    )
    assert "every vehicle is too long for the site" in html
