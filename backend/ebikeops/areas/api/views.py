from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelSerializerExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.filters import parse_radius
from ebikeops.core.permissions import IsAnyRole
from ebikeops.core.renderers import GEOJSON_RENDERERS

from ..models import Borough
from ..selectors import borough_list

_RING = {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2}, "minItems": 4}
_POLYGON = {"type": "array", "items": _RING}


BOROUGH_GEOMETRY_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "description": "A MultiPolygon; with `simplify_m`, a borough simplified to one part is a Polygon.",
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["MultiPolygon"]},
                "coordinates": {"type": "array", "items": _POLYGON},
            },
        },
        {
            "type": "object",
            "properties": {"type": {"type": "string", "enum": ["Polygon"]}, "coordinates": _POLYGON},
        },
    ],
}


@extend_schema_field(BOROUGH_GEOMETRY_SCHEMA)
class DisplayMultiPolygonField(GeometryField):
    """The (possibly simplified) boundary annotated by the selector as `display_geom`:
    a MultiPolygon, or a Polygon where `simplify_m` left one part."""


class BoroughFeature(GeoFeatureModelSerializer):
    geom = DisplayMultiPolygonField(source="display_geom", read_only=True)

    class Meta:
        model = Borough
        geo_field = "geom"
        id_field = "gss_code"
        fields = ("gss_code", "name")


class BoroughFeatureSchema(GeoFeatureModelSerializerExtension):
    """drf-spectacular describes a Feature's geometry from the model field (MultiPolygon); the
    boundary served is the selector's `display_geom`, which simplification may make a Polygon."""

    target_class = BoroughFeature
    priority = 1

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        schema["properties"]["geometry"] = BOROUGH_GEOMETRY_SCHEMA
        return schema


class BoroughListView(generics.ListAPIView):
    renderer_classes = GEOJSON_RENDERERS
    """All boroughs as one FeatureCollection (33 features, unpaginated): the map's base layer."""

    permission_classes = [IsAnyRole]
    serializer_class = BoroughFeature
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        raw = self.request.query_params.get("simplify_m")
        simplify_m = parse_radius(raw, field="simplify_m", maximum=500) if raw else None
        return borough_list(simplify_m=simplify_m)

    @extend_schema(
        parameters=[OpenApiParameter("simplify_m", float, description="simplification tolerance in metres (0-500)")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
