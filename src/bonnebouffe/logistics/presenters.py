"""Display data for plans and routes (map features, report figures, stop rows)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Route, RoutePlan, RouteStop, StopKind
from .services import ACCESS_MAX_LENGTH_M, LOAD_LABELS, left_out_label

ROUTE_COLOURS = ["#1d5e3a", "#8a3b00", "#1a56db", "#7a1f6b", "#5c5c00", "#a1111b", "#006d77"]


def cold_needs(stop: RouteStop) -> str:
    classes = {i.get("storage_class") for i in stop.items}
    if "frozen" in classes:
        return _("Frozen: keep at -18 °C or less")
    if "refrigerated" in classes:
        return _("Refrigerated: keep at 4 °C or less")
    return ""


def stop_row(stop: RouteStop) -> dict[str, Any]:
    site = stop.site
    return {
        "stop": stop,
        "name": site.organisation.name,
        "address": f"{site.address}, {site.municipality.name}"
        if site.municipality_id
        else site.address,
        "contact_role": site.contact_role,
        "access_notes": site.access_notes,
        "arrival": timezone.localtime(stop.planned_arrival),
        "items": [
            {**i, "label": i.get("name") or str(LOAD_LABELS.get(i.get("storage_class", ""), ""))}
            for i in stop.items
            if "kg" in i
        ],
        "cold": cold_needs(stop),
        # Items whose temperature the driver takes: at a pickup, and at the delivery of a
        # direct shipment (the agency receives it there).
        "temperature_items": [
            i
            for i in stop.items
            if i.get("storage_class") in ("refrigerated", "frozen")
            and i.get("item_id")
            and (stop.kind == StopKind.PICKUP or stop.ref_id.startswith("ship-"))
        ],
        "lat": float(site.latitude),
        "lon": float(site.longitude),
    }


def route_rows(route: Route) -> list[dict[str, Any]]:
    return [stop_row(s) for s in route.stops.all()]


def plan_map_data(plan: RoutePlan) -> dict[str, Any]:
    """Routes as polylines and stops as points, for Leaflet (no tile server needed)."""
    routes = []
    for i, route in enumerate(plan.routes.all()):
        stops = list(route.stops.all())
        routes.append(
            {
                "number": route.number,
                "label": _("Route %(n)s — %(v)s") % {"n": route.number, "v": route.vehicle.name},
                "colour": ROUTE_COLOURS[i % len(ROUTE_COLOURS)],
                "points": [[float(s.site.latitude), float(s.site.longitude)] for s in stops],
                "stops": [
                    {
                        "lat": float(s.site.latitude),
                        "lon": float(s.site.longitude),
                        "kind": s.kind,
                        "label": f"{s.sequence}. {s.site.organisation.name}",
                    }
                    for s in stops
                ],
            }
        )
    return {"routes": routes}


# A "small truck or van only" site: vehicles up to this length (m) (a cube van).
SMALL_TRUCK_MAX_LENGTH_M = Decimal(str(ACCESS_MAX_LENGTH_M["small"]))


def access_problem(vehicle: Any, site: Any) -> str:
    """Why ``vehicle`` may not fit at ``site`` ('' when nothing is known against it). The
    planner keeps vehicles out of sites too short for them (`site_max_vehicle_length_m`);
    what it cannot know (a "car only" site, a vehicle of unknown length) the plan page
    lists for the coordinator."""
    length = vehicle.max_length_m
    if site.truck_access == "car":
        return _("car only")
    limit = site.max_vehicle_length_m
    if length is not None and limit is not None and length > limit:
        return _("vehicles up to %(max)s m") % {"max": site.max_vehicle_length_m}
    if site.truck_access == "small" and length is not None and length > SMALL_TRUCK_MAX_LENGTH_M:
        return _("small truck or van only")
    return ""


PROVIDER_LABELS = {
    "haversine": gettext_lazy(
        "straight-line distance times a detour factor, urban and rural speeds"
    ),
    "osrm": gettext_lazy("OSRM road network"),
    "valhalla": gettext_lazy("Valhalla road network"),
}
FACTOR_LABELS = {
    "detour_factor": gettext_lazy("detour factor"),
    "urban_speed_kmh": gettext_lazy("urban speed (km/h)"),
    "rural_speed_kmh": gettext_lazy("rural speed (km/h)"),
    "urban_radius_km": gettext_lazy("urban radius (km)"),
    "base_url": gettext_lazy("service address"),
    "profile": gettext_lazy("profile"),
    "costing": gettext_lazy("profile"),
    "duration_factor": gettext_lazy("duration factor"),
}


def travel_summary(plan: RoutePlan) -> dict[str, Any]:
    """The travel-time provider of a plan and its factors, labelled for people."""
    return {
        "provider": plan.provider,
        "label": str(PROVIDER_LABELS.get(plan.provider, plan.provider)),
        "factors": [
            {"label": str(FACTOR_LABELS.get(k, k)), "value": v} for k, v in plan.factors.items()
        ],
    }


def plan_report(plan: RoutePlan) -> dict[str, Any]:
    """Figures for the plan page; cold-chain compliance is re-checked from the stored routes;
    vehicles too big for a site's access are listed."""
    cold_ok = True
    access = []
    for route in plan.routes.all():
        v = route.vehicle
        for s in route.stops.all():
            why = access_problem(v, s.site) if s.kind != StopKind.DEPOT else ""
            if why:
                access.append(
                    {
                        "route": route.number,
                        "vehicle": v.name,
                        "place": s.site.organisation.name,
                        "why": why,
                    }
                )
            classes = {i.get("storage_class") for i in s.items if i.get("kg")}
            if ("refrigerated" in classes and v.refrigerated_kg <= 0) or (
                "frozen" in classes and v.frozen_kg <= 0
            ):
                cold_ok = False
    sites = {}
    from bonnebouffe.network.models import Site

    ids = [lo[k] for lo in plan.left_out for k in ("site_id", "to_site_id") if lo.get(k)]
    sites = {s.pk: s for s in Site.objects.filter(pk__in=ids).select_related("organisation")}

    def place(lo: dict[str, Any]) -> str:
        here = sites[lo["site_id"]].organisation.name if lo.get("site_id") in sites else ""
        there = sites.get(lo.get("to_site_id"))  # type: ignore[arg-type]
        if there is not None:
            return _("%(donor)s, straight to %(agency)s") % {
                "donor": here,
                "agency": there.organisation.name,
            }
        return here or lo["ref_id"]

    left_out = [
        {
            **lo,
            "kind_label": _("Direct shipment")
            if lo.get("to_site_id")
            else dict(StopKind.choices).get(lo.get("kind", ""), ""),
            "reason_label": left_out_label(lo["reason"]),
            "place": place(lo),
        }
        for lo in plan.left_out
    ]
    return {
        "km": Decimal(plan.distance_m) / 1000,
        "hours": Decimal(plan.duration_s) / 3600,
        "collected_kg": Decimal(plan.collected_g) / 1000,
        "delivered_kg": Decimal(plan.delivered_g) / 1000,
        "cold_ok": cold_ok,
        "access": access,
        "travel": travel_summary(plan),
        "left_out": left_out,
        "difference": plan.difference,
    }
