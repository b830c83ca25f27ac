"""Geographic primitives: locations and great-circle distance (pure Python)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Location:
    """A point. ``lat``/``lon`` are WGS84 degrees for geographic travel models.

    For the Euclidean travel model (Solomon benchmarks) ``lon`` is used as x and
    ``lat`` as y, in arbitrary plane units. ``urban`` marks a point inside a built-up
    area (the haversine provider drives slower near urban points).

    Raises:
        RoutingInputError(BAD_COORDINATE): on NaN/infinite coordinates.
    """

    lat: float
    lon: float
    urban: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and math.isfinite(self.lon)):
            raise RoutingInputError(ErrorCode.BAD_COORDINATE, f"non-finite coordinate {self}")

    def is_geographic(self) -> bool:
        """True when (lat, lon) are valid WGS84 degrees."""
        return -90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0


def haversine_m(a: Location, b: Location) -> float:
    """Great-circle distance in metres between two WGS84 locations."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp = p2 - p1
    dl = math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
