"""Map layers, GET /api/v1/layers/{seizures,operations,hotspots}/: one FeatureCollection each,
built in PostgreSQL."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.views import APIView

from ebikeops.core.permissions import IsAnyRole, sees_sensitive_fields
from ebikeops.core.renderers import geojson_response
from ebikeops.hotspots.api import serializers as hotspot_serializers
from ebikeops.operations.records import RecordKind

from .. import selectors
from .renderers import ProblemsAsJSON, URLDecidesNegotiation
from .schema import SENSITIVE_NOTE, both_media_types, feature_collection, filter_parameters, record_feature
from .serializers import LayerQuery

LIMIT = OpenApiParameter(
    "limit",
    OpenApiTypes.INT,
    description=f"at most this many features (default and maximum {settings.REPORTING_LAYER_MAX_FEATURES})",
)
LAYER_MEMBERS = {
    "numberReturned": serializers.IntegerField(),
    "limit": serializers.IntegerField(),
    "truncated": serializers.BooleanField(help_text="more features matched than `limit`"),
}


class LayerApi(ProblemsAsJSON, APIView):
    """A map layer: up to `limit` features (newest first) as one FeatureCollection built in
    PostgreSQL, with the list endpoint's filters and its features for the caller's role.
    `truncated` says whether more matched."""

    permission_classes = [IsAnyRole]
    content_negotiation_class = URLDecidesNegotiation
    kind: RecordKind

    def get(self, request):
        body = selectors.layer_geojson(
            self.kind, request.query_params, sensitive=sees_sensitive_fields(request.user), limit=_limit(request)
        )
        return geojson_response(request, body)


def layer_schema(kind: RecordKind):
    """The schema of a record kind's layer endpoint."""
    schema = extend_schema(
        operation_id=f"layer_{kind.plural}",
        tags=["map layers"],
        parameters=[LIMIT, *filter_parameters([kind])],
        responses=both_media_types(
            OpenApiResponse(
                feature_collection(f"{kind.plural.title()}Layer", record_feature(kind), **LAYER_MEMBERS),
                description=SENSITIVE_NOTE,
            )
        ),
    )
    return extend_schema_view(get=schema)


def _limit(request) -> int:
    form = LayerQuery(data=request.query_params)
    form.is_valid(raise_exception=True)
    return form.validated_data.get("limit") or settings.REPORTING_LAYER_MAX_FEATURES


def hotspot_question(request) -> hotspot_serializers.ReadInput:
    """The hotspots app's own read parameters (filters, clustering parameters, `run`)."""
    form = hotspot_serializers.ReadInput(data=request.query_params)
    form.is_valid(raise_exception=True)
    return form


class HotspotLayerApi(ProblemsAsJSON, APIView):
    """The hotspots map layer: the outlines of the hotspots that GET /api/v1/hotspots/ shows
    for the same parameters (the best run for them, or `run`), largest first, up to `limit`,
    within `bbox` if given, as one FeatureCollection built in PostgreSQL. Its features are
    the hotspots app's HotspotFeature; an empty collection when no run matches."""

    permission_classes = [IsAnyRole]
    content_negotiation_class = URLDecidesNegotiation

    @extend_schema(
        operation_id="layer_hotspots",
        tags=["map layers"],
        parameters=[
            hotspot_serializers.ReadInput,
            LIMIT,
            OpenApiParameter("bbox", OpenApiTypes.STR, description="min_lon,min_lat,max_lon,max_lat (WGS84 degrees)"),
        ],
        responses=both_media_types(
            feature_collection(
                "HotspotsLayer",
                hotspot_serializers.HotspotFeature,
                **LAYER_MEMBERS,
            )
        ),
    )
    def get(self, request):
        form = hotspot_question(request)
        limit = _limit(request)
        body = selectors.hotspot_layer_geojson(
            question=form.question(),
            run_id=form.validated_data.get("run"),
            params=request.query_params,
            limit=limit,
            weekdays=hotspot_serializers.WEEKDAYS,
        )
        return geojson_response(request, body)


@layer_schema(selectors.SEIZURES)
class SeizureLayerApi(LayerApi):
    kind = selectors.SEIZURES


@layer_schema(selectors.OPERATIONS)
class OperationLayerApi(LayerApi):
    kind = selectors.OPERATIONS
