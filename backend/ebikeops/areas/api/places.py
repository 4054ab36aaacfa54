"""Named places for the map: the stops suggestions are named after (GeoJSON, [lon, lat])."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.filters import parse_bbox
from ebikeops.core.permissions import IsAnyRole

from ..models import NamedStop
from ..selectors import named_stop_list


class PlaceFeature(GeoFeatureModelSerializer):
    """A named stop: its readable name, the source's name and the bus routes serving it."""

    routes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = NamedStop
        geo_field = "point"
        id_field = "code"
        fields = ("code", "name", "source_name", "source", "routes")


class PlaceListView(generics.ListAPIView):
    """Every named place (about 600 TfL stops), or those in `bbox`, as one FeatureCollection
    (unpaginated). Stop points of suggestions carry the nearest one's name."""

    permission_classes = [IsAnyRole]
    serializer_class = PlaceFeature
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        raw = self.request.query_params.get("bbox")
        return named_stop_list(bbox=parse_bbox(raw) if raw else None)

    @extend_schema(
        parameters=[OpenApiParameter("bbox", str, description="min_lon,min_lat,max_lon,max_lat (WGS84)")],
        tags=["places"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
