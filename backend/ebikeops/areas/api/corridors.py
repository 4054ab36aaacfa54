"""GET /api/v1/corridors/: the road corridors with their names, for the map's base layer."""

from rest_framework import generics
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.permissions import IsAnyRole

from ..models import Corridor


class CorridorFeature(GeoFeatureModelSerializer):
    class Meta:
        model = Corridor
        geo_field = "geom"
        id_field = "slug"
        fields = ("slug", "name", "length_m", "approximate")


class CorridorListView(generics.ListAPIView):
    """Every corridor as one FeatureCollection (tens of features, unpaginated)."""

    permission_classes = [IsAnyRole]
    serializer_class = CorridorFeature
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        # Names and lines only: no borough prefetch (the map does not show them).
        return Corridor.objects.order_by("name", "slug")
