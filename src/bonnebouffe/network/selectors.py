"""Reads of the network registry, always through the user's scope."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from bonnebouffe.accounts.selectors import Scope

from .models import Network, OpeningHours, Organisation, OrganisationKind, Site


def organisation_scope_q(scope: Scope, prefix: str = "") -> Q:
    """The organisations whose records the scope may see (see accounts.selectors)."""
    if scope.is_superuser:
        return Q()
    if not scope.sees_records:
        return Q(pk__in=[])
    p = prefix
    q = Q(**{f"{p}network_id__in": scope.admin_network_ids})
    q |= Q(**{f"{p}mrc_id__in": scope.coordinator_mrc_ids, f"{p}network_id__in": scope.network_ids})
    q |= Q(**{f"{p}id__in": scope.own_org_ids | scope.coordinator_hub_ids})
    q |= Q(**{f"{p}kind": OrganisationKind.HUB, f"{p}network_id__in": scope.network_ids})
    return q


def organisation_list(
    *, scope: Scope, search: str = "", kind: str = "", mrc_id: int | None = None
) -> QuerySet[Organisation]:
    qs = (
        Organisation.objects.filter(organisation_scope_q(scope), is_active=True)
        .select_related("municipality", "mrc", "hub", "network")
        .annotate(site_count=Count("sites"))
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    if mrc_id:
        qs = qs.filter(mrc_id=mrc_id)
    return qs.order_by("name")


def organisation_get(*, scope: Scope, pk: int) -> Organisation | None:
    return (
        Organisation.objects.filter(organisation_scope_q(scope), pk=pk)
        .select_related("municipality", "mrc", "hub", "network")
        .prefetch_related(
            "served_mrcs",
            Prefetch(
                "sites",
                queryset=Site.objects.select_related("municipality").prefetch_related(
                    Prefetch(
                        "opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens")
                    )
                ),
            ),
        )
        .first()
    )


def site_list(*, scope: Scope, organisation_id: int | None = None) -> QuerySet[Site]:
    qs = (
        Site.objects.filter(organisation_scope_q(scope, "organisation__"))
        .select_related("organisation", "municipality")
        .prefetch_related("opening_hours")
    )
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    return qs


def site_get(*, scope: Scope, pk: int) -> Site | None:
    return site_list(scope=scope).filter(pk=pk).first()


def hub_list(*, scope: Scope) -> QuerySet[Organisation]:
    return organisation_list(scope=scope, kind=OrganisationKind.HUB).prefetch_related("served_mrcs")


def network_list(*, scope: Scope) -> QuerySet[Network]:
    if scope.is_superuser:
        return Network.objects.all()
    return Network.objects.filter(pk__in=scope.network_ids)


def organisation_counts_by_mrc(*, scope: Scope) -> list[dict[str, object]]:
    """Aggregates for evaluators and dashboards: organisations per MRC and kind."""
    if not scope.sees_aggregates:
        return []
    qs = Organisation.objects.filter(is_active=True)
    if not scope.is_superuser:
        qs = qs.filter(network_id__in=scope.network_ids)
    rows = qs.values("mrc__name", "kind").annotate(n=Count("id")).order_by("mrc__name", "kind")
    return [dict(row) for row in rows]


def organisation_map_features(qs: QuerySet[Organisation]) -> dict[str, object]:
    """Organisations as GeoJSON points at their main site (or their municipality)."""
    features = []
    for org in qs.prefetch_related("sites"):
        sites = list(org.sites.all())
        main = next((s for s in sites if s.is_primary), sites[0] if sites else None)
        lat = main.latitude if main else org.municipality.latitude
        lon = main.longitude if main else org.municipality.longitude
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
                "properties": {
                    "id": org.pk,
                    "name": org.name,
                    "kind": org.kind,
                    "kind_label": str(org.get_kind_display()),
                    "mrc": org.mrc.name,
                    "is_hub": org.is_hub,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
