"""Travel-time providers: ``matrix(points) -> (distance_m, duration_s)`` integer matrices.

Pure Python + numpy. Providers stored in a :class:`RoutingProblem` (haversine, Euclidean,
explicit matrix) are deterministic, so the validator can rebuild exactly the matrix the
solver used. HTTP providers (OSRM, Valhalla) are meant to be *frozen* into an
:class:`ExplicitMatrix` once (see ``model.attach_matrix``) before solving.
"""

from __future__ import annotations

import hashlib
import json
import math
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError
from bonnebouffe.planning.routing.geo import EARTH_RADIUS_M, Location

IntMatrix = npt.NDArray[np.int64]
Factor = float | str

__all__ = [
    "EuclideanProvider",
    "ExplicitMatrix",
    "HaversineProvider",
    "IntMatrix",
    "MatrixCache",
    "OsrmProvider",
    "TravelTimeProvider",
    "ValhallaProvider",
]


@runtime_checkable
class TravelTimeProvider(Protocol):
    """Anything that turns points into integer distance (m) and duration (s) matrices."""

    @property
    def name(self) -> str:
        """Short provider name recorded in every plan."""
        ...

    def factors(self) -> dict[str, Factor]:
        """Parameters used (detour factor, speeds, URL...), recorded in every plan."""
        ...

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        """Return ``(distance_m, duration_s)`` as n x n int64 arrays, zero diagonal.

        Raises:
            RoutingInputError(PROVIDER_FAILED / BAD_MATRIX): when no matrix can be produced.
        """
        ...


def _check_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise RoutingInputError(ErrorCode.BAD_PARAMETER, f"{name} must be > 0, got {value}")


@dataclass(frozen=True, slots=True)
class HaversineProvider:
    """Great-circle distance x ``detour_factor``; speed depends on urban flags.

    distance_m = round(haversine_m * detour_factor).
    duration_s: the first ``urban_radius_km`` of a leg next to each *urban* endpoint is
    driven at ``urban_speed_kmh`` (both ends add up, capped at the leg length), the rest at
    ``rural_speed_kmh``. Defaults: 1.3, 40 km/h, 80 km/h, 3 km.
    """

    detour_factor: float = 1.3
    urban_speed_kmh: float = 40.0
    rural_speed_kmh: float = 80.0
    urban_radius_km: float = 3.0

    def __post_init__(self) -> None:
        _check_positive("detour_factor", self.detour_factor)
        _check_positive("urban_speed_kmh", self.urban_speed_kmh)
        _check_positive("rural_speed_kmh", self.rural_speed_kmh)
        if not (math.isfinite(self.urban_radius_km) and self.urban_radius_km >= 0):
            raise RoutingInputError(ErrorCode.BAD_PARAMETER, "urban_radius_km must be >= 0")

    @property
    def name(self) -> str:
        """Provider name: ``haversine``."""
        return "haversine"

    def factors(self) -> dict[str, Factor]:
        """The four parameters of this provider."""
        return {
            "detour_factor": self.detour_factor,
            "urban_speed_kmh": self.urban_speed_kmh,
            "rural_speed_kmh": self.rural_speed_kmh,
            "urban_radius_km": self.urban_radius_km,
        }

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        """Distance (m) and duration (s) matrices; see class docstring.

        Raises:
            RoutingInputError(BAD_COORDINATE): a point is not valid WGS84.
        """
        for p in points:
            if not p.is_geographic():
                raise RoutingInputError(ErrorCode.BAD_COORDINATE, f"not WGS84: {p}")
        lat = np.radians(np.array([p.lat for p in points], dtype=np.float64))
        lon = np.radians(np.array([p.lon for p in points], dtype=np.float64))
        dlat = lat[None, :] - lat[:, None]
        dlon = lon[None, :] - lon[:, None]
        h = (
            np.sin(dlat / 2) ** 2
            + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
        )
        gc = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        road = gc * self.detour_factor
        radius = np.array(
            [self.urban_radius_km * 1000.0 if p.urban else 0.0 for p in points], dtype=np.float64
        )
        urban_part = np.minimum(road, radius[:, None] + radius[None, :])
        dur = urban_part / (self.urban_speed_kmh / 3.6) + (road - urban_part) / (
            self.rural_speed_kmh / 3.6
        )
        dist_m = np.rint(road).astype(np.int64)
        dur_s = np.rint(dur).astype(np.int64)
        np.fill_diagonal(dist_m, 0)
        np.fill_diagonal(dur_s, 0)
        return dist_m, dur_s


@dataclass(frozen=True, slots=True)
class EuclideanProvider:
    """Plane Euclidean distances (x = ``lon``, y = ``lat``), for Solomon-style benchmarks.

    distance = rounding(scale * euclid); duration = rounding(scale * euclid / speed).
    ``rounding`` is ``trunc`` (DIMACS convention with scale=10), ``round`` or ``ceil``.
    Units are abstract: the plan's ``distance_m``/``duration_s`` are in scaled units.
    """

    scale: float = 10.0
    rounding: Literal["trunc", "round", "ceil"] = "trunc"
    speed: float = 1.0

    def __post_init__(self) -> None:
        _check_positive("scale", self.scale)
        _check_positive("speed", self.speed)
        if self.rounding not in ("trunc", "round", "ceil"):
            raise RoutingInputError(ErrorCode.BAD_PARAMETER, f"bad rounding {self.rounding!r}")

    @property
    def name(self) -> str:
        """Provider name: ``euclidean``."""
        return "euclidean"

    def factors(self) -> dict[str, Factor]:
        """Scale, rounding and speed."""
        return {"scale": self.scale, "rounding": self.rounding, "speed": self.speed}

    def _round(self, values: npt.NDArray[np.float64]) -> IntMatrix:
        if self.rounding == "trunc":
            return values.astype(np.int64)
        if self.rounding == "round":
            return np.rint(values).astype(np.int64)
        return np.ceil(values - 1e-9).astype(np.int64)

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        """Scaled Euclidean distance and duration matrices (see class docstring)."""
        x = np.array([p.lon for p in points], dtype=np.float64)
        y = np.array([p.lat for p in points], dtype=np.float64)
        euclid = np.sqrt((x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2)
        dist = self._round(self.scale * euclid)
        dur = dist.copy() if self.speed == 1.0 else self._round(self.scale * euclid / self.speed)
        return dist, dur


@dataclass(frozen=True, slots=True)
class ExplicitMatrix:
    """A fixed matrix in the problem's canonical location order (see ``RoutingProblem``).

    ``source``/``source_factors`` record where it came from (e.g. ``osrm`` and its URL).

    Raises:
        RoutingInputError(BAD_MATRIX): non-square, mismatched, negative or non-zero diagonal.
    """

    distance_m: tuple[tuple[int, ...], ...]
    duration_s: tuple[tuple[int, ...], ...]
    source: str = "explicit"
    source_factors: tuple[tuple[str, Factor], ...] = ()

    def __post_init__(self) -> None:
        n = len(self.distance_m)
        if len(self.duration_s) != n:
            raise RoutingInputError(ErrorCode.BAD_MATRIX, "distance/duration size mismatch")
        for mat in (self.distance_m, self.duration_s):
            for i, row in enumerate(mat):
                if len(row) != n:
                    raise RoutingInputError(ErrorCode.BAD_MATRIX, "matrix is not square")
                if row[i] != 0:
                    raise RoutingInputError(ErrorCode.BAD_MATRIX, "non-zero diagonal")
                if any((not isinstance(v, int | np.integer)) or v < 0 for v in row):
                    raise RoutingInputError(ErrorCode.BAD_MATRIX, "entries must be ints >= 0")

    @classmethod
    def from_arrays(
        cls,
        distance_m: IntMatrix,
        duration_s: IntMatrix,
        *,
        source: str = "explicit",
        source_factors: Mapping[str, Factor] | None = None,
    ) -> ExplicitMatrix:
        """Build from numpy (or nested list) matrices."""
        return cls(
            distance_m=tuple(tuple(int(v) for v in row) for row in distance_m),
            duration_s=tuple(tuple(int(v) for v in row) for row in duration_s),
            source=source,
            source_factors=tuple(sorted((source_factors or {}).items())),
        )

    @property
    def name(self) -> str:
        """The recorded source name (``explicit``, ``osrm``, ``valhalla``...)."""
        return self.source

    def factors(self) -> dict[str, Factor]:
        """The recorded source factors."""
        return dict(self.source_factors)

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        """Return the stored matrices.

        Raises:
            RoutingInputError(BAD_MATRIX): when the matrix size differs from ``len(points)``.
        """
        if len(points) != len(self.distance_m):
            raise RoutingInputError(
                ErrorCode.BAD_MATRIX,
                f"matrix is {len(self.distance_m)}x{len(self.distance_m)}, "
                f"problem has {len(points)} locations",
            )
        return (
            np.array(self.distance_m, dtype=np.int64).reshape(len(points), len(points)),
            np.array(self.duration_s, dtype=np.int64).reshape(len(points), len(points)),
        )


# --------------------------------------------------------------------------- HTTP providers


@dataclass
class MatrixCache:
    """In-memory cache of matrices, optionally persisted as JSON files in ``directory``.

    Keyed by sha256(provider name + base URL + profile + rounded coordinate list).
    """

    directory: Path | None = None
    _memory: dict[str, tuple[list[list[int]], list[list[int]]]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    @staticmethod
    def key(kind: str, base: str, points: Sequence[Location]) -> str:
        """Cache key for a provider configuration and coordinate list (1e-6 deg)."""
        coords = ";".join(f"{p.lat:.6f},{p.lon:.6f}" for p in points)
        return hashlib.sha256(f"{kind}|{base}|{coords}".encode()).hexdigest()

    def get(self, key: str) -> tuple[list[list[int]], list[list[int]]] | None:
        """Cached (distance, duration) nested lists or None."""
        if key in self._memory:
            self.hits += 1
            return self._memory[key]
        if self.directory is not None:
            path = self.directory / f"{key}.json"
            if path.exists():
                data = json.loads(path.read_text(encoding="utf-8"))
                value = (data["distance_m"], data["duration_s"])
                self._memory[key] = value
                self.hits += 1
                return value
        self.misses += 1
        return None

    def put(self, key: str, value: tuple[list[list[int]], list[list[int]]]) -> None:
        """Store a matrix pair (and write it to disk when ``directory`` is set)."""
        self._memory[key] = value
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{key}.json"
            path.write_text(
                json.dumps({"distance_m": value[0], "duration_s": value[1]}), encoding="utf-8"
            )


def _http_json(url: str, timeout_s: float, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, OSError, json.JSONDecodeError) as exc:
        raise RoutingInputError(ErrorCode.PROVIDER_FAILED, f"{url}: {exc}") from exc


def _to_int_matrix(rows: list[list[float | None]], what: str) -> list[list[int]]:
    out: list[list[int]] = []
    for i, row in enumerate(rows):
        cur: list[int] = []
        for j, v in enumerate(row):
            if v is None:
                raise RoutingInputError(ErrorCode.PROVIDER_FAILED, f"no route {i}->{j} ({what})")
            cur.append(0 if i == j else round(float(v)))
        out.append(cur)
    return out


@dataclass
class OsrmProvider:
    """OSRM ``/table/v1/{profile}/`` adapter (GET, ``annotations=distance,duration``).

    Durations multiplied by ``duration_factor`` (e.g. 1.1 for trucks). Not frozen (it has a
    cache); freeze its result into the problem with ``model.attach_matrix``.
    """

    base_url: str
    timeout_s: float = 30.0
    profile: str = "driving"
    duration_factor: float = 1.0
    cache: MatrixCache = field(default_factory=MatrixCache)

    @property
    def name(self) -> str:
        """Provider name: ``osrm``."""
        return "osrm"

    def factors(self) -> dict[str, Factor]:
        """Base URL, profile and duration factor."""
        return {
            "base_url": self.base_url,
            "profile": self.profile,
            "duration_factor": self.duration_factor,
        }

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        """Query (or reuse from cache) the OSRM table; metres and seconds.

        Raises:
            RoutingInputError(PROVIDER_FAILED): HTTP error, timeout, bad answer, unroutable pair.
        """
        base = self.base_url.rstrip("/")
        key = MatrixCache.key(f"osrm:{self.profile}", base, points)
        cached = self.cache.get(key)
        if cached is None:
            coords = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
            url = f"{base}/table/v1/{self.profile}/{coords}?annotations=distance,duration"
            data = _http_json(url, self.timeout_s)
            if not isinstance(data, dict) or data.get("code") != "Ok":
                raise RoutingInputError(ErrorCode.PROVIDER_FAILED, f"OSRM answered {data!r:.200}")
            dist = _to_int_matrix(data["distances"], "distance")
            dur = _to_int_matrix(data["durations"], "duration")
            cached = (dist, dur)
            self.cache.put(key, cached)
        dist_a = np.array(cached[0], dtype=np.int64)
        dur_a = np.rint(np.array(cached[1], dtype=np.float64) * self.duration_factor)
        return dist_a, dur_a.astype(np.int64)


@dataclass
class ValhallaProvider:
    """Valhalla ``/sources_to_targets`` adapter (POST JSON, km and seconds -> m and s)."""

    base_url: str
    timeout_s: float = 30.0
    costing: str = "auto"
    duration_factor: float = 1.0
    cache: MatrixCache = field(default_factory=MatrixCache)

    @property
    def name(self) -> str:
        """Provider name: ``valhalla``."""
        return "valhalla"

    def factors(self) -> dict[str, Factor]:
        """Base URL, costing and duration factor."""
        return {
            "base_url": self.base_url,
            "costing": self.costing,
            "duration_factor": self.duration_factor,
        }

    def matrix(self, points: Sequence[Location]) -> tuple[IntMatrix, IntMatrix]:
        """Query (or reuse from cache) Valhalla's matrix; metres and seconds.

        Raises:
            RoutingInputError(PROVIDER_FAILED): HTTP error, timeout, bad answer, unroutable pair.
        """
        base = self.base_url.rstrip("/")
        key = MatrixCache.key(f"valhalla:{self.costing}", base, points)
        cached = self.cache.get(key)
        if cached is None:
            locs = [{"lat": p.lat, "lon": p.lon} for p in points]
            body = {"sources": locs, "targets": locs, "costing": self.costing, "units": "km"}
            data = _http_json(f"{base}/sources_to_targets", self.timeout_s, body)
            try:
                rows = data["sources_to_targets"]
                n = len(points)
                dist_f: list[list[float | None]] = [[None] * n for _ in range(n)]
                dur_f: list[list[float | None]] = [[None] * n for _ in range(n)]
                for i, row in enumerate(rows):
                    for j, cell in enumerate(row):
                        fi = int(cell.get("from_index", i))
                        tj = int(cell.get("to_index", j))
                        d, t = cell.get("distance"), cell.get("time")
                        dist_f[fi][tj] = None if d is None else float(d) * 1000.0
                        dur_f[fi][tj] = None if t is None else float(t)
            except (KeyError, TypeError, IndexError, AttributeError) as exc:
                raise RoutingInputError(
                    ErrorCode.PROVIDER_FAILED, f"bad Valhalla answer: {exc}"
                ) from exc
            cached = (_to_int_matrix(dist_f, "distance"), _to_int_matrix(dur_f, "duration"))
            self.cache.put(key, cached)
        dist_a = np.array(cached[0], dtype=np.int64)
        dur_a = np.rint(np.array(cached[1], dtype=np.float64) * self.duration_factor)
        return dist_a, dur_a.astype(np.int64)
