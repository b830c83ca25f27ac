"""Reads of the logistics app, always through the user's scope.

Who sees what: a network administrator sees the fleet and plans of every hub of their
networks; a hub coordinator those of their own hub (not the other hubs'); a driver sees
their own routes only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.network.models import Network, Organisation, OrganisationKind, Site
from bonnebouffe.rescue.models import Acceptance, Handover

from .models import (
    DeliveryRequest,
    Driver,
    Route,
    RoutePlan,
    RouteStop,
    Shift,
    StopUpdate,
    Vehicle,
)


def hub_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Hubs whose fleet and plans the scope may see and manage."""
    if scope.is_superuser:
        return Q()
    q = Q(**{f"{prefix}network_id__in": scope.admin_network_ids})
    q |= Q(**{f"{prefix}id__in": scope.coordinator_hub_ids})
    return q


def may_plan(scope: Scope) -> bool:
    return scope.is_superuser or bool(scope.admin_network_ids or scope.coordinator_hub_ids)


def planning_hubs(*, scope: Scope) -> QuerySet[Organisation]:
    if not may_plan(scope):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        hub_scope_q(scope), kind=OrganisationKind.HUB, is_active=True
    ).order_by("name")


def planning_networks(*, scope: Scope) -> QuerySet[Network]:
    """Networks whose whole fleet the scope may plan at once (their administrators)."""
    if scope.is_superuser:
        return Network.objects.order_by("name")
    return Network.objects.filter(pk__in=scope.admin_network_ids).order_by("name")


def plan_scope_q(scope: Scope) -> Q:
    if scope.is_superuser:
        return Q()
    return Q(network_id__in=scope.admin_network_ids) | Q(
        hub_id__in=scope.coordinator_hub_ids, hub__isnull=False
    )


def plan_list(
    *, scope: Scope, day: date | None = None, hub_id: int | None = None
) -> QuerySet[RoutePlan]:
    if not may_plan(scope):
        return RoutePlan.objects.none()
    qs = RoutePlan.objects.filter(plan_scope_q(scope)).select_related("hub", "created_by")
    if day is not None:
        qs = qs.filter(date=day)
    if hub_id is not None:
        qs = qs.filter(hub_id=hub_id)
    return qs


def plan_get(*, scope: Scope, pk: int) -> RoutePlan | None:
    return (
        plan_list(scope=scope)
        .filter(pk=pk)
        .prefetch_related(
            Prefetch(
                "routes",
                queryset=Route.objects.select_related("vehicle", "driver").prefetch_related(
                    Prefetch(
                        "stops",
                        queryset=RouteStop.objects.select_related(
                            "site", "site__organisation", "site__municipality"
                        ),
                    )
                ),
            )
        )
        .first()
    )


def plan_previous(*, plan: RoutePlan) -> RoutePlan | None:
    """The plan made just before this one for the same date and hub."""
    return (
        RoutePlan.objects.filter(
            network_id=plan.network_id, hub_id=plan.hub_id, date=plan.date, pk__lt=plan.pk
        )
        .order_by("-pk")
        .first()
    )


def plan_latest(*, network_id: int, hub_id: int | None, day: date) -> RoutePlan | None:
    """The newest plan of a date for a hub (``hub_id`` None: the whole network)."""
    return (
        RoutePlan.objects.filter(network_id=network_id, hub_id=hub_id, date=day)
        .order_by("-pk")
        .first()
    )


def plan_may_replan(*, plan: RoutePlan) -> bool:
    """The latest plan of today or of a day to come."""
    if plan.date < timezone.localdate():
        return False
    latest = plan_latest(network_id=plan.network_id, hub_id=plan.hub_id, day=plan.date)
    return latest is not None and latest.pk == plan.pk


def plan_routes_with_stops(*, plan: RoutePlan) -> list[Route]:
    """The plan's routes in order, each with its stops in order."""
    return list(
        Route.objects.filter(plan=plan)
        .order_by("number")
        .prefetch_related(Prefetch("stops", queryset=RouteStop.objects.order_by("sequence")))
    )


def vehicle_list(*, scope: Scope) -> QuerySet[Vehicle]:
    return Vehicle.objects.filter(hub_scope_q(scope, "hub__")).select_related("hub")


def driver_list(*, scope: Scope) -> QuerySet[Driver]:
    return Driver.objects.filter(hub_scope_q(scope, "hub__")).select_related("hub", "user")


def shift_list(*, scope: Scope, day: date | None = None) -> QuerySet[Shift]:
    qs = Shift.objects.filter(hub_scope_q(scope, "vehicle__hub__")).select_related(
        "vehicle", "vehicle__hub", "driver"
    )
    if day is not None:
        qs = qs.filter(date=day)
    return qs


def delivery_sites(*, scope: Scope) -> QuerySet[Site]:
    """Places a hub in scope may deliver to: active sites of its network, hubs excepted."""
    networks = Organisation.objects.filter(hub_scope_q(scope), kind=OrganisationKind.HUB).values(
        "network_id"
    )
    return (
        Site.objects.filter(organisation__network_id__in=networks, organisation__is_active=True)
        .exclude(organisation__kind=OrganisationKind.HUB)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


def delivery_request_list(*, scope: Scope, day: date | None = None) -> QuerySet[DeliveryRequest]:
    qs = DeliveryRequest.objects.filter(hub_scope_q(scope, "hub__")).select_related(
        "hub", "site", "site__organisation"
    )
    if day is not None:
        qs = qs.filter(date=day)
    return qs


# ---- reads for planning (no scope: the scope was checked when the job was submitted)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight of ``day`` and of the next day, timezone-aware."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def hubs_by_ids(hub_ids: list[int]) -> list[Organisation]:
    return list(Organisation.objects.filter(pk__in=hub_ids, kind=OrganisationKind.HUB))


def network_hub_ids(network_id: int) -> list[int]:
    return list(
        Organisation.objects.filter(
            network_id=network_id, kind=OrganisationKind.HUB, is_active=True
        ).values_list("pk", flat=True)
    )


def hub_sites(hub_ids: list[int]) -> dict[int, Site]:
    """The main site of each hub (with its opening hours)."""
    out: dict[int, Site] = {}
    for site in (
        Site.objects.filter(organisation_id__in=hub_ids)
        .prefetch_related("opening_hours")
        .select_related("organisation")
        .order_by("-is_primary", "pk")
    ):
        out.setdefault(site.organisation_id, site)
    return out


def pickups_for(*, day: date, hub_ids: list[int]) -> list[Acceptance]:
    """Accepted offers not yet received, to pick up at the donor on ``day``."""
    start, end = day_bounds(day)
    return list(
        Acceptance.objects.filter(
            taker_id__in=hub_ids,
            received=False,
            offer__handover=Handover.PICKUP,
            offer__pickup_site__isnull=False,
            offer__window_start__lt=end,
            offer__window_end__gt=start,
        )
        .select_related("offer", "offer__pickup_site", "offer__donor", "taker")
        .prefetch_related("lines__item", "offer__pickup_site__opening_hours")
        .order_by("pk")
    )


def shipments_for(*, day: date, hub_ids: list[int]) -> list[Acceptance]:
    """Food accepted by an agency of these hubs, to pick up at the donor on ``day`` and
    bring straight to the agency; ``taker_site`` is the agency's main site (or None)."""
    start, end = day_bounds(day)
    rows = list(
        Acceptance.objects.filter(
            taker__hub_id__in=hub_ids,
            received=False,
            offer__handover=Handover.PICKUP,
            offer__pickup_site__isnull=False,
            offer__window_start__lt=end,
            offer__window_end__gt=start,
        )
        .exclude(taker__kind=OrganisationKind.HUB)
        .select_related("offer", "offer__pickup_site", "offer__donor", "taker")
        .prefetch_related("lines__item", "offer__pickup_site__opening_hours")
        .order_by("pk")
    )
    sites: dict[int, Site] = {}
    for site in (
        Site.objects.filter(organisation_id__in={a.taker_id for a in rows})
        .prefetch_related("opening_hours")
        .order_by("-is_primary", "pk")
    ):
        sites.setdefault(site.organisation_id, site)
    for acc in rows:
        acc.taker_site = sites.get(acc.taker_id)  # type: ignore[attr-defined]
    return rows


def delivery_requests_for(*, day: date, hub_ids: list[int]) -> list[DeliveryRequest]:
    return list(
        DeliveryRequest.objects.filter(date=day, hub_id__in=hub_ids)
        .select_related("site", "site__organisation")
        .prefetch_related("site__opening_hours")
        .order_by("pk")
    )


def allocation_deliveries_for(*, day: date, hub_id: int) -> list[Any]:
    """Published confirmed allocation lines, if the allocation app offers them."""
    try:
        from bonnebouffe.allocation.selectors import deliveries_for_planning
    except (ImportError, AttributeError):
        return []
    return list(deliveries_for_planning(hub_id=hub_id, date=day))


def shifts_for(*, day: date, hub_ids: list[int]) -> list[Shift]:
    return list(
        Shift.objects.filter(date=day, vehicle__hub_id__in=hub_ids, vehicle__active=True)
        .select_related("vehicle", "driver")
        .order_by("pk")
    )


def sites_by_ids(site_ids: list[int]) -> dict[int, Site]:
    return {s.pk: s for s in Site.objects.filter(pk__in=site_ids).select_related("organisation")}


# ---- driver


def driver_routes(*, user: Any, day: date) -> list[Route]:
    """The user's routes on ``day`` in the latest plan of each hub."""
    routes = list(
        Route.objects.filter(driver__user=user, plan__date=day)
        .select_related("plan", "vehicle", "driver")
        .prefetch_related(
            Prefetch(
                "stops",
                queryset=RouteStop.objects.select_related("site", "site__organisation"),
            )
        )
        .order_by("-plan__pk", "number")
    )
    latest: dict[Any, int] = {}
    out = []
    for r in routes:
        key = r.plan.hub_id
        if latest.setdefault(key, r.plan_id) == r.plan_id:
            out.append(r)
    return out


def driver_next_route(*, user: Any, after: date) -> Route | None:
    """The user's first route after ``after`` (latest plan of that date), if any."""
    nxt = (
        Route.objects.filter(driver__user=user, plan__date__gt=after)
        .order_by("plan__date")
        .values_list("plan__date", flat=True)
        .first()
    )
    if nxt is None:
        return None
    routes = driver_routes(user=user, day=nxt)
    return routes[0] if routes else None


def stop_for_update(*, scope: Scope, user: Any, pk: int) -> RouteStop | None:
    """A stop the user may update: their own route, or a plan they manage."""
    qs = RouteStop.objects.select_related(
        "route", "route__plan", "route__driver", "site", "site__organisation"
    ).filter(pk=pk)
    if scope.is_superuser:
        return qs.first()
    q = Q(route__driver__user_id=scope.user_id) if scope.user_id else Q(pk__in=[])
    q |= Q(route__plan__network_id__in=scope.admin_network_ids)
    q |= Q(route__plan__hub_id__in=scope.coordinator_hub_ids)
    return qs.filter(q).first()


def acceptance_for_pickup(acceptance_id: int) -> Acceptance | None:
    """The acceptance a pickup stop collects, with its lines and offer items."""
    return (
        Acceptance.objects.filter(pk=acceptance_id)
        .select_related("offer", "offer__donor")
        .prefetch_related("lines__item")
        .first()
    )


def route_hub_site(route: Route) -> Site:
    """The site the route leaves from (its first hub stop)."""
    first = (
        RouteStop.objects.filter(route=route, kind="depot")
        .select_related("site", "site__organisation")
        .order_by("sequence")
        .first()
    )
    assert first is not None, "a stored route always starts at a hub"
    return first.site


def shipment_pickup_stop(*, stop: RouteStop) -> RouteStop | None:
    """The pickup end of a direct shipment's delivery stop (same route, same shipment)."""
    return RouteStop.objects.filter(
        route_id=stop.route_id, ref_id=stop.ref_id, kind="pickup"
    ).first()


def shipment_pickup_temperatures(*, stop: RouteStop) -> dict[str, Decimal]:
    """Temperatures (°C by item id) the driver took at a pickup, from its update."""
    update = StopUpdate.objects.filter(stop=stop, action="picked_up").order_by("-at").first()
    raw = (update.payload or {}).get("temperatures_c", {}) if update is not None else {}
    return {str(k): Decimal(str(v)) for k, v in raw.items()}


def driver_profile_exists(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and Driver.objects.filter(user=user, active=True).exists()
    )


def stop_update_by_key(key: str) -> StopUpdate | None:
    return StopUpdate.objects.filter(idempotency_key=key).first()
