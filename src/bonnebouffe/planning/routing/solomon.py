"""Solomon VRPTW text format -> routing JSON (DIMACS convention).

Input: a name line, ``VEHICLE`` / ``NUMBER CAPACITY`` block, ``CUSTOMER`` block with rows
``id x y demand ready due service``; node 0 is the depot. Output JSON uses the Euclidean
travel model with scale 10 and truncation (distance = trunc(10 * euclid), duration =
distance), times x 10, demand as ``ambient_kg``, ``num_vehicles`` (default 25) vehicles of
the given capacity with ``cost_per_km = 0.01`` (1 cost unit per scaled distance unit in the
adapter) and no fixed or time cost: the objective is distance only; all clients required.
Report ``plan.distance_m / 10`` to compare with DIMACS best-known solutions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError

SCALE = 10


def parse_solomon(text: str) -> tuple[str, int, int, list[list[float]]]:
    """Return (name, vehicle number, capacity, rows [id, x, y, demand, ready, due, service]).

    Raises:
        RoutingInputError(BAD_SOLOMON): structure not recognised.
    """
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise RoutingInputError(ErrorCode.BAD_SOLOMON, "empty file")
    name = lines[0]
    number = capacity = None
    rows: list[list[float]] = []
    for i, ln in enumerate(lines):
        if ln.upper().startswith("NUMBER") and number is None and i + 1 < len(lines):
            parts = lines[i + 1].split()
            number, capacity = int(parts[0]), int(parts[1])
        parts = ln.split()
        if len(parts) == 7:
            try:
                rows.append([float(p) for p in parts])
            except ValueError:
                continue
    if number is None or capacity is None or not rows or int(rows[0][0]) != 0:
        raise RoutingInputError(ErrorCode.BAD_SOLOMON, "missing VEHICLE or CUSTOMER block")
    return name, number, capacity, rows


def solomon_to_dict(text: str, *, num_vehicles: int = 25) -> dict[str, Any]:
    """Convert Solomon text to the routing JSON dict (see module docstring)."""
    name, _number, capacity, rows = parse_solomon(text)
    depot = rows[0]
    horizon = int(depot[5] * SCALE)
    stops = [
        {
            "id": str(int(r[0])),
            "kind": "delivery",
            "x": r[1],
            "y": r[2],
            "load": {"ambient_kg": r[3]},
            "service_s": round(r[6] * SCALE),
            "tw_early_s": round(r[4] * SCALE),
            "tw_late_s": round(r[5] * SCALE),
            "required": True,
        }
        for r in rows[1:]
    ]
    return {
        "format": "bonnebouffe.routing/1",
        "name": name,
        "travel": {"provider": "euclidean", "scale": float(SCALE), "rounding": "trunc"},
        "depots": [
            {
                "id": "depot",
                "x": depot[1],
                "y": depot[2],
                "open_s": int(depot[4] * SCALE),
                "close_s": horizon,
            }
        ],
        "stops": stops,
        "vehicle_types": [
            {
                "id": "vehicle",
                "depot_id": "depot",
                "count": num_vehicles,
                "capacity_kg": float(capacity),
                "shift_start_s": int(depot[4] * SCALE),
                "shift_end_s": horizon,
                "cost_per_km": 0.01,
            }
        ],
    }


def solomon_file_to_dict(path: str | Path, *, num_vehicles: int = 25) -> dict[str, Any]:
    """Read a Solomon file (any line endings) and convert it.

    Raises:
        RoutingInputError(BAD_SOLOMON): unreadable or malformed file.
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise RoutingInputError(ErrorCode.BAD_SOLOMON, f"{path}: {exc}") from exc
    return solomon_to_dict(text, num_vehicles=num_vehicles)
