"""Public-context incidents over HTTP: a paginated GeoJSON list, a map layer and summaries.
Every role may read them (they are published data); nothing here writes."""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.core.permissions import IsAnyRole
from ebikeops.core.renderers import GEOJSON, GEOJSON_RENDERERS, geojson_response

from .. import selectors
from . import serializers as s

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
FILTERS = [
    OpenApiParameter("crime_type", str, description="comma-separated police.uk crime types, e.g. Burglary"),
    OpenApiParameter("month_from", str, description="first month, YYYY-MM (inclusive)"),
    OpenApiParameter("month_to", str, description="last month, YYYY-MM (inclusive)"),
    OpenApiParameter("borough", str, description="borough name or GSS code"),
    OpenApiParameter("bbox", str, description="min_lon,min_lat,max_lon,max_lat (WGS84 degrees)"),
]
FILTER_NAMES = ("crime_type", "month_from", "month_to", "borough", "bbox")


def _filters(request) -> dict:
    return {name: request.query_params[name] for name in FILTER_NAMES if request.query_params.get(name)}


def _selected(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except selectors.FilterError as exc:
        raise ValidationError(exc.errors) from None


@extend_schema(parameters=FILTERS)
class IncidentListApi(generics.ListAPIView):
    """GET: police.uk incidents as a paginated GeoJSON FeatureCollection, newest month first."""

    permission_classes = [IsAnyRole]
    serializer_class = s.IncidentFeature
    filter_backends = []

    def get_queryset(self):
        return _selected(selectors.incident_list, filters=_filters(self.request))


class IncidentLayerApi(APIView):
    """GET: one Feature per police.uk map point with its incident count and the count per crime
    type (police.uk snaps many crimes to one point), most incidents first."""

    permission_classes = [IsAnyRole]
    renderer_classes = GEOJSON_RENDERERS

    @extend_schema(
        parameters=FILTERS,
        responses={
            (200, media_type): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="FeatureCollection; properties: count, crime_types {type: count}; "
                "`truncated` is true when more points matched than the layer holds",
            )
            for media_type in (GEOJSON, "application/json")
        },
    )
    def get(self, request):
        features, truncated = _selected(selectors.incident_layer, filters=_filters(request))
        head = json.dumps({"type": "FeatureCollection", "truncated": truncated, "attribution": ATTRIBUTION})
        body = head[:-1] + ', "features": [' + ",".join(features) + "]}"
        return geojson_response(request, body)


class IncidentSummaryApi(APIView):
    """GET: counts of the filtered incidents by crime type, month and/or borough."""

    permission_classes = [IsAnyRole]

    @extend_schema(
        parameters=[
            OpenApiParameter("group_by", str, description="crime_type, month, borough (comma-separated)"),
            *FILTERS,
        ],
        responses=s.SummaryOutput,
    )
    def get(self, request):
        form = s.SummaryInput(data=request.query_params)
        form.is_valid(raise_exception=True)
        group_by = form.validated_data["group_by"]
        rows = _selected(selectors.incident_summary, group_by=group_by, filters=_filters(request))
        total = sum(row["count"] for row in rows)
        return Response({"group_by": group_by, "total": total, "rows": rows, "attribution": ATTRIBUTION})
