"""Serializer fields that read GeoJSON geometries strictly (RFC 7946: [lon, lat])."""

import math

from django.contrib.gis.geos import MultiPoint, Point
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .datetimes import check_aware

POINT_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 3,
            "example": [-0.3050, 51.5128],
            "description": "[longitude, latitude] in WGS84",
        },
    },
}
MULTIPOINT_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["MultiPoint"]},
        "coordinates": {"type": "array", "items": POINT_SCHEMA["properties"]["coordinates"]},
    },
}

NOT_GEOJSON = "Expected a GeoJSON {expected} object with 'type' and 'coordinates'."
BAD_POSITION = "A position is [longitude, latitude] with two finite numbers."
OUT_OF_RANGE = "Longitude must be within [-180, 180] and latitude within [-90, 90]."


def _position(value) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise serializers.ValidationError(BAD_POSITION)
    if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in value):
        raise serializers.ValidationError(BAD_POSITION)
    lon, lat = float(value[0]), float(value[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise serializers.ValidationError(BAD_POSITION)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise serializers.ValidationError(OUT_OF_RANGE)
    return lon, lat


def _geometry(data, expected: str):
    if not isinstance(data, dict) or data.get("type") != expected or "coordinates" not in data:
        raise serializers.ValidationError(NOT_GEOJSON.format(expected=expected))
    return data["coordinates"]


@extend_schema_field(POINT_SCHEMA)
class GeoJSONPointField(serializers.Field):
    def to_internal_value(self, data) -> Point:
        lon, lat = _position(_geometry(data, "Point"))
        return Point(lon, lat, srid=4326)

    def to_representation(self, value: Point) -> dict:
        return {"type": "Point", "coordinates": [value.x, value.y]}


@extend_schema_field(MULTIPOINT_SCHEMA)
class GeoJSONMultiPointField(serializers.Field):
    def to_internal_value(self, data) -> MultiPoint:
        coordinates = _geometry(data, "MultiPoint")
        if not isinstance(coordinates, list) or not coordinates:
            raise serializers.ValidationError("A MultiPoint needs at least one position.")
        if len(coordinates) > 50:
            raise serializers.ValidationError("At most 50 stop points per operation.")
        points = [Point(*_position(position), srid=4326) for position in coordinates]
        return MultiPoint(points, srid=4326)

    def to_representation(self, value: MultiPoint) -> dict:
        return {"type": "MultiPoint", "coordinates": [[p.x, p.y] for p in value]}


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 timestamp that must carry its UTC offset: a device's local clock
    without one is ambiguous across the clock change."""

    default_error_messages = {
        "naive": "Timestamps must include a UTC offset, e.g. 2025-11-29T14:05:00+00:00.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        try:
            check_aware(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc), code="invalid") from None
        return super().enforce_timezone(value)
