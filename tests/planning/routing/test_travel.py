"""Travel-time providers, including fake OSRM / Valhalla HTTP servers (no internet)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from bonnebouffe.planning.routing import (
    ErrorCode,
    EuclideanProvider,
    HaversineProvider,
    Location,
    MatrixCache,
    OsrmProvider,
    RoutingInputError,
    TravelTimeProvider,
    ValhallaProvider,
    attach_matrix,
    solve_routing,
    validate_routing,
)
from bonnebouffe.planning.routing.jsonio import load_problem, problem_from_dict, problem_to_dict

SAMPLE = Path(__file__).resolve().parents[3] / "src/bonnebouffe/planning/routing/samples/tiny.json"
MTL = Location(45.5017, -73.5673, urban=True)
QC = Location(46.8139, -71.2080, urban=True)


def test_haversine_distances_and_speeds() -> None:
    prov = HaversineProvider()
    assert isinstance(prov, TravelTimeProvider)
    dist, dur = prov.matrix([MTL, QC])
    assert 230_000 * 1.3 < dist[0, 1] < 236_000 * 1.3
    assert dist[0, 0] == 0 and dist[0, 1] == dist[1, 0]
    # 6 km at 40 km/h (3 km each end) and the rest at 80 km/h
    expected = 6000 / (40 / 3.6) + (dist[0, 1] - 6000) / (80 / 3.6)
    assert abs(dur[0, 1] - expected) <= 1
    rural = HaversineProvider().matrix([Location(45.5, -73.5), Location(45.6, -73.5)])
    assert abs(rural[1][0, 1] - rural[0][0, 1] / (80 / 3.6)) <= 1
    with pytest.raises(RoutingInputError):
        HaversineProvider(detour_factor=0)


def test_euclidean_dimacs() -> None:
    dist, dur = EuclideanProvider(scale=10, rounding="trunc").matrix(
        [Location(0, 0), Location(lat=1, lon=1)]
    )
    assert dist[0, 1] == 14 and dur[0, 1] == 14


class _Handler(BaseHTTPRequestHandler):
    calls: list[str] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, body: Any, status: int = 200) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        _Handler.calls.append(self.path)
        if not self.path.startswith("/table/v1/driving/"):
            self._send({"code": "InvalidUrl"}, 400)
            return
        coords = self.path.split("/")[4].split("?")[0].split(";")
        n = len(coords)
        self._send(
            {
                "code": "Ok",
                "distances": [
                    [0 if i == j else 1000.4 * (i + j) for j in range(n)] for i in range(n)
                ],
                "durations": [
                    [0 if i == j else 60.0 * (i + j) for j in range(n)] for i in range(n)
                ],
            }
        )

    def do_POST(self) -> None:
        _Handler.calls.append(self.path)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        n = len(body["sources"])
        self._send(
            {
                "sources_to_targets": [
                    [
                        {
                            "from_index": i,
                            "to_index": j,
                            "distance": 1.5 * abs(i - j),
                            "time": 90 * abs(i - j),
                        }
                        for j in range(n)
                    ]
                    for i in range(n)
                ]
            }
        )


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.calls.clear()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_osrm_provider_and_cache(server: str, tmp_path: Path) -> None:
    prov = OsrmProvider(base_url=server, timeout_s=5, cache=MatrixCache(directory=tmp_path))
    dist, dur = prov.matrix([MTL, QC, Location(45.4, -73.9)])
    assert dist[0, 1] == 1000 and dist[1, 2] == 3001 and dur[2, 1] == 180
    prov.matrix([MTL, QC, Location(45.4, -73.9)])
    assert len(_Handler.calls) == 1 and prov.cache.hits == 1
    assert "annotations=distance,duration" in _Handler.calls[0]
    again = OsrmProvider(base_url=server, cache=MatrixCache(directory=tmp_path))
    again.matrix([MTL, QC, Location(45.4, -73.9)])
    assert len(_Handler.calls) == 1  # served from the on-disk cache


def test_valhalla_provider(server: str) -> None:
    prov = ValhallaProvider(base_url=server, timeout_s=5)
    dist, dur = prov.matrix([MTL, QC, Location(45.4, -73.9)])
    assert dist[0, 2] == 3000 and dur[0, 2] == 180
    assert _Handler.calls == ["/sources_to_targets"]


def test_provider_failure_is_a_coded_error() -> None:
    prov = OsrmProvider(base_url="http://127.0.0.1:9", timeout_s=0.5)
    with pytest.raises(RoutingInputError) as e:
        prov.matrix([MTL, QC])
    assert e.value.code is ErrorCode.PROVIDER_FAILED


def test_attach_matrix_plan_records_provider(server: str) -> None:
    p = attach_matrix(load_problem(SAMPLE), OsrmProvider(base_url=server, duration_factor=1.2))
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(p)))) == p
    plan = solve_routing(p, time_limit_s=0.3, seed=0)
    assert plan.travel.provider == "osrm"
    assert plan.travel.as_dict()["duration_factor"] == 1.2
    assert validate_routing(p, plan) == []
