"""Reads about areas: which borough a point is in, and whether it is in London at all."""

from django.conf import settings
from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import Point
from django.db.models import F, OuterRef, QuerySet, Subquery

from ebikeops.core.spatial import metric

from .functions import SimplifyPreserveTopology
from .models import Borough


def borough_for_point(point: Point) -> Borough | None:
    """The borough whose boundary covers `point` (SRID 4326), or None.

    A point exactly on a shared boundary belongs to the borough with the smaller GSS code,
    so the answer is deterministic.
    """
    return Borough.objects.filter(geom__covers=point).order_by("gss_code").first()


def borough_subquery(point_ref: str = "point") -> Subquery:
    """A subquery giving the covering borough's id for each row's `point_ref` column."""
    return Subquery(Borough.objects.filter(geom__covers=OuterRef(point_ref)).order_by("gss_code").values("id")[:1])


def boroughs_loaded() -> bool:
    return Borough.objects.exists()


def point_in_london_bbox(point: Point) -> bool:
    min_lon, min_lat, max_lon, max_lat = settings.LONDON_BBOX
    return min_lon <= point.x <= max_lon and min_lat <= point.y <= max_lat


def borough_by_name_or_code(value: str) -> QuerySet[Borough]:
    """Boroughs matching a GSS code (E09000009) or a name (case-insensitive)."""
    if len(value) == 9 and value[:3].upper() == "E09":
        return Borough.objects.filter(gss_code=value.upper())
    return Borough.objects.filter(name__iexact=value)


def borough_list(*, simplify_m: float | None = None) -> QuerySet[Borough]:
    """Boroughs for display; with `simplify_m`, each boundary is simplified in the metric
    SRID (tolerance in metres, topology preserved) and returned as `display_geom` (SRID 4326)."""
    queryset = Borough.objects.order_by("name")
    if simplify_m:
        return queryset.annotate(display_geom=Transform(SimplifyPreserveTopology(metric("geom"), simplify_m), 4326))
    return queryset.annotate(display_geom=F("geom"))
