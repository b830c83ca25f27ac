"""The fleet and the driver's routes through the REST API (same rules as the pages)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from bonnebouffe.logistics.models import RoutePlan, Shift, Vehicle
from bonnebouffe.logistics.tasks import plan_job


def _post(client, url, body, method="post"):  # type: ignore[no-untyped-def]
    return getattr(client, method)(
        url, body, content_type="application/json", headers={"accept-language": "en"}
    )


def test_a_coordinator_builds_the_fleet_through_the_api(tiny_network, plan_day):
    client = tiny_network.client("coord_r")
    hub = tiny_network.hub_roussillon.pk
    vehicle = _post(
        client,
        "/api/logistics/vehicles",
        {"hub_id": hub, "name": "Camion 2", "capacity_kg": 2000, "refrigerated_kg": 500,
         "cost_per_km": "0.7", "cost_per_hour": "30", "weekdays": [0, 1, 2, 3, 4]},
    )  # fmt: skip
    assert vehicle.status_code == 201, vehicle.content
    driver = _post(
        client,
        "/api/logistics/drivers",
        {"hub_id": hub, "display_name": "Chauffeur 3", "kind": "volunteer", "weekdays": [0, 1]},
    )
    assert driver.status_code == 201, driver.content
    monday = plan_day.date + timedelta(days=(7 - plan_day.date.weekday()) % 7 or 7)
    shift = {
        "vehicle_id": vehicle.json()["id"],
        "driver_id": driver.json()["id"],
        "date": monday.isoformat(),
        "start": "08:00",
        "end": "15:00",
    }
    assert _post(client, "/api/logistics/shifts", shift).status_code == 201
    # Tuesday + 1: the driver is not available on Wednesday.
    wednesday = {**shift, "date": (monday + timedelta(days=2)).isoformat()}
    refused = _post(client, "/api/logistics/shifts", wednesday)
    assert refused.status_code == 422
    assert "not available on that weekday" in refused.json()["errors"][0]["message"]
    names = [v["name"] for v in client.get("/api/logistics/vehicles").json()]
    assert names == ["Camion 1", "Camion 2"]
    updated = _post(
        client,
        f"/api/logistics/vehicles/{vehicle.json()['id']}",
        {**vehicle.json(), "capacity_kg": 2500},
        method="put",
    )
    assert updated.status_code == 200 and updated.json()["capacity_kg"] == 2500
    assert Shift.objects.filter(vehicle_id=vehicle.json()["id"]).count() == 1


def test_the_fleet_api_keeps_to_the_scope_and_refuses_bad_input(tiny_network, plan_day):
    other = tiny_network.client("coord_h")
    body = {"hub_id": tiny_network.hub_roussillon.pk, "name": "Intrus", "capacity_kg": 100,
            "cost_per_km": "1", "cost_per_hour": "1"}  # fmt: skip
    assert _post(other, "/api/logistics/vehicles", body).status_code == 404
    assert [v["name"] for v in other.get("/api/logistics/vehicles").json()] == []
    assert tiny_network.client("agency_a1").get("/api/logistics/vehicles").status_code == 403
    mine = tiny_network.client("coord_r")
    bad_days = _post(mine, "/api/logistics/vehicles", {**body, "weekdays": [9]})
    assert bad_days.status_code == 400 and "0 (Monday)" in bad_days.json()["detail"]
    cold = _post(mine, "/api/logistics/vehicles", {**body, "refrigerated_kg": 500})
    assert cold.status_code == 422  # more cold space than payload
    assert not Vehicle.objects.filter(name="Intrus").exists()


def test_a_driver_reads_today_route_through_the_api(tiny_network, plan_day):
    result = plan_job(
        {
            "date": plan_day.date.isoformat(),
            "network_id": tiny_network.network.pk,
            "hub_id": tiny_network.hub_roussillon.pk,
            "time_limit_s": 1,
        },
        lambda p, m="": None,
    )
    RoutePlan.objects.filter(pk=result["plan_id"]).update(date=timezone.localdate())
    routes = tiny_network.client("driver_r").get("/api/logistics/my/routes").json()
    assert len(routes) == 1
    kinds = [s["kind"] for s in routes[0]["stops"]]
    assert kinds[0] == kinds[-1] == "depot" and "pickup" in kinds
    assert routes[0]["stops"][1]["address"] == "1, rue Principale"
    assert tiny_network.client("coord_h").get("/api/logistics/my/routes").json() == []


def test_a_delivery_request_to_any_site_of_the_network_goes_into_the_plan(tiny_network, plan_day):
    client = tiny_network.client("coord_r")
    site = tiny_network.agency_huntingdon.sites.get()  # another hub's agency, same network
    body = {
        "hub_id": tiny_network.hub_roussillon.pk,
        "site_id": site.pk,
        "date": plan_day.date.isoformat(),
        "ambient_kg": "40",
        "window_start": "10:00",
        "window_end": "14:00",
    }
    created = _post(client, "/api/logistics/delivery-requests", body)
    assert created.status_code == 201, created.content
    rows = client.get("/api/logistics/delivery-requests", {"date": plan_day.date}).json()
    assert created.json()["id"] in [r["id"] for r in rows]
    for bad, field in [
        ({"ambient_kg": "0"}, "ambient_kg"),
        ({"window_end": "09:00"}, "window_end"),
        ({"window_end": None}, "window_end"),
    ]:
        refused = _post(client, "/api/logistics/delivery-requests", {**body, **bad})
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["field"] == field
    other = tiny_network.client("coord_h")
    assert _post(other, "/api/logistics/delivery-requests", body).status_code == 404
    result = plan_job(
        {
            "date": plan_day.date.isoformat(),
            "network_id": tiny_network.network.pk,
            "hub_id": tiny_network.hub_roussillon.pk,
            "time_limit_s": 1,
        },
        lambda p, m="": None,
    )
    plan = RoutePlan.objects.get(pk=result["plan_id"])
    ref = f"req-{created.json()['id']}"
    stop = next(s for s in plan.problem_json["stops"] if s["id"] == ref)
    assert (stop["tw_early_s"], stop["tw_late_s"]) == (10 * 3600, 14 * 3600)


def test_the_delivery_request_page_adds_one(tiny_network, plan_day):
    client = tiny_network.client("coord_r")
    site = tiny_network.agency_mercier.sites.get()
    response = client.post(
        "/tournees/livraisons/ajouter/",
        {
            "hub": tiny_network.hub_roussillon.pk,
            "site": site.pk,
            "date": plan_day.date.isoformat(),
            "ambient_kg": "25",
            "refrigerated_kg": "0",
            "frozen_kg": "0",
        },
    )
    assert response.status_code == 302
    page = client.get("/tournees/livraisons/").content.decode()
    assert page.count("Comptoir Mercier") == 2  # the fixture's request and this one
