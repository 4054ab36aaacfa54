"""Reads about areas: which borough a point is in, and whether it is in London at all."""

from collections.abc import Sequence

from django.conf import settings
from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import GEOSGeometry, Point
from django.contrib.gis.measure import D
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery

from ebikeops.core.spatial import metric

from . import sql
from .functions import SimplifyPreserveTopology
from .models import Borough, Corridor, NamedStop


def borough_for_point(point: Point) -> Borough | None:
    """The borough whose boundary covers `point` (SRID 4326), or None.

    A point exactly on a shared boundary belongs to the borough with the smaller GSS code,
    so the answer is deterministic.
    """
    return Borough.objects.filter(geom__covers=point).order_by("gss_code").first()


def borough_ids_for_points(points: Sequence[Point]) -> list[int | None]:
    """`borough_for_point` for many points (SRID 4326) at once: the covering borough's id
    (or None) of each, in order. One query."""
    if not points:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql.BOROUGH_IDS_FOR_POINTS, [[p.x for p in points], [p.y for p in points]])
        return [row[0] for row in cursor.fetchall()]


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


# --- Corridors -------------------------------------------------------------------------------


def corridors_near(point: Point, radius_m: float) -> QuerySet[Corridor]:
    """Corridors whose route passes within `radius_m` metres of `point` (SRID 4326),
    measured in the metric SRID through the functional GiST index."""
    return Corridor.objects.alias(_bng=metric("route")).filter(_bng__dwithin=(point, D(m=radius_m)))


def corridors_crossing(area: GEOSGeometry) -> QuerySet[Corridor]:
    """Corridors whose route intersects `area` (a polygon or multipolygon, SRID 4326)."""
    return Corridor.objects.filter(route__intersects=area)


# --- Named stops (TfL bus stops and the like) ----------------------------------------------


def named_stop_list(*, bbox: GEOSGeometry | None = None) -> QuerySet[NamedStop]:
    """Named stop points, by name then code; within `bbox` (SRID 4326) when given."""
    queryset = NamedStop.objects.order_by("name", "code")
    if bbox is not None:
        queryset = queryset.filter(point__intersects=bbox)
    return queryset


def nearest_named_stops(
    points: Sequence[tuple[int, float, float]], *, within_m: float
) -> dict[int, list[tuple[str, float]]]:
    """For (idx, lon, lat) points (SRID 4326): idx -> the distinct names of the named stops
    within `within_m` metres, nearest first, as (name, metres). Points with none are left
    out. One query (metric SRID, functional GiST index)."""
    if not points:
        return {}
    idx, lon, lat = zip(*points, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.NEAREST_NAMED_STOPS,
            {"srid": settings.METRIC_SRID, "idx": list(idx), "lon": list(lon), "lat": list(lat), "within_m": within_m},
        )
        rows = cursor.fetchall()
    found: dict[int, list[tuple[str, float]]] = {}
    for i, name, distance_m in rows:
        found.setdefault(i, []).append((name, distance_m))
    return found
