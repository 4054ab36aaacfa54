"""Spatial filters shared by every GeoJSON list: functions over a queryset and a mapping of
parameters (for selectors), and the filter backends that call them for list views and
describe themselves to the OpenAPI schema. Distance is measured in metres in the metric
SRID, never in degrees."""

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from .datetimes import INSTANT_OUT_OF_RANGE, check_aware
from .spatial import metric

MAX_RADIUS_M = 50_000
# EPSG:27700 (British National Grid)'s area of use, lon/lat (west, south, east, north), from the
# EPSG registry: Great Britain, the Isle of Man and the UK continental shelf. Metric work happens
# in that grid; PostGIS cannot transform a point far outside it ("Point outside of projection
# domain", a 500), and no record of this force can lie there.
GRID_AREA = (-9.01, 49.75, 2.01, 61.01)
_WEST, _SOUTH, _EAST, _NORTH = GRID_AREA
OUTSIDE_GRID = (
    f"Outside the area of the British National Grid (longitude {_WEST:g} to {_EAST:g}, "
    f"latitude {_SOUTH:g} to {_NORTH:g}): this service covers Great Britain."
)


def check_in_grid_area(lon: float, lat: float, fields: tuple[str, str] = ("lon", "lat")) -> None:
    """Raise a 400 on `fields` unless (lon, lat) lies within the British National Grid's area of
    use. Every point a client gives for metric work passes this."""
    west, south, east, north = GRID_AREA
    if not (west <= lon <= east and south <= lat <= north):
        raise ValidationError({field: [OUTSIDE_GRID] for field in fields})


def _floats(raw: str, count: int, field: str) -> list[float]:
    try:
        values = [float(part) for part in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != count:
        raise ValidationError({field: [f"Expected {count} comma-separated numbers."]})
    return values


def parse_bbox(raw: str, field: str = "bbox") -> Polygon:
    min_lon, min_lat, max_lon, max_lat = _floats(raw, 4, field)
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise ValidationError({field: ["Use min_lon,min_lat,max_lon,max_lat with min < max, in degrees."]})
    # A box reaching beyond the grid's area (a zoomed-out map) is cut to it: nothing this service
    # holds lies outside, and what is inside can be measured in metres. A box wholly outside is refused.
    west, south, east, north = GRID_AREA
    clipped = (max(min_lon, west), max(min_lat, south), min(max_lon, east), min(max_lat, north))
    if not (clipped[0] < clipped[2] and clipped[1] < clipped[3]):
        raise ValidationError({field: [OUTSIDE_GRID]})
    polygon = Polygon.from_bbox(clipped)
    polygon.srid = 4326
    return polygon


def parse_point(lon: str, lat: str) -> Point:
    errors = {}
    values = {}
    for name, raw, limit in (("lon", lon, 180), ("lat", lat, 90)):
        try:
            values[name] = float(raw)
            if not -limit <= values[name] <= limit:
                errors[name] = [f"Must be between -{limit} and {limit}."]
        except (TypeError, ValueError):
            errors[name] = ["A number is required."]
    if errors:
        raise ValidationError(errors)
    check_in_grid_area(values["lon"], values["lat"])
    return Point(values["lon"], values["lat"], srid=4326)


def parse_radius(raw: str, field: str = "radius_m", maximum: float = MAX_RADIUS_M) -> float:
    try:
        radius = float(raw)
    except (TypeError, ValueError):
        raise ValidationError({field: ["A number of metres is required."]}) from None
    if not 0 < radius <= maximum:
        raise ValidationError({field: [f"Must be more than 0 and at most {maximum:g} metres."]})
    return radius


def filter_bbox(queryset: QuerySet, *, geo_field: str, params: Mapping[str, Any]) -> QuerySet:
    """Features whose `geo_field` intersects `params["bbox"]` (min_lon,min_lat,max_lon,max_lat);
    the queryset unchanged without one. Raises ValidationError (400) for a malformed box."""
    raw = params.get("bbox")
    if not raw:
        return queryset
    return queryset.filter(**{f"{geo_field}__intersects": parse_bbox(raw)})


def filter_distance(queryset: QuerySet, *, geo_field: str, params: Mapping[str, Any]) -> QuerySet:
    """Features within `radius_m` metres of (`lon`, `lat`), measured in British National Grid
    through a functional GiST index; the queryset unchanged without them. Raises
    ValidationError (400) when only some are given or one is malformed."""
    given = [name for name in ("lon", "lat", "radius_m") if params.get(name) not in (None, "")]
    if not given:
        return queryset
    missing = {
        name: ["Give lon, lat and radius_m together."] for name in ("lon", "lat", "radius_m") if name not in given
    }
    if missing:
        raise ValidationError(missing)
    point = parse_point(params["lon"], params["lat"])
    radius = parse_radius(params["radius_m"])
    return queryset.alias(_bng=metric(geo_field)).filter(_bng__dwithin=(point, D(m=radius)))


class BBoxFilter(BaseFilterBackend):
    """`?bbox=min_lon,min_lat,max_lon,max_lat`: features intersecting the box.
    The view names its geometry in `geo_filter_field`."""

    def filter_queryset(self, request, queryset, view):
        return filter_bbox(queryset, geo_field=view.geo_filter_field, params=request.query_params)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "bbox",
                "in": "query",
                "required": False,
                "description": "min_lon,min_lat,max_lon,max_lat (WGS84 degrees)",
                "schema": {"type": "string", "example": "-0.40,51.49,-0.20,51.53"},
            }
        ]


class DistanceFilter(BaseFilterBackend):
    """`?lon=&lat=&radius_m=`: features within radius_m metres of the point, measured in
    British National Grid through a functional GiST index."""

    def filter_queryset(self, request, queryset, view):
        return filter_distance(queryset, geo_field=view.geo_filter_field, params=request.query_params)

    def get_schema_operation_parameters(self, view):
        def number(name, description):
            return {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": {"type": "number"},
            }

        return [
            number("lon", "longitude of the centre (WGS84)"),
            number("lat", "latitude of the centre (WGS84)"),
            number("radius_m", f"radius in metres (at most {MAX_RADIUS_M})"),
        ]


class AwareIsoDateTimeField(IsoDateTimeField):
    """django-filter's ISO 8601 field, with the offset and range checks of `core.datetimes`."""

    def to_python(self, value):
        try:
            parsed = super().to_python(value)
        except OverflowError:  # year 1 moved into the current zone
            raise forms.ValidationError(INSTANT_OUT_OF_RANGE, code="invalid") from None
        if parsed is not None:
            try:
                check_aware(parsed)
            except ValueError as exc:
                raise forms.ValidationError(str(exc), code="invalid") from None
        return parsed


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`since`/`until` and the like: an ISO 8601 time PostgreSQL can compare (see core.datetimes)."""

    field_class = AwareIsoDateTimeField
