"""Reads of the territory."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from .models import MRC, Municipality, Region


def region_list() -> QuerySet[Region]:
    return Region.objects.all()


def mrc_list() -> QuerySet[MRC]:
    return MRC.objects.select_related("region").annotate(
        municipality_count=Count("municipalities"),
        population_total=Sum("municipalities__population"),
    )


def municipality_list(*, mrc_id: int | None = None) -> QuerySet[Municipality]:
    qs = Municipality.objects.select_related("mrc")
    if mrc_id is not None:
        qs = qs.filter(mrc_id=mrc_id)
    return qs


def municipality_geojson(qs: QuerySet[Municipality]) -> dict[str, object]:
    """Municipalities as GeoJSON points (for the maps)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(m.longitude), float(m.latitude)],
                },
                "properties": {
                    "name": m.name,
                    "mrc": m.mrc.name,
                    "mrc_id": m.mrc_id,
                    "population": m.population,
                },
            }
            for m in qs
        ],
    }
