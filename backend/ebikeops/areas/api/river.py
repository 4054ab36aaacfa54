"""GET /api/v1/river/: the tidal Thames for the map's base layer (see ebikeops.areas.river)."""

from rest_framework import generics
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.permissions import IsAnyRole

from ..models import River
from ..river import river_list


class RiverFeature(GeoFeatureModelSerializer):
    class Meta:
        model = River
        geo_field = "geom"
        id_field = False
        fields = ("name", "area_m2")


class RiverListView(generics.ListAPIView):
    """The river's parts as one FeatureCollection (unpaginated; empty until `load_river` ran)."""

    permission_classes = [IsAnyRole]
    serializer_class = RiverFeature
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return river_list()
