"""Reads of fair allocation, always through the user's scope."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.inventory.models import Balance, FoodCategory
from bonnebouffe.inventory.selectors import distributable_q
from bonnebouffe.network.models import Organisation, OrganisationKind, Site
from bonnebouffe.network.selectors import organisation_scope_q

from .models import (
    AgencyNeed,
    AllocationLine,
    AllocationPolicy,
    AllocationRun,
    LineStatus,
    RunStatus,
)

PERIOD_RE = re.compile(r"^(\d{4})-W(\d{2})$")
# Lines that still hold stock back from the next run (refused and delivered ones do not).
RESERVING = (LineStatus.PROPOSED, LineStatus.CONFIRMED)

# Inventory categories -> the engine's Canada's Food Guide categories.
ENGINE_CATEGORY = {
    FoodCategory.VEGETABLES_FRUITS: "vegetables_fruits",
    FoodCategory.PROTEIN: "protein_foods",
    FoodCategory.DAIRY: "protein_foods",
    FoodCategory.WHOLE_GRAINS: "whole_grains",
    FoodCategory.BAKERY: "other_grains",
    FoodCategory.PREPARED: "prepared_meals",
    FoodCategory.DRY_GOODS: "other",
    FoodCategory.BEVERAGES: "other",
    FoodCategory.INFANT: "other",
    FoodCategory.OTHER: "other",
}


def period_bounds(period: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week "YYYY-Www"; ValueError if malformed."""
    m = PERIOD_RE.match(period or "")
    if not m:
        raise ValueError(period)
    start = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    return start, start + timedelta(days=6)


def period_of(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def period_current() -> str:
    return period_of(timezone.localdate())


def period_shift(period: str, weeks: int) -> str:
    start, _end = period_bounds(period)
    return period_of(start + timedelta(weeks=weeks))


def policy_get(network_id: int) -> AllocationPolicy:
    """The network's policy, unsaved defaults (settings.ALLOCATION_DELTA) if none stored."""
    from django.conf import settings

    found = AllocationPolicy.objects.filter(network_id=network_id).first()
    if found is not None:
        return found
    return AllocationPolicy(
        network_id=network_id, delta=getattr(settings, "ALLOCATION_DELTA", 0.10)
    )


def can_run(scope: Scope) -> bool:
    return scope.is_admin or bool(scope.coordinator_hub_ids)


def hubs_for_run(scope: Scope) -> QuerySet[Organisation]:
    """Hubs a scope may allocate for: its network's (administrators) or its own (coordinators)."""
    qs = Organisation.objects.filter(kind=OrganisationKind.HUB, is_active=True)
    if scope.is_superuser:
        return qs.select_related("mrc", "network")
    q = Q(network_id__in=scope.admin_network_ids) | Q(pk__in=scope.coordinator_hub_ids)
    return qs.filter(q).select_related("mrc", "network")


def agency_list(*, scope: Scope) -> QuerySet[Organisation]:
    """Agencies (organisations attached to a hub) whose need the scope may see or declare."""
    qs = Organisation.objects.filter(
        organisation_scope_q(scope), is_active=True, hub__isnull=False
    ).exclude(kind__in=[OrganisationKind.HUB, OrganisationKind.FARM, OrganisationKind.FOOD_BANK])
    if not (scope.is_admin or scope.coordinator_hub_ids):
        qs = qs.filter(pk__in=scope.own_org_ids)
    return qs.select_related("hub", "mrc", "municipality").order_by("name")


def need_rows(*, scope: Scope, period: str) -> list[tuple[Organisation, AgencyNeed | None]]:
    agencies = list(agency_list(scope=scope))
    needs = {
        n.agency_id: n
        for n in AgencyNeed.objects.filter(agency__in=[a.pk for a in agencies], period=period)
    }
    return [(a, needs.get(a.pk)) for a in agencies]


def need_get(*, agency_id: int, period: str) -> AgencyNeed | None:
    return AgencyNeed.objects.filter(agency_id=agency_id, period=period).first()


def site_capacity_kg(agency_id: int) -> dict[str, int]:
    """Default receiving room: the sum of the agency's sites' storage, per class (kg)."""
    agg = Site.objects.filter(organisation_id=agency_id).aggregate(
        ambient=Sum("storage_ambient_kg"),
        refrigerated=Sum("storage_refrigerated_kg"),
        frozen=Sum("storage_frozen_kg"),
    )
    return {k: int(v or 0) for k, v in agg.items()}


def run_scope_q(scope: Scope) -> Q:
    """Runs a scope may see: its network's (administrators), its hubs' (coordinators)."""
    if scope.is_superuser:
        return Q()
    return Q(network_id__in=scope.admin_network_ids) | Q(hub_id__in=scope.coordinator_hub_ids)


def run_list(*, scope: Scope) -> QuerySet[AllocationRun]:
    return AllocationRun.objects.filter(run_scope_q(scope)).select_related("hub", "network")


def run_get(*, scope: Scope, pk: int) -> AllocationRun | None:
    return run_list(scope=scope).filter(pk=pk).first()


def run_lines(*, run: AllocationRun) -> QuerySet[AllocationLine]:
    return run.lines.select_related("agency", "agency__hub", "lot", "site").order_by(
        "agency__name", "lot__category", "pk"
    )


def line_scope_q(scope: Scope) -> Q:
    """Lines of agencies the scope covers: own agency (staff), territory (coordinators)."""
    if scope.is_superuser:
        return Q()
    if not scope.sees_records:
        return Q(pk__in=[])
    q = Q(agency_id__in=scope.own_org_ids)
    q |= Q(agency__network_id__in=scope.admin_network_ids)
    q |= Q(agency__mrc_id__in=scope.coordinator_mrc_ids, agency__network_id__in=scope.network_ids)
    q |= Q(agency__hub_id__in=scope.coordinator_hub_ids)
    return q


def line_get(*, scope: Scope, pk: int) -> AllocationLine | None:
    return (
        AllocationLine.objects.filter(line_scope_q(scope), pk=pk)
        .select_related("run", "agency", "lot", "site", "location")
        .first()
    )


def my_lines(*, scope: Scope) -> QuerySet[AllocationLine]:
    """Published lines of the scope's agencies (newest week first)."""
    return (
        AllocationLine.objects.filter(
            line_scope_q(scope), run__status=RunStatus.PUBLISHED, quantity_g__gt=0
        )
        .select_related("run", "agency", "lot", "site")
        .order_by("-run__period", "agency__name", "lot__date_value", "pk")
    )


def reserved_g(
    balance_keys: list[tuple[int, int, int | None]],
) -> dict[tuple[int, int, int | None], int]:
    """Grams of each (lot, site, location) promised by published, not yet delivered lines."""
    out: dict[tuple[int, int, int | None], int] = defaultdict(int)
    if not balance_keys:
        return out
    lots = {k[0] for k in balance_keys}
    rows = (
        AllocationLine.objects.filter(
            lot_id__in=lots, run__status=RunStatus.PUBLISHED, status__in=RESERVING
        )
        .values("lot_id", "site_id", "location_id")
        .annotate(q=Sum("quantity_g"))
    )
    for r in rows:
        out[(r["lot_id"], r["site_id"], r["location_id"])] += int(r["q"] or 0)
    return out


def supply_balances(*, hub_ids: list[int], on: date) -> list[tuple[Balance, int]]:
    """Distributable stock at the hubs' sites on a day, minus what published runs promised.

    Returns (balance, free grams) with free grams > 0, oldest date first.
    """
    balances = list(
        Balance.objects.filter(
            distributable_q("lot__", on=on),
            site__organisation_id__in=hub_ids,
            quantity_g__gt=0,
        )
        .select_related("lot", "site")
        .order_by("lot__date_value", "pk")
    )
    held = reserved_g([(b.lot_id, b.site_id, b.location_id) for b in balances])
    out = []
    for b in balances:
        free = int(b.quantity_g) - held.get((b.lot_id, b.site_id, b.location_id), 0)
        if free > 0:
            out.append((b, free))
    return out


def history_lines(
    *, network_id: int, periods: list[str], agency_ids: list[int]
) -> list[dict[str, Any]]:
    """Kg received per agency and inventory category in earlier published runs of the window."""
    rows: Any = (
        AllocationLine.objects.filter(
            run__network_id=network_id,
            run__status=RunStatus.PUBLISHED,
            run__period__in=periods,
            agency_id__in=agency_ids,
        )
        .exclude(status=LineStatus.REFUSED)
        .values("agency_id", "lot__category")
        .annotate(q=Sum("quantity_g"))
    )
    return list(rows)


def allocation_summary(*, scope: Scope) -> list[dict[str, Any]]:
    """Aggregates per week and MRC of published runs (what evaluators may see)."""
    qs = AllocationLine.objects.filter(run__status=RunStatus.PUBLISHED)
    if not scope.is_superuser:
        qs = qs.filter(run__network_id__in=scope.network_ids)
    rows: Any = (
        qs.values("run__period", "agency__mrc__name")
        .annotate(q=Sum("quantity_g"))
        .order_by("-run__period", "agency__mrc__name")
    )
    return list(rows)


@dataclass(frozen=True)
class PlannedDelivery:
    """A confirmed allocation to deliver: one agency site, kg per storage class, a window."""

    agency_id: int
    agency_name: str
    site_id: int
    latitude: float
    longitude: float
    kg_by_storage_class: dict[str, float] = field(default_factory=dict)
    window_start: time | None = None
    window_end: time | None = None
    line_ids: tuple[int, ...] = ()


def deliveries_for_planning(*, hub_id: int, date: date) -> list[PlannedDelivery]:
    """Confirmed lines leaving a hub's sites in the week of `date`, grouped per agency site.

    The time window is the agency's main site's opening hours on that weekday (first opening
    to last closing); None when the site has no hours that day.
    """
    lines = list(
        AllocationLine.objects.filter(
            run__status=RunStatus.PUBLISHED,
            run__period=period_of(date),
            status=LineStatus.CONFIRMED,
            site__organisation_id=hub_id,
        ).select_related("lot", "agency")
    )
    by_agency: dict[int, list[AllocationLine]] = defaultdict(list)
    for line in lines:
        by_agency[line.agency_id].append(line)
    if not by_agency:
        return []
    sites: dict[int, Site] = {}
    for s in (
        Site.objects.filter(organisation_id__in=by_agency)
        .prefetch_related("opening_hours")
        .order_by("-is_primary", "pk")
    ):
        sites.setdefault(s.organisation_id, s)
    out = []
    for agency_id, group in sorted(by_agency.items()):
        site = sites.get(agency_id)
        if site is None:
            continue
        kg: dict[str, float] = defaultdict(float)
        for line in group:
            kg[line.lot.storage_class] += line.quantity_g / 1000.0
        hours = [h for h in site.opening_hours.all() if h.weekday == date.weekday()]
        out.append(
            PlannedDelivery(
                agency_id=agency_id,
                agency_name=group[0].agency.name,
                site_id=site.pk,
                latitude=float(site.latitude),
                longitude=float(site.longitude),
                kg_by_storage_class=dict(kg),
                window_start=min(h.opens for h in hours) if hours else None,
                window_end=max(h.closes for h in hours) if hours else None,
                line_ids=tuple(line.pk for line in group),
            )
        )
    return out
