"""JSON <-> dataclasses for problems and plans (format described in docs/routing.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bonnebouffe.planning.routing.errors import ErrorCode, RoutingInputError
from bonnebouffe.planning.routing.geo import Location
from bonnebouffe.planning.routing.model import (
    Depot,
    LeftOut,
    LeftOutReason,
    Load,
    Route,
    RoutePlan,
    RoutingProblem,
    Shipment,
    SolverStats,
    Stop,
    StopKind,
    TravelInfo,
    TravelModel,
    VehicleStart,
    VehicleType,
    Visit,
    VisitKind,
)
from bonnebouffe.planning.routing.travel import EuclideanProvider, ExplicitMatrix, HaversineProvider

FORMAT = "bonnebouffe.routing/1"
PLAN_FORMAT = "bonnebouffe.routing.plan/1"
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

Json = dict[str, Any]


def _bad(msg: str) -> RoutingInputError:
    return RoutingInputError(ErrorCode.BAD_JSON, msg)


def _time(value: Any, what: str) -> int:
    """Seconds since midnight from an int or an "HH:MM[:SS]" string (may exceed 24:00)."""
    if isinstance(value, bool):
        raise _bad(f"{what}: bad time {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and (m := _HHMM.match(value)):
        return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0)
    raise _bad(f"{what}: bad time {value!r} (int seconds or 'HH:MM')")


def _opt_time(d: Mapping[str, Any], key: str, default: int | None, what: str) -> int | None:
    v = d.get(key)
    return default if v is None else _time(v, f"{what}.{key}")


def _loc(d: Mapping[str, Any], what: str) -> Location:
    urban = bool(d.get("urban", False))
    if "lat" in d and "lon" in d:
        return Location(float(d["lat"]), float(d["lon"]), urban)
    if "x" in d and "y" in d:
        return Location(lat=float(d["y"]), lon=float(d["x"]), urban=urban)
    raise _bad(f"{what}: needs lat/lon or x/y")


def _load(d: Mapping[str, Any] | None) -> Load:
    d = d or {}
    unknown = set(d) - {"ambient_kg", "refrigerated_kg", "frozen_kg", "volume_l"}
    if unknown:
        raise _bad(f"unknown load keys {sorted(unknown)}")
    return Load(
        ambient_kg=float(d.get("ambient_kg", 0.0)),
        refrigerated_kg=float(d.get("refrigerated_kg", 0.0)),
        frozen_kg=float(d.get("frozen_kg", 0.0)),
        volume_l=float(d.get("volume_l", 0.0)),
    )


def _travel(d: Mapping[str, Any] | None) -> TravelModel:
    d = dict(d or {"provider": "haversine"})
    kind = d.pop("provider", "haversine")
    if kind == "haversine":
        return HaversineProvider(**{k: float(v) for k, v in d.items()})
    if kind == "euclidean":
        return EuclideanProvider(
            scale=float(d.get("scale", 10.0)),
            rounding=d.get("rounding", "trunc"),
            speed=float(d.get("speed", 1.0)),
        )
    if kind == "matrix":
        return ExplicitMatrix(
            distance_m=tuple(tuple(int(v) for v in row) for row in d["distance_m"]),
            duration_s=tuple(tuple(int(v) for v in row) for row in d["duration_s"]),
            source=str(d.get("source", "explicit")),
            source_factors=tuple(sorted(dict(d.get("factors", {})).items())),
        )
    raise _bad(f"unknown travel provider {kind!r}")


def problem_from_dict(data: Mapping[str, Any]) -> RoutingProblem:
    """Build a RoutingProblem from parsed JSON.

    Raises:
        RoutingInputError(BAD_JSON or a model ErrorCode): missing keys, bad types/values.
    """
    try:
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise _bad(f"unsupported format {fmt!r}")
        depots = tuple(
            Depot(
                id=str(d["id"]),
                location=_loc(d, f"depot {d.get('id')}"),
                open_s=_time(d.get("open_s", 0), "open_s"),
                close_s=_time(d.get("close_s", 2 * 86_400), "close_s"),
                name=str(d.get("name", "")),
            )
            for d in data["depots"]
        )
        stops = tuple(
            Stop(
                id=str(s["id"]),
                kind=StopKind(s["kind"]),
                location=_loc(s, f"stop {s.get('id')}"),
                load=_load(s.get("load")),
                service_s=_time(s.get("service_s", 0), "service_s"),
                tw_early_s=_time(s.get("tw_early_s", 0), "tw_early_s"),
                tw_late_s=_time(s.get("tw_late_s", 2 * 86_400), "tw_late_s"),
                required=bool(s.get("required", True)),
                urgency=float(s.get("urgency", 1.0)),
                prize=None if s.get("prize") is None else float(s["prize"]),
                site_type=str(s.get("site_type", "")),
                name=str(s.get("name", "")),
                max_vehicle_length_m=_opt_float(s, "max_vehicle_length_m"),
            )
            for s in data.get("stops", [])
        )
        shipments = tuple(_shipment(s) for s in data.get("shipments", []))
        vtypes = tuple(_vehicle_type(v) for v in data["vehicle_types"])
        starts = tuple(
            VehicleStart(
                id=str(v["id"]),
                vehicle_type_id=str(v["vehicle_type_id"]),
                location=_loc(v, f"vehicle start {v.get('id')}"),
                ready_s=_time(v["ready_s"], "ready_s"),
                onboard=_load(v.get("onboard")),
                max_duration_s=_opt_time(v, "max_duration_s", None, "vehicle start"),
            )
            for v in data.get("vehicle_starts", [])
        )
        return RoutingProblem(
            name=str(data.get("name", "")),
            date=str(data.get("date", "")),
            depots=depots,
            stops=stops,
            shipments=shipments,
            vehicle_types=vtypes,
            vehicle_starts=starts,
            travel=_travel(data.get("travel")),
            prize_per_kg=float(data.get("prize_per_kg", 1.0)),
        )
    except RoutingInputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _bad(f"{type(exc).__name__}: {exc}") from exc


def _shipment(s: Mapping[str, Any]) -> Shipment:
    p, d = s["pickup"], s["delivery"]
    return Shipment(
        id=str(s["id"]),
        pickup_location=_loc(p, f"shipment {s.get('id')} pickup"),
        delivery_location=_loc(d, f"shipment {s.get('id')} delivery"),
        load=_load(s.get("load")),
        pickup_service_s=_time(p.get("service_s", 0), "service_s"),
        pickup_tw_early_s=_time(p.get("tw_early_s", 0), "tw_early_s"),
        pickup_tw_late_s=_time(p.get("tw_late_s", 2 * 86_400), "tw_late_s"),
        delivery_service_s=_time(d.get("service_s", 0), "service_s"),
        delivery_tw_early_s=_time(d.get("tw_early_s", 0), "tw_early_s"),
        delivery_tw_late_s=_time(d.get("tw_late_s", 2 * 86_400), "tw_late_s"),
        required=bool(s.get("required", True)),
        urgency=float(s.get("urgency", 1.0)),
        prize=None if s.get("prize") is None else float(s["prize"]),
        name=str(s.get("name", "")),
        max_ride_s=None if s.get("max_ride_s") is None else _time(s["max_ride_s"], "max_ride_s"),
        max_vehicle_length_m=_opt_float(s, "max_vehicle_length_m"),
    )


def _vehicle_type(v: Mapping[str, Any]) -> VehicleType:
    return VehicleType(
        id=str(v["id"]),
        depot_id=str(v["depot_id"]),
        end_depot_id=None if v.get("end_depot_id") is None else str(v["end_depot_id"]),
        count=int(v.get("count", 1)),
        capacity_kg=float(v["capacity_kg"]),
        capacity_refrigerated_kg=float(v.get("capacity_refrigerated_kg", 0.0)),
        capacity_frozen_kg=float(v.get("capacity_frozen_kg", 0.0)),
        capacity_volume_l=(
            None if v.get("capacity_volume_l") is None else float(v["capacity_volume_l"])
        ),
        shift_start_s=_time(v.get("shift_start_s", 0), "shift_start_s"),
        shift_end_s=_time(v.get("shift_end_s", 2 * 86_400), "shift_end_s"),
        max_duration_s=_opt_time(v, "max_duration_s", None, f"vehicle type {v.get('id')}"),
        max_distance_m=None if v.get("max_distance_m") is None else int(v["max_distance_m"]),
        cost_per_km=float(v.get("cost_per_km", 0.0)),
        cost_per_hour=float(v.get("cost_per_hour", 0.0)),
        fixed_cost=float(v.get("fixed_cost", 0.0)),
        reload_depot_ids=tuple(str(x) for x in v.get("reload_depot_ids", ())),
        max_reloads=None if v.get("max_reloads") is None else int(v["max_reloads"]),
        duration_factor=float(v.get("duration_factor", 1.0)),
        name=str(v.get("name", "")),
        length_m=_opt_float(v, "length_m"),
    )


def _opt_float(d: Mapping[str, Any], key: str) -> float | None:
    return None if d.get(key) is None else float(d[key])


def _loc_out(loc: Location, euclid: bool) -> Json:
    out: Json = {"x": loc.lon, "y": loc.lat} if euclid else {"lat": loc.lat, "lon": loc.lon}
    if loc.urban:
        out["urban"] = True
    return out


def _load_out(load: Load) -> Json:
    return {
        k: getattr(load, k)
        for k in ("ambient_kg", "refrigerated_kg", "frozen_kg", "volume_l")
        if getattr(load, k)
    }


def problem_to_dict(problem: RoutingProblem) -> Json:
    """Serialise a problem to the JSON format (times as int seconds)."""
    eu = isinstance(problem.travel, EuclideanProvider)
    travel: Json
    if isinstance(problem.travel, ExplicitMatrix):
        travel = {
            "provider": "matrix",
            "source": problem.travel.source,
            "factors": dict(problem.travel.source_factors),
            "distance_m": [list(r) for r in problem.travel.distance_m],
            "duration_s": [list(r) for r in problem.travel.duration_s],
        }
    else:
        travel = {"provider": problem.travel.name, **problem.travel.factors()}
    return {
        "format": FORMAT,
        "name": problem.name,
        "date": problem.date,
        "prize_per_kg": problem.prize_per_kg,
        "travel": travel,
        "depots": [
            {
                "id": d.id,
                **_loc_out(d.location, eu),
                "open_s": d.open_s,
                "close_s": d.close_s,
                "name": d.name,
            }
            for d in problem.depots
        ],
        "stops": [
            {
                "id": s.id,
                "kind": s.kind.value,
                **_loc_out(s.location, eu),
                "load": _load_out(s.load),
                "service_s": s.service_s,
                "tw_early_s": s.tw_early_s,
                "tw_late_s": s.tw_late_s,
                "required": s.required,
                "urgency": s.urgency,
                "prize": s.prize,
                "site_type": s.site_type,
                "name": s.name,
                "max_vehicle_length_m": s.max_vehicle_length_m,
            }
            for s in problem.stops
        ],
        "shipments": [
            {
                "id": s.id,
                "pickup": {
                    **_loc_out(s.pickup_location, eu),
                    "service_s": s.pickup_service_s,
                    "tw_early_s": s.pickup_tw_early_s,
                    "tw_late_s": s.pickup_tw_late_s,
                },
                "delivery": {
                    **_loc_out(s.delivery_location, eu),
                    "service_s": s.delivery_service_s,
                    "tw_early_s": s.delivery_tw_early_s,
                    "tw_late_s": s.delivery_tw_late_s,
                },
                "load": _load_out(s.load),
                "required": s.required,
                "urgency": s.urgency,
                "prize": s.prize,
                "name": s.name,
                "max_ride_s": s.max_ride_s,
                "max_vehicle_length_m": s.max_vehicle_length_m,
            }
            for s in problem.shipments
        ],
        "vehicle_types": [
            {
                "id": v.id,
                "depot_id": v.depot_id,
                "end_depot_id": v.end_depot_id,
                "count": v.count,
                "capacity_kg": v.capacity_kg,
                "capacity_refrigerated_kg": v.capacity_refrigerated_kg,
                "capacity_frozen_kg": v.capacity_frozen_kg,
                "capacity_volume_l": v.capacity_volume_l,
                "shift_start_s": v.shift_start_s,
                "shift_end_s": v.shift_end_s,
                "max_duration_s": v.max_duration_s,
                "max_distance_m": v.max_distance_m,
                "cost_per_km": v.cost_per_km,
                "cost_per_hour": v.cost_per_hour,
                "fixed_cost": v.fixed_cost,
                "reload_depot_ids": list(v.reload_depot_ids),
                "max_reloads": v.max_reloads,
                "duration_factor": v.duration_factor,
                "name": v.name,
                "length_m": v.length_m,
            }
            for v in problem.vehicle_types
        ],
        "vehicle_starts": [
            {
                "id": v.id,
                "vehicle_type_id": v.vehicle_type_id,
                **_loc_out(v.location, eu),
                "ready_s": v.ready_s,
                "onboard": _load_out(v.onboard),
                "max_duration_s": v.max_duration_s,
            }
            for v in problem.vehicle_starts
        ],
    }


def load_problem(path: str | Path) -> RoutingProblem:
    """Read a problem JSON file (UTF-8).

    Raises:
        RoutingInputError(BAD_JSON): unreadable JSON or invalid content.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise _bad(f"{path}: {exc}") from exc
    return problem_from_dict(data)


def plan_to_dict(plan: RoutePlan) -> Json:
    """Serialise a plan (all times int seconds since midnight)."""
    return {
        "format": PLAN_FORMAT,
        "problem_name": plan.problem_name,
        "feasible": plan.feasible,
        "objective": plan.objective,
        "cost": plan.cost,
        "prize_collected": plan.prize_collected,
        "prize_missed": plan.prize_missed,
        "distance_m": plan.distance_m,
        "duration_s": plan.duration_s,
        "travel": {"provider": plan.travel.provider, "factors": plan.travel.as_dict()},
        "stats": {
            "runtime_s": plan.stats.runtime_s,
            "seed": plan.stats.seed,
            "seeds": list(plan.stats.seeds),
            "workers": plan.stats.workers,
            "time_limit_s": plan.stats.time_limit_s,
            "iterations": plan.stats.iterations,
            "hub_parts": plan.stats.hub_parts,
            "solver": plan.stats.solver,
        },
        "routes": [
            {
                "vehicle_type_id": r.vehicle_type_id,
                "vehicle_no": r.vehicle_no,
                "start_id": r.start_id,
                "end_depot_id": r.end_depot_id,
                "start_s": r.start_s,
                "end_s": r.end_s,
                "start_load": _load_out(r.start_load),
                "distance_m": r.distance_m,
                "duration_s": r.duration_s,
                "cost": r.cost,
                "num_trips": r.num_trips,
                "visits": [
                    {
                        "kind": v.kind.value,
                        "ref_id": v.ref_id,
                        "trip": v.trip,
                        "arrival_s": v.arrival_s,
                        "start_s": v.start_s,
                        "departure_s": v.departure_s,
                        "load_after": _load_out(v.load_after),
                    }
                    for v in r.visits
                ],
            }
            for r in plan.routes
        ],
        "left_out": [
            {
                "ref_id": lo.ref_id,
                "required": lo.required,
                "reason": lo.reason.value,
                "detail": lo.detail,
            }
            for lo in plan.left_out
        ],
    }


def plan_from_dict(d: Mapping[str, Any]) -> RoutePlan:
    """Parse a plan produced by ``plan_to_dict``.

    Raises:
        RoutingInputError(BAD_JSON): missing keys or bad values.
    """
    try:
        st = d["stats"]
        return RoutePlan(
            problem_name=str(d["problem_name"]),
            routes=tuple(
                Route(
                    vehicle_type_id=r["vehicle_type_id"],
                    vehicle_no=int(r["vehicle_no"]),
                    start_id=r["start_id"],
                    end_depot_id=r["end_depot_id"],
                    start_s=int(r["start_s"]),
                    end_s=int(r["end_s"]),
                    start_load=_load(r.get("start_load")),
                    visits=tuple(
                        Visit(
                            VisitKind(v["kind"]),
                            v["ref_id"],
                            int(v["trip"]),
                            int(v["arrival_s"]),
                            int(v["start_s"]),
                            int(v["departure_s"]),
                            _load(v.get("load_after")),
                        )
                        for v in r["visits"]
                    ),
                    distance_m=int(r["distance_m"]),
                    duration_s=int(r["duration_s"]),
                    cost=float(r["cost"]),
                )
                for r in d["routes"]
            ),
            left_out=tuple(
                LeftOut(
                    lo["ref_id"],
                    bool(lo["required"]),
                    LeftOutReason(lo["reason"]),
                    lo.get("detail", ""),
                )
                for lo in d["left_out"]
            ),
            distance_m=int(d["distance_m"]),
            duration_s=int(d["duration_s"]),
            cost=float(d["cost"]),
            prize_collected=float(d["prize_collected"]),
            prize_missed=float(d["prize_missed"]),
            objective=float(d["objective"]),
            feasible=bool(d["feasible"]),
            stats=SolverStats(
                runtime_s=float(st["runtime_s"]),
                seed=int(st["seed"]),
                seeds=tuple(int(x) for x in st["seeds"]),
                workers=int(st["workers"]),
                time_limit_s=float(st["time_limit_s"]),
                iterations=int(st["iterations"]),
                hub_parts=int(st.get("hub_parts", 0)),
                solver=str(st.get("solver", "pyvrp")),
            ),
            travel=TravelInfo(
                provider=d["travel"]["provider"],
                factors=tuple(sorted(d["travel"]["factors"].items())),
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(f"{type(exc).__name__}: {exc}") from exc
