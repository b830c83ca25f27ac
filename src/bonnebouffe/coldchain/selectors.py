"""Reads of the cold chain: units in a scope, today's status, readings, excursions.

Who sees a unit. `network.selectors.organisation_scope_q` also opens every hub of the
network (for the directory); a hub's fridge log is that hub's own record, so units are
narrowed to the organisations a scope works with: an administrator's networks, a
coordinator's MRCs and hub, a staff member's own organisations. A Haut-Saint-Laurent
coordinator therefore does not see the Roussillon hub's freezer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from bonnebouffe.accounts.models import User
from bonnebouffe.accounts.selectors import Scope
from bonnebouffe.domain.food_safety import StorageClass
from bonnebouffe.inventory.models import Balance, StorageLocation
from bonnebouffe.inventory.selectors import safety_policy
from bonnebouffe.network.models import Organisation, Site
from bonnebouffe.network.selectors import organisation_scope_q

from .models import ColdUnit, Excursion, ExcursionStatus, TemperatureReading

UNIT_ORG = "site__organisation__"
READINGS_DEFAULT_DAYS = 30


def _working_org_q(scope: Scope, p: str, *, managers_only: bool) -> Q:
    """Organisations whose cold units the scope works with (see the module docstring)."""
    if scope.is_superuser:
        return Q()
    if not scope.sees_records:
        return Q(pk__in=[])
    q = Q(**{f"{p}network_id__in": scope.admin_network_ids})
    q |= Q(**{f"{p}mrc_id__in": scope.coordinator_mrc_ids, f"{p}network_id__in": scope.network_ids})
    q |= Q(**{f"{p}id__in": scope.coordinator_hub_ids})
    if not managers_only:
        q |= Q(**{f"{p}id__in": scope.own_org_ids})
    # Never wider than the network rules, whatever the narrowing above says.
    return organisation_scope_q(scope, p) & q


def unit_scope_q(scope: Scope, prefix: str = "") -> Q:
    """Units a scope may see and log readings for."""
    return _working_org_q(scope, f"{prefix}{UNIT_ORG}", managers_only=False)


def unit_manage_q(scope: Scope, prefix: str = "") -> Q:
    """Units a scope may add and whose excursions it may review: administrators, coordinators."""
    return _working_org_q(scope, f"{prefix}{UNIT_ORG}", managers_only=True)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day [start, end) as aware datetimes (a DST day lasts 23 or 25 hours)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def unit_limit_c(unit: ColdUnit) -> Decimal | None:
    """The highest acceptable temperature of a unit (network policy, MAPAQ defaults)."""
    return safety_policy().max_temperature_c(StorageClass(unit.storage_class))


def units_for_scope(scope: Scope, *, active_only: bool = True) -> QuerySet[ColdUnit]:
    qs = ColdUnit.objects.filter(unit_scope_q(scope)).select_related("site__organisation")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("site__organisation__name", "site__name", "name")


def unit_get(*, scope: Scope, pk: int) -> ColdUnit | None:
    return units_for_scope(scope, active_only=False).filter(pk=pk).first()


def unit_manageable(*, scope: Scope, unit: ColdUnit) -> bool:
    return ColdUnit.objects.filter(unit_manage_q(scope), pk=unit.pk).exists()


def sites_for_unit_create(*, scope: Scope) -> QuerySet[Site]:
    """Sites where the scope may add a cold unit (administrators and hub coordinators)."""
    return (
        Site.objects.filter(_working_org_q(scope, "organisation__", managers_only=True))
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


@dataclass(frozen=True)
class UnitStatus:
    """A unit as the day's log shows it."""

    unit: ColdUnit
    limit_c: Decimal | None
    last_reading: TemperatureReading | None
    checked_today: bool
    open_excursions: int


def _status_rows(qs: QuerySet[ColdUnit], on: date | None) -> list[UnitStatus]:
    """Statuses in two queries, whatever the number of units."""
    start, end = day_bounds(on or timezone.localdate())
    latest = TemperatureReading.objects.filter(unit=OuterRef("pk"), at__lt=end).order_by(
        "-at", "-pk"
    )
    units = list(
        qs.annotate(
            last_reading_id=Subquery(latest.values("pk")[:1]),
            checked_today=Exists(
                TemperatureReading.objects.filter(unit=OuterRef("pk"), at__gte=start, at__lt=end)
            ),
            open_excursion_count=Count(
                "excursions", filter=Q(excursions__status=ExcursionStatus.OPEN), distinct=True
            ),
        )
    )
    reading_ids = [u.last_reading_id for u in units if u.last_reading_id]  # type: ignore[attr-defined]
    readings = TemperatureReading.objects.in_bulk(reading_ids) if reading_ids else {}
    policy = safety_policy()
    return [
        UnitStatus(
            unit=u,
            limit_c=policy.max_temperature_c(StorageClass(u.storage_class)),
            last_reading=readings.get(u.last_reading_id),  # type: ignore[attr-defined]
            checked_today=bool(u.checked_today),  # type: ignore[attr-defined]
            open_excursions=int(u.open_excursion_count),  # type: ignore[attr-defined]
        )
        for u in units
    ]


def unit_status_list(*, scope: Scope, on: date | None = None) -> list[UnitStatus]:
    """Today's status of every unit in service in the scope: last reading, checked, excursions."""
    return _status_rows(units_for_scope(scope), on)


def unit_status_get(*, scope: Scope, pk: int, on: date | None = None) -> UnitStatus | None:
    rows = _status_rows(units_for_scope(scope, active_only=False).filter(pk=pk), on)
    return rows[0] if rows else None


def units_not_checked_today(
    *, scope: Scope | None = None, on: date | None = None
) -> QuerySet[ColdUnit]:
    """Units in service with no reading on the (local) day; every unit when scope is None."""
    start, end = day_bounds(on or timezone.localdate())
    qs = ColdUnit.objects.filter(is_active=True).select_related("site__organisation")
    if scope is not None:
        qs = qs.filter(unit_scope_q(scope))
    return qs.exclude(
        Exists(TemperatureReading.objects.filter(unit=OuterRef("pk"), at__gte=start, at__lt=end))
    ).order_by("site__organisation__name", "site__name", "name")


def reading_list(
    *, unit: ColdUnit, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[TemperatureReading]:
    """Readings of a unit over [start, end), newest first (default: the last 30 days)."""
    if start is None:
        start = timezone.now() - timedelta(days=READINGS_DEFAULT_DAYS)
    qs = unit.readings.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lt=end)
    return qs.select_related("excursion").order_by("-at", "-pk")


def excursion_list(
    *, scope: Scope, status: str = "", unit_id: int | None = None
) -> QuerySet[Excursion]:
    qs = (
        Excursion.objects.filter(unit_scope_q(scope, "unit__"))
        .select_related("unit__site__organisation", "reading")
        .prefetch_related("lots")
    )
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return qs.order_by("-reading__at", "-pk")


def excursion_get(*, scope: Scope, pk: int) -> Excursion | None:
    return excursion_list(scope=scope).filter(pk=pk).first()


def excursion_reviewable(*, scope: Scope, excursion: Excursion) -> bool:
    return ColdUnit.objects.filter(unit_manage_q(scope), pk=excursion.unit_id).exists()


def unit_balances(*, unit_id: int, lot_ids: list[int] | None = None) -> QuerySet[Balance]:
    """Stock on hand in the storage locations that follow this unit's temperature."""
    qs = Balance.objects.filter(location__cold_unit_id=unit_id, quantity_g__gt=0)
    if lot_ids is not None:
        qs = qs.filter(lot_id__in=lot_ids)
    return qs.select_related("lot", "site", "location").order_by("lot_id", "pk")


def unit_locations(*, unit_id: int) -> QuerySet[StorageLocation]:
    """The storage locations (set on the stock pages) that follow this unit's temperature."""
    return StorageLocation.objects.filter(cold_unit_id=unit_id).order_by("name")


def lot_ids_in_unit(*, unit_id: int) -> list[int]:
    return sorted(set(unit_balances(unit_id=unit_id).values_list("lot_id", flat=True)))


def lot_ids_held_elsewhere(*, lot_ids: list[int], excursion_id: int) -> set[int]:
    """Lots also held by another excursion still under review."""
    through = Excursion.lots.through
    return set(
        through.objects.filter(lot_id__in=lot_ids, excursion__status=ExcursionStatus.OPEN)
        .exclude(excursion_id=excursion_id)
        .values_list("lot_id", flat=True)
    )


def open_excursion_for_unit(*, unit_id: int) -> Excursion | None:
    return (
        Excursion.objects.filter(unit_id=unit_id, status=ExcursionStatus.OPEN)
        .order_by("reading__at", "pk")
        .first()
    )


def alert_organisations(*, unit: ColdUnit) -> list[Organisation]:
    """Who hears about a unit: its site's organisation, and that organisation's hub."""
    org = unit.site.organisation
    orgs = [org]
    if org.hub_id and org.hub_id != org.pk:
        hub = Organisation.objects.filter(pk=org.hub_id).first()
        if hub is not None:
            orgs.append(hub)
    return orgs


def alert_recipients(*, organisation_ids: list[int]) -> QuerySet[User]:
    """Active members of these organisations who gave an email address."""
    return (
        User.objects.filter(memberships__organisation_id__in=organisation_ids, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
