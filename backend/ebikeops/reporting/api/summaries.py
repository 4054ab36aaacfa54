"""GET /api/v1/summaries/: counts by any grouping, JSON or CSV."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ebikeops.core.permissions import IsAnyRole

from .. import selectors
from . import http
from .renderers import ProblemsAsJSON, SummaryCSVRenderer
from .schema import CSV, filter_parameters
from .serializers import Summary, SummaryQuery


class SummaryApi(ProblemsAsJSON, APIView):
    """Counts of operations, seizures (by vehicle type, reason, disposition) and arrests (by
    offence category), grouped by any of borough, team, week, month, vehicle_type, weekday,
    hour, with totals and the rolling 12 months. Each figure equals the `count` that the
    record type's list endpoint gives for the same filters and group. JSON, or CSV with
    `Accept: text/csv` or `?format=csv`. Conditional GET: ETag / Last-Modified."""

    permission_classes = [IsAnyRole]
    renderer_classes = [JSONRenderer, SummaryCSVRenderer]
    # ?format= is negotiated by the project default (core.negotiation.FormatParamNegotiation).

    @extend_schema(
        operation_id="summaries",
        tags=["reporting"],
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                description=f"comma-separated, any of: {', '.join(selectors.DIMENSIONS)} (e.g. borough,month)",
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="instead of Accept"),
            *filter_parameters(selectors.KINDS.values()),
        ],
        responses={
            (200, "application/json"): Summary,
            (200, CSV): OpenApiResponse(
                OpenApiTypes.STR,
                description="header, one row per group, then `total` and `rolling_12_months` rows",
            ),
            304: OpenApiResponse(description="unchanged since the ETag / Last-Modified sent"),
        },
    )
    def get(self, request):
        form = SummaryQuery(data=request.query_params)
        form.is_valid(raise_exception=True)
        group_by = form.validated_data["group_by"]
        window = selectors.summary_range(request.query_params, now=timezone.now())
        selectors.check_filters(selectors.KINDS.values(), request.query_params)
        current = http.validators(request, variant=(request.accepted_media_type, window.rolling_until.isoformat()))
        if (unchanged := http.not_modified(request, current)) is not None:
            return unchanged
        data = selectors.summary(params=request.query_params, group_by=group_by, window=window)
        return current.apply(Response(data))
