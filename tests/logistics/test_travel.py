"""The planning asks the travel-time provider chosen in the settings; an OSRM table service
is a real HTTP server on localhost here (the outside world, faked)."""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bonnebouffe.jobs.services import JobFailed
from bonnebouffe.logistics.models import RoutePlan
from bonnebouffe.logistics.services import PlanningError, planning_input_build
from bonnebouffe.logistics.tasks import plan_job


class _Osrm(BaseHTTPRequestHandler):
    calls: list[str] = []

    def do_GET(self) -> None:
        _Osrm.calls.append(self.path)
        coords = self.path.split("/table/v1/driving/")[1].split("?")[0].split(";")
        pts = [tuple(map(float, c.split(","))) for c in coords]
        # Straight-line metres x 1.5, at 36 km/h: clearly not the haversine default.
        dist = [[1.5 * 111_000 * math.dist(a, b) for b in pts] for a in pts]
        body = json.dumps(
            {"code": "Ok", "distances": dist, "durations": [[d / 10 for d in r] for r in dist]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Osrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Osrm.calls = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _params(tiny_network, plan_day) -> dict[str, object]:
    return {
        "date": plan_day.date.isoformat(),
        "network_id": tiny_network.network.pk,
        "hub_id": tiny_network.hub_roussillon.pk,
        "time_limit_s": 1,
    }


def test_the_default_provider_takes_its_factors_from_the_settings(tiny_network, plan_day, settings):
    settings.LOGISTICS_TRAVEL = {
        "provider": "haversine",
        "detour_factor": 1.5,
        "rural_speed_kmh": 70,
    }
    result = plan_job(_params(tiny_network, plan_day), lambda p, m="": None)
    plan = RoutePlan.objects.get(pk=result["plan_id"])
    assert plan.provider == "haversine"
    assert plan.factors["detour_factor"] == 1.5 and plan.factors["rural_speed_kmh"] == 70


def test_an_osrm_service_gives_the_matrix_once_and_the_plan_says_so(
    tiny_network, plan_day, settings, osrm, tmp_path
):
    settings.LOGISTICS_TRAVEL = {"provider": "osrm", "url": osrm, "cache_dir": str(tmp_path)}
    result = plan_job(_params(tiny_network, plan_day), lambda p, m="": None)
    plan = RoutePlan.objects.get(pk=result["plan_id"])
    assert plan.provider == "osrm" and plan.factors["base_url"] == osrm
    assert plan.problem_json["travel"]["provider"] == "matrix"
    assert len(_Osrm.calls) == 1 and "annotations=distance,duration" in _Osrm.calls[0]
    # The same places again: the matrix comes from the cache directory, no new request.
    planning_input_build(
        day=plan_day.date, network_id=tiny_network.network.pk, hub_id=tiny_network.hub_roussillon.pk
    )
    assert len(_Osrm.calls) == 1 and list(tmp_path.glob("*.json"))


def test_an_unreachable_service_fails_the_job_with_a_clear_message(
    tiny_network, plan_day, settings
):
    settings.LOGISTICS_TRAVEL = {"provider": "osrm", "url": "http://127.0.0.1:9", "timeout_s": 2}
    with pytest.raises(JobFailed, match=re.escape("127.0.0.1:9")) as info:
        plan_job(_params(tiny_network, plan_day), lambda p, m="": None)
    assert "osrm" in str(info.value)
    assert not RoutePlan.objects.exists()


@pytest.mark.parametrize(
    "conf", [{"provider": "valhalla"}, {"provider": "google", "url": "http://x"}]
)
def test_a_provider_badly_set_up_is_refused(tiny_network, plan_day, settings, conf):
    settings.LOGISTICS_TRAVEL = conf
    with pytest.raises(PlanningError):
        planning_input_build(
            day=plan_day.date,
            network_id=tiny_network.network.pk,
            hub_id=tiny_network.hub_roussillon.pk,
        )
