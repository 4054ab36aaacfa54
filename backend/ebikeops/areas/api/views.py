from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.filters import parse_radius
from ebikeops.core.permissions import IsAnyRole

from ..models import Borough
from ..selectors import borough_list


class BoroughFeature(GeoFeatureModelSerializer):
    display_geom = GeometryField(read_only=True)

    class Meta:
        model = Borough
        geo_field = "display_geom"
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

    @extend_schema(parameters=[OpenApiParameter("simplify_m", float, description="simplification tolerance in metres (0-500)")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


