"""JSON (de)serialisation of problems and plans; format documented in docs/allocation.md."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .engine import CurvePoint
from .errors import AllocationError, ErrorCode
from .model import (
    Agency,
    AllocationPlan,
    AllocationProblem,
    EquityMetrics,
    Hub,
    Lot,
    Policy,
)

FORMAT = "bonnebouffe.allocation/1"


def _date(value: Any) -> date | None:
    if value is None:
        return None
    return date.fromisoformat(str(value))


def _req_date(value: Any) -> date:
    d = _date(value)
    if d is None:
        raise AllocationError(ErrorCode.BAD_JSON, "missing date")
    return d


def parse_delta(value: Any) -> float:
    """Parse a band width: number, or "inf"/null for no band.  Raises AllocationError."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("inf", "none")):
        return math.inf
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AllocationError(ErrorCode.BAD_DELTA, f"bad delta {value!r}") from None


def format_delta(delta: float) -> float | str:
    """JSON-safe band width ("inf" for no band)."""
    return "inf" if math.isinf(delta) else delta


def _policy(raw: Mapping[str, Any]) -> Policy:
    kwargs: dict[str, Any] = {}
    if "delta" in raw:
        kwargs["delta"] = parse_delta(raw["delta"])
    for key in ("slack_penalty_per_kg", "inter_hub_cost_per_kg"):
        if key in raw:
            kwargs[key] = float(raw[key])
    if "nutrition_weight" in raw:
        kwargs["nutrition_weight"] = dict(raw["nutrition_weight"])
    if "urgency_bucket_days" in raw:
        kwargs["urgency_bucket_days"] = tuple(raw["urgency_bucket_days"])
    if "urgency_weights" in raw:
        kwargs["urgency_weights"] = tuple(raw["urgency_weights"])
    if "lot_scope" in raw:
        kwargs["lot_scope"] = raw["lot_scope"]
    if "withhold_whole_lots" in raw:
        kwargs["withhold_whole_lots"] = bool(raw["withhold_whole_lots"])
    return Policy(**kwargs)


def problem_from_dict(raw: Mapping[str, Any]) -> AllocationProblem:
    """Build an :class:`AllocationProblem` from decoded JSON.

    Raises AllocationError: BAD_JSON for structural errors, or the validation code of the
    offending dataclass.
    """
    try:
        period = raw["period"]
        window = raw.get("window", {})
        hubs = tuple(Hub(str(h["hub_id"]), str(h["mrc_id"])) for h in raw["hubs"])
        agencies = tuple(
            Agency(
                agency_id=str(a["agency_id"]),
                hub_id=str(a["hub_id"]),
                people_served=int(a["people_served"]),
                capacity_kg=dict(a.get("capacity_kg", {})),
                earliest_delivery=_req_date(a.get("earliest_delivery", period["start"])),
                deprivation_factor=float(a.get("deprivation_factor", 1.0)),
                ineligible_categories=frozenset(a.get("ineligible_categories", [])),
                transport_cost_per_kg=float(a.get("transport_cost_per_kg", 0.0)),
                prior_received_kg=dict(a.get("prior_received_kg", {})),
            )
            for a in raw["agencies"]
        )
        lots = tuple(
            Lot(
                lot_id=str(x["lot_id"]),
                hub_id=str(x["hub_id"]),
                category=x["category"],
                storage_class=x["storage_class"],
                quantity_kg=float(x["quantity_kg"]),
                dlu=_date(x.get("dlu")),
                best_before=_date(x.get("best_before")),
                unit_kg=None if x.get("unit_kg") is None else float(x["unit_kg"]),
                divisible=bool(x.get("divisible", False)),
            )
            for x in raw["lots"]
        )
        return AllocationProblem(
            period_id=str(period["id"]),
            period_start=_req_date(period["start"]),
            period_end=_req_date(period["end"]),
            hubs=hubs,
            agencies=agencies,
            lots=lots,
            window_prior_supply_kg=dict(window.get("prior_supply_kg", {})),
            window_weeks=int(window.get("weeks", 1)),
            policy=_policy(raw.get("policy", {})),
        )
    except AllocationError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise AllocationError(ErrorCode.BAD_JSON, f"malformed problem JSON: {exc!r}") from exc


def load_problem(path: str | Path) -> AllocationProblem:
    """Read a problem JSON file.  Raises AllocationError (BAD_JSON, validation codes)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AllocationError(ErrorCode.BAD_JSON, f"cannot read {path}: {exc}") from exc
    return problem_from_dict(raw)


def problem_to_dict(problem: AllocationProblem) -> dict[str, Any]:
    """Encode a problem as JSON-ready data (inverse of :func:`problem_from_dict`)."""
    pol = problem.policy
    return {
        "format": FORMAT,
        "period": {
            "id": problem.period_id,
            "start": problem.period_start.isoformat(),
            "end": problem.period_end.isoformat(),
        },
        "window": {
            "weeks": problem.window_weeks,
            "prior_supply_kg": {str(k): v for k, v in problem.window_prior_supply_kg.items()},
        },
        "policy": {
            "delta": format_delta(pol.delta),
            "slack_penalty_per_kg": pol.slack_penalty_per_kg,
            "nutrition_weight": {str(k): v for k, v in pol.nutrition_weight.items()},
            "urgency_bucket_days": list(pol.urgency_bucket_days),
            "urgency_weights": list(pol.urgency_weights),
            "lot_scope": str(pol.lot_scope),
            "inter_hub_cost_per_kg": pol.inter_hub_cost_per_kg,
            "withhold_whole_lots": pol.withhold_whole_lots,
        },
        "hubs": [{"hub_id": h.hub_id, "mrc_id": h.mrc_id} for h in problem.hubs],
        "agencies": [
            {
                "agency_id": a.agency_id,
                "hub_id": a.hub_id,
                "people_served": a.people_served,
                "deprivation_factor": a.deprivation_factor,
                "capacity_kg": {str(k): v for k, v in a.capacity_kg.items()},
                "ineligible_categories": sorted(str(c) for c in a.ineligible_categories),
                "earliest_delivery": a.earliest_delivery.isoformat(),
                "transport_cost_per_kg": a.transport_cost_per_kg,
                "prior_received_kg": {str(k): v for k, v in a.prior_received_kg.items()},
            }
            for a in problem.agencies
        ],
        "lots": [
            {
                "lot_id": x.lot_id,
                "hub_id": x.hub_id,
                "category": str(x.category),
                "storage_class": str(x.storage_class),
                "quantity_kg": x.quantity_kg,
                "dlu": x.dlu.isoformat() if x.dlu else None,
                "best_before": x.best_before.isoformat() if x.best_before else None,
                "unit_kg": x.unit_kg,
                "divisible": x.divisible,
            }
            for x in problem.lots
        ],
    }


def _num(v: float) -> float | str | None:
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return round(v, 6)


def metrics_to_dict(m: EquityMetrics) -> dict[str, Any]:
    """Encode equity measures (kg, ratios) as JSON-ready data."""
    return {k: _num(float(v)) for k, v in m.__dict__.items()}


def plan_to_dict(plan: AllocationPlan, *, include_explanations: bool = True) -> dict[str, Any]:
    """Encode a plan as JSON-ready data (quantities in kg with gram precision)."""
    out: dict[str, Any] = {
        "period_id": plan.period_id,
        "method": str(plan.method),
        "delta": format_delta(plan.delta),
        "status": plan.status,
        "objective": _num(plan.objective),
        "lp_bound": _num(plan.lp_bound),
        "rounding_gap_pct": _num(plan.rounding_gap_pct),
        "value_gap_pct": _num(plan.value_gap_pct),
        "hard_band_held": plan.hard_band_held,
        "solve_seconds": round(plan.solve_seconds, 4),
        "metrics": metrics_to_dict(plan.metrics),
        "assignments": [
            {
                "lot_id": a.lot_id,
                "agency_id": a.agency_id,
                "quantity_kg": a.quantity_g / 1000.0,
                "units": a.units,
            }
            for a in plan.assignments
        ],
    }
    if include_explanations:
        out["explanations"] = [
            {
                "level": e.level,
                "id": e.entity_id,
                "category": str(e.category),
                "fair_share_kg": _num(e.fair_share_kg),
                "allocated_kg": _num(e.allocated_kg),
                "allocated_period_kg": _num(e.allocated_period_kg),
                "reason": str(e.reason),
            }
            for e in plan.explanations
        ]
    return out


def curve_to_dict(points: list[CurvePoint]) -> list[dict[str, Any]]:
    """Encode a trade-off curve as JSON-ready data."""
    return [
        {
            "delta": format_delta(p.delta),
            "distributed_kg": _num(p.distributed_kg),
            "weighted_value": _num(p.weighted_value),
            "band_slack_kg": _num(p.band_slack_kg),
            "max_relative_deviation": _num(p.max_relative_deviation),
            "min_fill_rate": _num(p.min_fill_rate),
            "hard_band_held": p.hard_band_held,
        }
        for p in points
    ]
