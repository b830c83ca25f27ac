from __future__ import annotations

import json
import random
import shutil
import subprocess
import uuid

import pytest
from django.urls import reverse

from bonnebouffe.jobs.models import Job, JobStatus
from bonnebouffe.logistics.demo import demo_logistics_generate
from bonnebouffe.logistics.models import (
    RoutePlan,
    RouteStop,
    Shift,
    StopUpdate,
    Vehicle,
)
from bonnebouffe.logistics.tasks import plan_job


@pytest.fixture
def plan(tiny_network, plan_day) -> RoutePlan:  # type: ignore[no-untyped-def]
    result = plan_job(
        {
            "date": plan_day.date.isoformat(),
            "network_id": tiny_network.network.pk,
            "hub_id": tiny_network.hub_roussillon.pk,
            "time_limit_s": 1,
        },
        _no_progress,
    )
    return RoutePlan.objects.get(pk=result["plan_id"])


def _no_progress(percent: int, message: str = "") -> None:
    pass


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
    return client.post(
        f"/api/logistics/stops/{stop.pk}/updates",
        json.dumps({"key": key, "action": action, **body}),
        content_type="application/json",
    )


def test_a_driver_update_sent_twice_is_applied_once(tiny_network, plan):
    client = tiny_network.client("driver_r")
    stop = RouteStop.objects.get(route__plan=plan, kind="pickup")
    key = str(uuid.uuid4())
    item_id = str(stop.items[0]["item_id"])
    first = _update(client, stop, key, "picked_up", weights_kg={item_id: "110.5"})
    again = _update(client, stop, key, "picked_up", weights_kg={item_id: "999"})
    assert first.status_code == 200 and first.json()["applied_now"] is True
    assert again.status_code == 200 and again.json()["applied_now"] is False
    stop.refresh_from_db()
    assert stop.status == "done" and stop.actual_weights == {item_id: 110_500}
    assert StopUpdate.objects.filter(stop=stop).count() == 1


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
    plan.date = plan.date.__class__.today()
    RoutePlan.objects.filter(pk=plan.pk).update(
        date=__import__("django").utils.timezone.localdate()
    )
    html = tiny_network.client("driver_r").get(reverse("logistics:driver_today")).content.decode()
    assert "geo:" in html and "openstreetmap.org/directions" in html
    assert "logistics/driver.js" in html and 'data-action="picked_up"' in html


def test_the_fleet_page_lists_only_the_hub_vehicles(tiny_network, plan_day):
    Vehicle.objects.create(
        hub=tiny_network.hub_hsl, name="Camion HSL", capacity_kg=500, cost_per_km=1, cost_per_hour=1
    )
    html = tiny_network.client("coord_r").get(reverse("logistics:fleet")).content.decode()
    assert "Camion 1" in html and "Camion HSL" not in html


def test_the_demo_gives_every_hub_a_fleet_and_tomorrow_work(tiny_network):
    counts = demo_logistics_generate(rng=random.Random(1))
    assert counts["vehicles"] == 4 and counts["shifts"] == 4
    assert Shift.objects.filter(driver__display_name__startswith="Chauffeur").count() == 4
    again = demo_logistics_generate(rng=random.Random(1))
    assert again["vehicles"] == 0


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
