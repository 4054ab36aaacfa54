from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.filters import parse_radius
from ebikeops.core.permissions import IsAnyRole

from ..models import Borough
from ..selectors import borough_list


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["MultiPolygon"]},
            "coordinates": {
                "type": "array",
                "items": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2}},
                },
            },
        },
    }
)
class DisplayMultiPolygonField(GeometryField):
    """The (possibly simplified) boundary annotated by the selector as `display_geom`."""


class BoroughFeature(GeoFeatureModelSerializer):
    geom = DisplayMultiPolygonField(source="display_geom", read_only=True)

    class Meta:
        model = Borough
        geo_field = "geom"
        id_field = "gss_code"
        fields = ("gss_code", "name")


class BoroughListView(generics.ListAPIView):
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
