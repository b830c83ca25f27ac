"""Writes of the logistics app: fleet, gathering a day's work into a routing problem,
storing the solved plan, and the drivers' stop updates (idempotent)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bonnebouffe.accounts.models import Role
from bonnebouffe.accounts.selectors import Scope, users_with_role
from bonnebouffe.domain.food_safety import urgency_score
from bonnebouffe.planning.routing.errors import RoutingInputError
from bonnebouffe.planning.routing.geo import Location
from bonnebouffe.planning.routing.jsonio import plan_to_dict, problem_to_dict
from bonnebouffe.planning.routing.model import (
    Depot,
    LeftOutReason,
    Load,
    RoutingProblem,
    Shipment,
    Stop,
    VehicleType,
    VisitKind,
    attach_matrix,
)
from bonnebouffe.planning.routing.model import RoutePlan as SolvedPlan
from bonnebouffe.planning.routing.model import (
    StopKind as RoutingStopKind,
)
from bonnebouffe.planning.routing.travel import (
    HaversineProvider,
    MatrixCache,
    OsrmProvider,
    TravelTimeProvider,
    ValhallaProvider,
)

from ..models import (
    DeliveryRequest,
    Driver,
    Route,
    RoutePlan,
    RouteStop,
    Shift,
    StopAction,
    StopKind,
    StopStatus,
    StopUpdate,
    Vehicle,
)
from ..selectors import (
    acceptance_for_pickup,
    allocation_deliveries_for,
    day_bounds,
    delivery_requests_for,
    hub_scope_q,
    hub_sites,
    network_hub_ids,
    pickups_for,
    plan_previous,
    route_hub_site,
    shifts_for,
    shipment_pickup_stop,
    shipment_pickup_temperatures,
    shipments_for,
    sites_by_ids,
    stop_update_by_key,
)

# Writes made on behalf of a driver whose right to the stop was already checked.
SYSTEM_SCOPE = Scope(user_id=None, is_superuser=True)

PICKUP_SERVICE_S = 15 * 60
DELIVERY_SERVICE_S = 10 * 60
# $ per kg per urgency point (urgency = 1 / days left): a pickup of 100 kg that must be
# eaten within 2 days is worth 250 $ of driving; a week-long one 70 $.
PRIZE_PER_KG = 5.0
# Deliveries are promised food: worth far more than a pickup, but still optional so that a
# day with too little fleet gives a plan with reasons instead of no plan at all.
DELIVERY_PRIZE_BASE = 200.0
DELIVERY_PRIZE_PER_KG = 5.0
MAX_RELOADS = 2

LEFT_OUT_LABELS = {
    LeftOutReason.NO_CAPACITY_COLD: gettext_lazy("no vehicle with enough cold space"),
    LeftOutReason.NO_CAPACITY: gettext_lazy("too heavy for every vehicle"),
    LeftOutReason.NO_VEHICLE: gettext_lazy("no vehicle available"),
    LeftOutReason.VEHICLE_TOO_LONG: gettext_lazy("every vehicle is too long for the site"),
    LeftOutReason.OUTSIDE_TIME_WINDOW_REACH: gettext_lazy(
        "cannot be reached within its hours and the drivers' shifts"
    ),
    LeftOutReason.NOT_WORTH_COST: gettext_lazy("the detour costs more than the food is worth"),
    LeftOutReason.NO_ROOM_IN_PLAN: gettext_lazy("no room left in today's routes"),
    LeftOutReason.SOLVER_FAILED: gettext_lazy("the planner found no place for it"),
}


def left_out_label(reason: str) -> str:
    try:
        return str(LEFT_OUT_LABELS[LeftOutReason(reason)])
    except (ValueError, KeyError):
        return reason


class PlanningError(Exception):
    """Nothing to plan, or no vehicle: a translated message for the user."""


# ----------------------------------------------------------------------------- fleet


def _check_hub(scope: Scope, hub_id: int) -> None:
    from bonnebouffe.network.models import Organisation

    if not Organisation.objects.filter(hub_scope_q(scope), pk=hub_id, kind="hub").exists():
        raise PermissionDenied


@transaction.atomic
def vehicle_save(*, scope: Scope, vehicle: Vehicle) -> Vehicle:
    _check_hub(scope, vehicle.hub_id)
    vehicle.full_clean()
    vehicle.save()
    return vehicle


@transaction.atomic
def driver_save(*, scope: Scope, driver: Driver) -> Driver:
    _check_hub(scope, driver.hub_id)
    if (
        driver.user_id is not None
        and not users_with_role(organisation_ids=[driver.hub_id], role=Role.DRIVER)
        .filter(pk=driver.user_id)
        .exists()
    ):
        raise ValidationError({"user": _("This account has no driver role in the hub.")})
    driver.full_clean()
    driver.save()
    return driver


# SAAQ licence classes: a class-1 licence also lets one drive class-3 and class-5
# vehicles, a class-3 licence class-5 ones.
LICENCE_COVERS = {"1": {"1", "3", "5"}, "3": {"3", "5"}, "5": {"5"}}


@transaction.atomic
def shift_save(*, scope: Scope, shift: Shift) -> Shift:
    """Save a shift: the vehicle and the driver must be available that weekday, the driver
    of the vehicle's hub and holding the licence class the vehicle needs."""
    _check_hub(scope, shift.vehicle.hub_id)
    vehicle, driver = shift.vehicle, shift.driver
    errors: dict[str, list[str]] = {}
    weekday = shift.date.weekday() if shift.date else None
    if weekday is not None and weekday not in (vehicle.weekdays or []):
        errors.setdefault("vehicle", []).append(_("This vehicle does not run on that weekday."))
    if not vehicle.active:
        errors.setdefault("vehicle", []).append(_("This vehicle is not active."))
    if driver is not None:
        if driver.hub_id != vehicle.hub_id:
            errors.setdefault("driver", []).append(
                _("The driver must belong to the vehicle's hub.")
            )
        if weekday is not None and weekday not in (driver.weekdays or []):
            errors.setdefault("driver", []).append(
                _("This driver is not available on that weekday.")
            )
        covered = LICENCE_COVERS.get(driver.licence_class.strip(), {driver.licence_class.strip()})
        if vehicle.licence_class.strip() and vehicle.licence_class.strip() not in covered:
            errors.setdefault("driver", []).append(
                _("This vehicle needs a class %(needed)s licence; the driver has class %(has)s.")
                % {"needed": vehicle.licence_class, "has": driver.licence_class}
            )
    if errors:
        raise ValidationError(errors)
    shift.full_clean()
    shift.save()
    return shift


@transaction.atomic
def delivery_request_create(*, scope: Scope | None, request: DeliveryRequest) -> DeliveryRequest:
    """Food to bring from a hub to a site (an agency, a grocery, a mobile unit's base) on a
    date. The site must be of the hub's network and have coordinates; some food is needed;
    a time window has its start before its end."""
    if scope is not None:
        _check_hub(scope, request.hub_id)
    errors: dict[str, list[str]] = {}
    if (
        request.site_id
        and request.hub_id
        and request.site.organisation.network_id != (request.hub.network_id)
    ):
        errors.setdefault("site", []).append(_("This place is not in the hub's network."))
    total = (request.ambient_kg or 0) + (request.refrigerated_kg or 0) + (request.frozen_kg or 0)
    if total <= 0:
        errors.setdefault("ambient_kg", []).append(_("Enter the kilograms to deliver."))
    if (request.window_start is None) != (request.window_end is None):
        errors.setdefault("window_end", []).append(_("Give both ends of the time window."))
    elif request.window_start and request.window_end and request.window_start >= request.window_end:
        errors.setdefault("window_end", []).append(_("The window must end after it starts."))
    if errors:
        raise ValidationError(errors)
    request.full_clean()
    request.save()
    return request


# -------------------------------------------------------------------------- planning


def travel_provider() -> TravelTimeProvider:
    """The travel-time provider chosen in ``settings.LOGISTICS_TRAVEL`` (see base.py).

    Raises PlanningError (translated) when the setting names an unknown provider or an
    HTTP provider without URL.
    """
    conf: dict[str, Any] = dict(getattr(settings, "LOGISTICS_TRAVEL", {}) or {})
    kind = str(conf.get("provider") or "haversine")
    if kind == "haversine":
        return HaversineProvider(
            detour_factor=float(conf.get("detour_factor", 1.3)),
            urban_speed_kmh=float(conf.get("urban_speed_kmh", 40)),
            rural_speed_kmh=float(conf.get("rural_speed_kmh", 80)),
            urban_radius_km=float(conf.get("urban_radius_km", 3)),
        )
    if kind in ("osrm", "valhalla"):
        url = str(conf.get("url") or "")
        if not url:
            raise PlanningError(
                _("The travel-time service %(name)s has no URL in the settings.") % {"name": kind}
            )
        cache_dir = conf.get("cache_dir")
        cache = MatrixCache(directory=Path(str(cache_dir)) if cache_dir else None)
        cls = OsrmProvider if kind == "osrm" else ValhallaProvider
        return cls(
            base_url=url,
            timeout_s=float(conf.get("timeout_s", 30)),
            duration_factor=float(conf.get("duration_factor", 1.0)),
            cache=cache,
        )
    raise PlanningError(
        _("Unknown travel-time provider %(name)s in the settings.") % {"name": kind}
    )


@dataclass
class StopMeta:
    """What the Django side knows about a routing stop (the solver only sees ids)."""

    kind: str
    site_id: int
    items: list[dict[str, Any]]
    window: tuple[int, int]
    kg: float
    # Direct shipments: the delivery end (the pickup end is the StopMeta itself).
    delivery: StopMeta | None = None


@dataclass
class PlanningInput:
    problem: RoutingProblem
    meta: dict[str, StopMeta]
    shifts: dict[str, int]  # vehicle type id -> shift id
    depot_sites: dict[str, int]  # depot id -> site id
    warnings: list[str] = field(default_factory=list)


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _hours_window(site: Any, day: date) -> tuple[int, int] | None:
    hours = [h for h in site.opening_hours.all() if h.weekday == day.weekday()]
    if not hours:
        return None
    return _secs(min(h.opens for h in hours)), _secs(max(h.closes for h in hours))


def _loc(site: Any) -> Location:
    return Location(lat=float(site.latitude), lon=float(site.longitude))


def _time_of(s: int) -> time:
    s = max(0, min(s, 86_399))
    return time(s // 3600, (s % 3600) // 60)


def _clip(window: tuple[int, int], other: tuple[int, int] | None) -> tuple[int, int]:
    if other is None:
        return window
    early, late = max(window[0], other[0]), min(window[1], other[1])
    return (early, late) if early <= late else window


# Site access (network.TruckAccess) as a longest vehicle, for sites without a length of their
# own: a "small truck or van only" site takes a cube van, a "car only" site a car or minivan.
ACCESS_MAX_LENGTH_M = {"small": 6.5, "car": 5.2}


def site_max_vehicle_length_m(site: Any) -> float | None:
    """The longest vehicle a site takes (metres), None when nothing limits it."""
    limits = [float(site.max_vehicle_length_m)] if site.max_vehicle_length_m is not None else []
    if site.truck_access in ACCESS_MAX_LENGTH_M:
        limits.append(ACCESS_MAX_LENGTH_M[site.truck_access])
    return min(limits) if limits else None


def _load(kg_by_class: dict[str, float]) -> Load:
    return Load(
        ambient_kg=round(kg_by_class.get("ambient", 0.0), 3),
        refrigerated_kg=round(kg_by_class.get("refrigerated", 0.0), 3),
        frozen_kg=round(kg_by_class.get("frozen", 0.0), 3),
    )


def planning_input_build(*, day: date, network_id: int, hub_id: int | None = None) -> PlanningInput:
    """Gather a day's work (pickups, deliveries, vehicles with a shift, hubs) into a problem.

    Times are seconds since local midnight of ``day``. Raises PlanningError when there is
    no vehicle on shift or nothing to pick up or deliver.
    """
    hub_ids = [hub_id] if hub_id is not None else network_hub_ids(network_id)
    sites = hub_sites(hub_ids)
    depots: list[Depot] = []
    depot_sites: dict[str, int] = {}
    for hid in hub_ids:
        site = sites.get(hid)
        if site is None:
            continue
        open_s, close_s = _hours_window(site, day) or (0, 86_399)
        depots.append(
            Depot(
                id=f"hub-{hid}",
                location=_loc(site),
                open_s=open_s,
                close_s=close_s,
                name=site.organisation.name,
            )
        )
        depot_sites[f"hub-{hid}"] = site.pk
    if not depots:
        raise PlanningError(_("The hub has no site with coordinates."))
    depot_ids = {d.id for d in depots}

    vehicle_types: list[VehicleType] = []
    shifts: dict[str, int] = {}
    for shift in shifts_for(day=day, hub_ids=hub_ids):
        v = shift.vehicle
        depot_id = f"hub-{v.hub_id}"
        if depot_id not in depot_ids or day.weekday() not in (v.weekdays or []):
            continue
        vt_id = f"shift-{shift.pk}"
        vehicle_types.append(
            VehicleType(
                id=vt_id,
                depot_id=depot_id,
                capacity_kg=float(v.capacity_kg),
                capacity_refrigerated_kg=float(v.refrigerated_kg),
                capacity_frozen_kg=float(v.frozen_kg),
                capacity_volume_l=float(v.volume_l) if v.volume_l else None,
                shift_start_s=_secs(shift.start),
                shift_end_s=_secs(shift.end),
                cost_per_km=float(v.cost_per_km),
                cost_per_hour=float(v.cost_per_hour),
                reload_depot_ids=(depot_id,),
                max_reloads=MAX_RELOADS,
                name=v.name,
                length_m=float(v.max_length_m) if v.max_length_m is not None else None,
            )
        )
        shifts[vt_id] = shift.pk
    if not vehicle_types:
        raise PlanningError(_("No vehicle has a shift on that date."))

    stops: list[Stop] = []
    meta: dict[str, StopMeta] = {}
    day_start, _day_end = day_bounds(day)

    def acceptance_load(acc: Any) -> tuple[dict[str, float], list[dict[str, Any]], float]:
        """kg per storage class, items, and urgency (points per kg) of an acceptance."""
        kg: dict[str, float] = defaultdict(float)
        items = []
        prize_points = Decimal(0)
        for line in acc.lines.all():
            item = line.item
            item_kg = line.quantity_g / 1000.0
            kg[item.storage_class] += item_kg
            days = (item.date_value - day).days if item.date_value else None
            prize_points += urgency_score(Decimal(line.quantity_g) / 1000, days)
            items.append(
                {
                    "item_id": item.pk,
                    "name": item.product_name,
                    "kg": round(item_kg, 3),
                    "storage_class": item.storage_class,
                }
            )
        total = sum(kg.values())
        return kg, items, (float(prize_points) / total if total > 0 else 0.0)

    def pickup_window(acc: Any) -> tuple[int, int]:
        offer = acc.offer
        early = int((timezone.localtime(offer.window_start) - day_start).total_seconds())
        late = int((timezone.localtime(offer.window_end) - day_start).total_seconds())
        return _clip((max(0, early), min(86_399, late)), _hours_window(offer.pickup_site, day))

    for acc in pickups_for(day=day, hub_ids=hub_ids):
        site = acc.offer.pickup_site
        assert site is not None  # pickups_for filters on it
        kg, items, urgency = acceptance_load(acc)
        total = sum(kg.values())
        window = pickup_window(acc)
        if total <= 0 or window[0] > window[1]:
            continue
        ref = f"acc-{acc.pk}"
        stops.append(
            Stop(
                id=ref,
                kind=RoutingStopKind.PICKUP,
                location=_loc(site),
                load=_load(kg),
                service_s=PICKUP_SERVICE_S,
                tw_early_s=window[0],
                tw_late_s=window[1],
                required=False,
                urgency=urgency,
                site_type="donor",
                name=acc.offer.donor.name,
                max_vehicle_length_m=site_max_vehicle_length_m(site),
            )
        )
        meta[ref] = StopMeta(StopKind.PICKUP, site.pk, items, window, total)

    # Food an agency accepted at a donor's door: the hub's truck takes it straight there.
    shipments: list[Shipment] = []
    for acc in shipments_for(day=day, hub_ids=hub_ids):
        pickup_site = acc.offer.pickup_site
        agency_site = getattr(acc, "taker_site", None)
        if pickup_site is None or agency_site is None:
            continue
        kg, items, urgency = acceptance_load(acc)
        total = sum(kg.values())
        window = pickup_window(acc)
        drop = _clip((window[0], 86_399), _hours_window(agency_site, day))
        max_ride_s = None
        if kg.get("refrigerated", 0) + kg.get("frozen", 0) > 0:
            # Perishables: at most LOGISTICS_PERISHABLE_MAX_RIDE_MIN on board. The core bounds
            # the ride from the pickup window's opening, so the pickup opens no earlier than
            # that long before the agency does (food does not wait on the truck for it).
            max_ride_s = int(settings.LOGISTICS_PERISHABLE_MAX_RIDE_MIN) * 60
            window = (max(window[0], drop[0] - PICKUP_SERVICE_S - max_ride_s), window[1])
        if total <= 0 or window[0] > window[1] or drop[0] > drop[1]:
            continue
        ref = f"ship-{acc.pk}"
        shipments.append(
            Shipment(
                id=ref,
                pickup_location=_loc(pickup_site),
                delivery_location=_loc(agency_site),
                load=_load(kg),
                pickup_service_s=PICKUP_SERVICE_S,
                pickup_tw_early_s=window[0],
                pickup_tw_late_s=window[1],
                delivery_service_s=DELIVERY_SERVICE_S,
                delivery_tw_early_s=drop[0],
                delivery_tw_late_s=drop[1],
                required=False,
                urgency=urgency,
                name=f"{acc.offer.donor.name} → {acc.taker.name}",
                max_ride_s=max_ride_s,
                max_vehicle_length_m=min(
                    (
                        x
                        for x in map(site_max_vehicle_length_m, (pickup_site, agency_site))
                        if x is not None
                    ),
                    default=None,
                ),
            )
        )
        meta[ref] = StopMeta(
            StopKind.PICKUP,
            pickup_site.pk,
            items,
            window,
            total,
            delivery=StopMeta(StopKind.DELIVERY, agency_site.pk, items, drop, total),
        )

    def add_delivery(
        ref: str, site: Any, kg: dict[str, float], items: list[dict[str, Any]], tw: Any
    ) -> None:
        total = sum(kg.values())
        if total <= 0:
            return
        window = _clip((0, 86_399), tw)
        stops.append(
            Stop(
                id=ref,
                kind=RoutingStopKind.DELIVERY,
                location=_loc(site),
                load=_load(kg),
                service_s=DELIVERY_SERVICE_S,
                tw_early_s=window[0],
                tw_late_s=window[1],
                required=False,
                prize=DELIVERY_PRIZE_BASE + DELIVERY_PRIZE_PER_KG * total,
                site_type="agency",
                name=site.organisation.name,
                max_vehicle_length_m=site_max_vehicle_length_m(site),
            )
        )
        meta[ref] = StopMeta(StopKind.DELIVERY, site.pk, items, window, total)

    for req in delivery_requests_for(day=day, hub_ids=hub_ids):
        kg = {
            "ambient": float(req.ambient_kg),
            "refrigerated": float(req.refrigerated_kg),
            "frozen": float(req.frozen_kg),
        }
        tw = _hours_window(req.site, day)
        if req.window_start and req.window_end:
            tw = (_secs(req.window_start), _secs(req.window_end))
        items = [
            {"name": str(LOAD_LABELS[c]), "kg": round(k, 3), "storage_class": c}
            for c, k in kg.items()
            if k > 0
        ]
        for lot in req.lot_ids or []:
            items.append({"lot_id": int(lot["lot_id"]), "quantity_g": int(lot["quantity_g"])})
        add_delivery(f"req-{req.pk}", req.site, kg, items, tw)

    for hid in hub_ids:
        planned = allocation_deliveries_for(day=day, hub_id=hid)
        if not planned:
            continue
        site_map = sites_by_ids([p.site_id for p in planned])
        for p in planned:
            site = site_map.get(p.site_id)
            if site is None:
                continue
            kg = {c: float(k) for c, k in p.kg_by_storage_class.items()}
            tw = (
                (_secs(p.window_start), _secs(p.window_end))
                if p.window_start and p.window_end
                else None
            )
            items = [
                {"name": str(LOAD_LABELS.get(c, c)), "kg": round(k, 3), "storage_class": c}
                for c, k in kg.items()
                if k > 0
            ]
            # Delivered by the route: these confirmed allocation lines leave the stock.
            items.append({"allocation_line_ids": list(p.line_ids)})
            add_delivery(f"alloc-{hid}-{p.agency_id}", site, kg, items, tw)

    if not stops and not shipments:
        raise PlanningError(_("Nothing to pick up or deliver on that date."))
    provider = travel_provider()
    problem = RoutingProblem(
        name=f"{day.isoformat()} hub {hub_id or 'network'}",
        depots=tuple(depots),
        stops=tuple(stops),
        shipments=tuple(shipments),
        vehicle_types=tuple(vehicle_types),
        travel=provider if isinstance(provider, HaversineProvider) else HaversineProvider(),
        prize_per_kg=PRIZE_PER_KG,
        date=day.isoformat(),
    )
    if not isinstance(provider, HaversineProvider):
        # HTTP providers are asked once and their matrix frozen into the problem, so that
        # the validator and the stored plan never call the network again.
        try:
            problem = attach_matrix(problem, provider)
        except RoutingInputError as exc:
            raise PlanningError(
                _("The travel-time service (%(name)s at %(url)s) did not answer: %(error)s")
                % {"name": provider.name, "url": conf_url(provider), "error": exc}
            ) from exc
    return PlanningInput(problem=problem, meta=meta, shifts=shifts, depot_sites=depot_sites)


def conf_url(provider: TravelTimeProvider) -> str:
    return str(provider.factors().get("base_url", ""))


LOAD_LABELS = {
    "ambient": gettext_lazy("Dry goods (ambient)"),
    "refrigerated": gettext_lazy("Refrigerated goods"),
    "frozen": gettext_lazy("Frozen goods"),
}


def _served(plan_json: dict[str, Any]) -> set[str]:
    """Stop and shipment ids served by a plan (JSON form)."""
    return {
        v["ref_id"]
        for r in plan_json.get("routes", [])
        for v in r.get("visits", [])
        if v.get("kind") in ("stop", "shipment_pickup")
    }


def _delivery_site_id(meta: StopMeta | None) -> int | None:
    return meta.delivery.site_id if meta is not None and meta.delivery is not None else None


@dataclass
class CommittedPrefix:
    """Re-planning: the part of a route already done (or under way), kept as it was.

    ``stops``: the earlier plan's stop rows from the start hub to the last committed visit
    (copied into the new plan with their status, weights and problem); ``visits``: the same
    visits in plan-JSON form, for the full plan of the day."""

    vehicle_type_id: str
    vehicle_no: int
    start_id: str
    start_s: int
    stops: list[RouteStop]
    visits: list[dict[str, Any]]


def _full_plan(plan_json: dict[str, Any], prefixes: dict[str, CommittedPrefix]) -> dict[str, Any]:
    """The whole day's plan: each re-planned route behind its committed prefix.

    Routes of a vehicle start (``start_id`` in ``prefixes``) get the prefix visits in front
    and their trips renumbered after the prefix's last trip; a prefix whose vehicle the
    solver no longer uses becomes a route of its own (back to its hub). Visits, trips,
    loads and times are exact; distances and costs are those of the remaining part.
    """
    routes = []
    used = set()
    for r in plan_json["routes"]:
        pre = prefixes.get(r["start_id"])
        if pre is None:
            routes.append(r)
            continue
        used.add(r["start_id"])
        last_trip = pre.visits[-1]["trip"] if pre.visits else 0
        visits = [*pre.visits, *({**v, "trip": v["trip"] + last_trip} for v in r["visits"])]
        routes.append({**r, "start_id": pre.start_id, "start_s": pre.start_s, "visits": visits})
    for sid, pre in prefixes.items():
        if sid not in used:
            last = pre.visits[-1] if pre.visits else {"departure_s": pre.start_s}
            routes.append(
                {
                    "vehicle_type_id": pre.vehicle_type_id,
                    "vehicle_no": pre.vehicle_no,
                    "start_id": pre.start_id,
                    "end_depot_id": pre.start_id,
                    "start_s": pre.start_s,
                    "end_s": last["departure_s"],
                    "start_load": {},
                    "visits": pre.visits,
                    "distance_m": 0,
                    "duration_s": 0,
                    "cost": 0.0,
                }
            )
    return {**plan_json, "routes": routes}


@transaction.atomic
def plan_store(
    *,
    day: date,
    network_id: int,
    hub_id: int | None,
    planning: PlanningInput,
    solved: SolvedPlan,
    owner_id: int | None = None,
    job_id: str = "",
    prefixes: dict[str, CommittedPrefix] | None = None,
    full_problem: dict[str, Any] | None = None,
) -> RoutePlan:
    """Store a validated plan: RoutePlan, its routes and stops, and the difference from the
    previous plan of the same date and hub.

    Re-planning (``prefixes`` by vehicle start id, ``full_problem``): each route keeps its
    committed prefix's stops first; ``full_json`` keeps the whole day (problem without
    vehicle starts, full plan) for the next re-planning. Kilograms count the whole day."""
    prefixes = prefixes or {}
    plan_json = plan_to_dict(solved)
    full = (
        {"problem": full_problem, "plan": _full_plan(plan_json, prefixes)}
        if full_problem is not None
        else {}
    )
    meta = planning.meta
    served_new = _served(plan_json)
    collected = sum(meta[r].kg for r in served_new if meta[r].kind == StopKind.PICKUP)
    delivered = sum(
        meta[r].kg
        for r in served_new
        if meta[r].kind == StopKind.DELIVERY or meta[r].delivery is not None
    )
    for pre in prefixes.values():
        for stop in pre.stops:
            kg = sum(float(i.get("kg") or 0) for i in stop.items)
            if stop.kind == StopKind.PICKUP:
                collected += kg
            elif stop.kind == StopKind.DELIVERY:
                delivered += kg
    plan = RoutePlan(
        network_id=network_id,
        hub_id=hub_id,
        date=day,
        provider=solved.travel.provider,
        factors=solved.travel.as_dict(),
        distance_m=solved.distance_m,
        duration_s=solved.duration_s,
        collected_g=round(collected * 1000),
        delivered_g=round(delivered * 1000),
        cost=Decimal(str(round(solved.cost, 2))),
        left_out=[
            {
                "ref_id": lo.ref_id,
                "reason": str(lo.reason),
                "required": lo.required,
                "kind": meta[lo.ref_id].kind if lo.ref_id in meta else "",
                "site_id": meta[lo.ref_id].site_id if lo.ref_id in meta else None,
                "kg": meta[lo.ref_id].kg if lo.ref_id in meta else 0,
                "to_site_id": _delivery_site_id(meta.get(lo.ref_id)),
            }
            for lo in solved.left_out
        ],
        plan_json=plan_json,
        problem_json=problem_to_dict(planning.problem),
        full_json=full,
        created_by_id=owner_id,
        job_id=job_id,
    )
    plan.full_clean()
    plan.save()
    midnight, _end = day_bounds(day)
    shifts = {s.pk: s for s in Shift.objects.filter(pk__in=planning.shifts.values())}
    stop_rows: list[RouteStop] = []

    def new_route(number: int, vt_id: str, r: Any) -> Route:
        shift = shifts[planning.shifts[vt_id]]
        return Route.objects.create(
            plan=plan,
            number=number,
            vehicle_id=shift.vehicle_id,
            driver_id=shift.driver_id,
            start_s=r.start_s,
            end_s=r.end_s,
            distance_m=r.distance_m,
            duration_s=r.duration_s,
            cost=Decimal(str(round(r.cost, 2))),
        )

    def add(
        route: Route, seq: int, kind: str, site_id: int, at_s: int, ref: str = "", **extra: Any
    ) -> int:
        stop_rows.append(
            RouteStop(
                route=route,
                sequence=seq,
                kind=kind,
                ref_id=ref,
                site_id=site_id,
                planned_arrival=midnight + timedelta(seconds=at_s),
                **extra,
            )
        )
        return seq + 1

    def copy_prefix(route: Route, pre: CommittedPrefix) -> int:
        seq = 0
        for old in pre.stops:
            seq = add(
                route,
                seq,
                old.kind,
                old.site_id,
                int((old.planned_arrival - midnight).total_seconds()),
                old.ref_id,
                window_start=old.window_start,
                window_end=old.window_end,
                items=old.items,
                status=old.status,
                actual_weights=old.actual_weights,
                problem_reason=old.problem_reason,
            )
        return seq

    number = 0
    used_starts = set()
    for r in solved.routes:
        number += 1
        route = new_route(number, r.vehicle_type_id, r)
        prefix = prefixes.get(r.start_id)
        if prefix is not None:
            used_starts.add(r.start_id)
            seq = copy_prefix(route, prefix)
        else:
            seq = add(
                route, 0, StopKind.DEPOT, planning.depot_sites[r.start_id], r.start_s, r.start_id
            )
        for v in r.visits:
            if v.kind is VisitKind.RELOAD:
                seq = add(
                    route,
                    seq,
                    StopKind.DEPOT,
                    planning.depot_sites[v.ref_id],
                    v.arrival_s,
                    v.ref_id,
                )
                continue
            m = meta[v.ref_id]
            if v.kind is VisitKind.SHIPMENT_DELIVERY:
                assert m.delivery is not None
                m = m.delivery
            seq = add(
                route,
                seq,
                m.kind,
                m.site_id,
                v.arrival_s,
                v.ref_id,
                window_start=_time_of(m.window[0]),
                window_end=_time_of(m.window[1]),
                items=m.items,
            )
        add(
            route,
            seq,
            StopKind.DEPOT,
            planning.depot_sites[r.end_depot_id],
            r.end_s,
            r.end_depot_id,
        )
    for sid, pre in prefixes.items():
        if sid in used_starts:
            continue
        # The solver has nothing more for this vehicle: what is done stays, then home.
        number += 1
        shift = shifts[planning.shifts[pre.vehicle_type_id]]
        route = Route.objects.create(
            plan=plan,
            number=number,
            vehicle_id=shift.vehicle_id,
            driver_id=shift.driver_id,
            start_s=pre.start_s,
        )
        seq = copy_prefix(route, pre)
        last = pre.visits[-1]["departure_s"] if pre.visits else pre.start_s
        add(route, seq, StopKind.DEPOT, planning.depot_sites[pre.start_id], last, pre.start_id)
    RouteStop.objects.bulk_create(stop_rows)
    plan.difference = plan_difference(plan=plan)
    plan.save(update_fields=["difference"])
    return plan


def plan_served(plan: RoutePlan) -> set[str]:
    """Stops served by the plan over the whole day (committed prefixes included)."""
    return _served((plan.full_json or {}).get("plan") or plan.plan_json)


def plan_difference(*, plan: RoutePlan) -> dict[str, Any]:
    """Km, cost and served stops compared with the previous plan of the same date & hub."""
    prev = plan_previous(plan=plan)
    if prev is None:
        return {}
    now_served, before = plan_served(plan), plan_served(prev)
    return {
        "previous_id": prev.pk,
        "km": round((plan.distance_m - prev.distance_m) / 1000, 1),
        "cost": float(plan.cost - prev.cost),
        "added": sorted(now_served - before),
        "removed": sorted(before - now_served),
    }


# -------------------------------------------------------------------- driver updates


class StopUpdateError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class StopUpdateResult:
    update: StopUpdate
    created: bool


def stop_update_apply(
    *,
    stop: RouteStop,
    key: str,
    action: str,
    actor: Any = None,
    weights_kg: dict[str, Decimal] | None = None,
    temperatures_c: dict[str, Decimal] | None = None,
    reason: str = "",
) -> StopUpdateResult:
    """Apply one driver update once. A key already used returns the earlier update and
    changes nothing (the phone retries after losing the signal).

    picked_up: the actual weight (kg) per item key is recorded on the stop, and the food is
    received into the route's hub stock through the ledger (rescue.reception_record: one
    lot per item weighed above zero; chilled and frozen items need their temperature).
    delivered: the stop is done; items carrying a lot id are issued from the hub's stock
    through the ledger (movement_record, with an idempotency key per lot).
    problem: a reason is required.

    Raises StopUpdateError (translated message) on bad input.
    """
    try:
        key = str(uuid.UUID(str(key)))
    except ValueError as exc:
        raise StopUpdateError(_("The update has no valid key.")) from exc
    existing = stop_update_by_key(key)
    if existing is not None:
        if existing.stop_id != stop.pk:
            raise StopUpdateError(_("This key was already used for another stop."))
        return StopUpdateResult(existing, False)
    try:
        action = StopAction(action)
    except ValueError as exc:
        raise StopUpdateError(_("Unknown action.")) from exc
    if stop.kind == StopKind.DEPOT:
        raise StopUpdateError(_("A hub stop needs no update."))
    if action == StopAction.PICKED_UP and stop.kind != StopKind.PICKUP:
        raise StopUpdateError(_("Only a pickup can be marked as picked up."))
    if action == StopAction.DELIVERED and stop.kind != StopKind.DELIVERY:
        raise StopUpdateError(_("Only a delivery can be marked as delivered."))
    reason = reason.strip()
    if action == StopAction.PROBLEM and not reason:
        raise StopUpdateError(_("Please say what the problem is."))
    grams: dict[str, int] = {}
    for k, kg in (weights_kg or {}).items():
        try:
            value = Decimal(str(kg))
        except ArithmeticError as exc:
            raise StopUpdateError(_("Weights must be numbers of kilograms.")) from exc
        if not value.is_finite() or value < 0 or value > 100_000:
            raise StopUpdateError(_("Weights must be between 0 and 100,000 kg."))
        grams[str(k)] = int(value * 1000)
    temps: dict[str, Decimal] = {}
    for k, c in (temperatures_c or {}).items():
        try:
            value = Decimal(str(c))
        except ArithmeticError as exc:
            raise StopUpdateError(_("Temperatures must be numbers of degrees Celsius.")) from exc
        if not value.is_finite() or not Decimal(-60) <= value <= Decimal(60):
            raise StopUpdateError(_("Temperatures must be between -60 and 60 °C."))
        temps[str(k)] = value
    try:
        with transaction.atomic():
            update = StopUpdate.objects.create(
                stop=stop,
                idempotency_key=key,
                action=action,
                payload={
                    "weights_g": grams,
                    "temperatures_c": {k: str(v) for k, v in temps.items()},
                    "reason": reason,
                },
                actor=actor if getattr(actor, "is_authenticated", False) else None,
            )
            locked = RouteStop.objects.select_for_update().get(pk=stop.pk)
            if action == StopAction.PROBLEM:
                locked.status = StopStatus.PROBLEM
                locked.problem_reason = reason[:300]
            else:
                locked.status = StopStatus.DONE
                if grams:
                    locked.actual_weights = grams
            if action == StopAction.DELIVERED:
                _issue_lots(stop=locked, key=key, actor=update.actor)
                _deliver_allocation(stop=locked, actor=update.actor)
                _receive_shipment(stop=locked, temps=temps, actor=update.actor)
            if action == StopAction.PICKED_UP:
                _receive_pickup(stop=locked, grams=grams, temps=temps, actor=update.actor)
            locked.save(update_fields=["status", "problem_reason", "actual_weights"])
    except IntegrityError:
        # The same key arrived twice at once: the other request applied it.
        again = stop_update_by_key(key)
        if again is None:
            raise
        return StopUpdateResult(again, False)
    stop.refresh_from_db()
    return StopUpdateResult(update, True)


def _receive_pickup(
    *, stop: RouteStop, grams: dict[str, int], temps: dict[str, Decimal], actor: Any
) -> None:
    """A hub's pickup (``acc-``) is received into the route's hub site when picked up; a
    direct shipment (``ship-``) stays on the truck until it is delivered."""
    if stop.ref_id.startswith("acc-"):
        _receive_acceptance(
            acceptance_id=int(stop.ref_id.removeprefix("acc-")),
            site=route_hub_site(stop.route),
            grams=grams,
            temps=temps,
            actor=actor,
        )
    elif stop.ref_id.startswith("ship-") and grams and not any(g > 0 for g in grams.values()):
        raise StopUpdateError(
            _("Every weight is 0 kg: report a problem instead if nothing was picked up.")
        )


def _deliver_allocation(*, stop: RouteStop, actor: Any) -> None:
    """The fair-allocation lines a delivery carries are delivered (allocation.line_deliver:
    an issue from the hub's stock to the agency, once per line). A line already delivered
    by hand on the allocation page is left as it is."""
    from bonnebouffe.allocation.errors import AllocationFailed
    from bonnebouffe.allocation.models import LineStatus
    from bonnebouffe.allocation.selectors import line_get
    from bonnebouffe.allocation.services import line_deliver

    for item in stop.items:
        for line_id in item.get("allocation_line_ids") or []:
            line = line_get(scope=SYSTEM_SCOPE, pk=int(line_id))
            if line is None or line.status == LineStatus.DELIVERED:
                continue
            try:
                line_deliver(scope=SYSTEM_SCOPE, line_id=line.pk, actor=actor)
            except AllocationFailed as exc:
                raise StopUpdateError(str(exc)) from exc


def _receive_shipment(*, stop: RouteStop, temps: dict[str, Decimal], actor: Any) -> None:
    """A direct shipment delivered: received at the agency's site, at the weights of its
    pickup (the planned ones when the pickup was not weighed), at the delivery's
    temperatures (those of the pickup when none were taken at the door)."""
    if not stop.ref_id.startswith("ship-"):
        return
    pickup = shipment_pickup_stop(stop=stop)
    grams = dict(pickup.actual_weights) if pickup is not None else {}
    if pickup is not None and not temps:
        temps = shipment_pickup_temperatures(stop=pickup)
    _receive_acceptance(
        acceptance_id=int(stop.ref_id.removeprefix("ship-")),
        site=stop.site,
        grams={k: int(v) for k, v in grams.items()},
        temps=temps,
        actor=actor,
    )


def _receive_acceptance(
    *, acceptance_id: int, site: Any, grams: dict[str, int], temps: dict[str, Decimal], actor: Any
) -> None:
    """Receive an acceptance at ``site`` (one lot per item) through rescue.reception_record.

    ``grams`` and ``temps`` are keyed by offer item id; an item left out of ``grams`` is
    taken at its planned weight, one at 0 g was not picked up. The driver's right to the
    stop was checked by ``stop_for_update``; the reception is recorded with the system
    scope.
    """
    from bonnebouffe.rescue.services import OfferError, ReceptionLine, reception_record

    acceptance = acceptance_for_pickup(acceptance_id)
    if acceptance is None:
        raise StopUpdateError(_("This pickup's offer no longer exists."))
    lines = []
    for line in acceptance.lines.all():
        item = line.item
        weight_g = grams.get(str(item.pk), line.quantity_g)
        if weight_g <= 0:
            continue
        lines.append(
            ReceptionLine(
                product_name=item.product_name,
                category=item.category,
                storage_class=item.storage_class,
                date_kind=item.date_kind,
                date_value=item.date_value,
                weight_g=weight_g,
                packaging_intact=True,
                label_present=True,
                accepted=True,
                temperature_c=temps.get(str(item.pk)),
                allergens=tuple(item.allergens or ()),
                unit_weight_g=item.unit_weight_g,
                offer_item_id=item.pk,
            )
        )
    if not lines:
        raise StopUpdateError(
            _("Every weight is 0 kg: report a problem instead if nothing was picked up.")
        )
    try:
        reception_record(
            scope=SYSTEM_SCOPE, site=site, lines=lines, acceptance=acceptance, actor=actor
        )
    except OfferError as exc:
        raise StopUpdateError(exc.message) from exc
    except ValidationError as exc:
        raise StopUpdateError(" ".join(str(m) for m in exc.messages)) from exc


def _issue_lots(*, stop: RouteStop, key: str, actor: Any) -> None:
    """Issue the stop's lots (items with ``lot_id`` and ``quantity_g``) from the hub site."""
    from bonnebouffe.inventory.errors import LedgerError
    from bonnebouffe.inventory.selectors import balance_list
    from bonnebouffe.inventory.services import movement_record

    wanted = {
        int(i["lot_id"]): int(i.get("quantity_g") or 0) for i in stop.items if i.get("lot_id")
    }
    if not wanted:
        return
    route = stop.route
    hub_site_id = (
        route.stops.filter(kind=StopKind.DEPOT)
        .order_by("sequence")
        .values_list("site_id", flat=True)
    )[0]
    for balance in balance_list(site_id=hub_site_id).filter(lot_id__in=wanted):
        take = min(wanted[balance.lot_id], int(balance.quantity_g))
        if take <= 0:
            continue
        wanted[balance.lot_id] -= take
        try:
            movement_record(
                lot=balance.lot,
                kind="issue",
                quantity_g=take,
                actor=actor,
                from_site=balance.site,
                from_location=balance.location,
                recipient=stop.site.organisation,
                reason=_("Delivered by route %(n)s") % {"n": route.number},
                idempotency_key=f"stop-{key}-{balance.pk}",
            )
        except LedgerError as exc:
            raise StopUpdateError(str(exc.message)) from exc


def planning_time_limit_s() -> float:
    return float(getattr(settings, "LOGISTICS_PLAN_TIME_LIMIT_S", 20))


def stop_defaults_now() -> datetime:
    return timezone.now()
