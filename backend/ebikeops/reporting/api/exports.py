"""Exports, GET /api/v1/exports/{operations,seizures,arrests}.{geojson,csv}: every matching
record, streamed."""

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.views import APIView

from ebikeops.audit.middleware import record_read_now
from ebikeops.core.permissions import IsAnyRole, sees_sensitive_fields
from ebikeops.core.renderers import GEOJSON
from ebikeops.operations.records import RecordKind

from .. import selectors
from . import http
from .renderers import ProblemsAsJSON, URLDecidesNegotiation, csv_stream, geojson_stream, started
from .schema import CSV, SENSITIVE_NOTE, feature_collection, filter_parameters, record_feature


class ExportApi(ProblemsAsJSON, APIView):
    """All matching records (the list endpoint's filters), newest first, streamed: GeoJSON
    (RFC 7946 FeatureCollection) or CSV with a header. Memory stays flat however many rows:
    rows stream from PostgreSQL (COPY) in chunks. Conditional GET: ETag / Last-Modified."""

    permission_classes = [IsAnyRole]
    content_negotiation_class = URLDecidesNegotiation
    kind: RecordKind
    fmt: str  # "geojson" or "csv"

    def get(self, request):
        sensitive = sees_sensitive_fields(request.user)
        chunk_size = settings.REPORTING_EXPORT_CHUNK_ROWS
        params = request.query_params
        if self.fmt == "geojson":
            chunks = selectors.export_geojson_features(self.kind, params, sensitive=sensitive, chunk_size=chunk_size)
        else:
            chunks = selectors.export_csv_rows(self.kind, params, sensitive=sensitive, chunk_size=chunk_size)
        # Nothing has run yet (the filters are checked): a 304 runs no query.
        current = http.validators(request, variant=(self.fmt, sensitive))
        if (unchanged := http.not_modified(request, current)) is not None:
            chunks.close()
            return unchanged
        # The disclosure's audit event, with how many records leave, is written now: once the
        # stream has started, its COPY holds the connection.
        record_read_now(request, count=selectors.records(self.kind, params).count())
        chunks = started(chunks)  # the query runs now: a failure is an error response, not a cut-off 200
        if self.fmt == "geojson":
            body, content_type = geojson_stream(chunks), GEOJSON
        else:
            header = selectors.export_csv_header(self.kind, sensitive=sensitive)
            body, content_type = csv_stream(header, chunks), f"{CSV}; charset=utf-8"
        response = StreamingHttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.kind.plural}.{self.fmt}"'
        return current.apply(response)


def export_schema(kind: RecordKind, fmt: str):
    """The schema of an export endpoint."""
    if fmt == "geojson":
        body = {
            (200, GEOJSON): OpenApiResponse(
                feature_collection(f"{kind.plural.title()}Export", record_feature(kind)),
                description=f"streamed; {SENSITIVE_NOTE}",
            )
        }
    else:
        body = {
            (200, CSV): OpenApiResponse(
                OpenApiTypes.STR,
                description=f"streamed: a header row (id, lon, lat, then the properties), one row per record; "
                f"{SENSITIVE_NOTE}",
            )
        }
    schema = extend_schema(
        operation_id=f"export_{kind.plural}_{fmt}",
        tags=["exports"],
        parameters=filter_parameters([kind]),
        responses={**body, 304: OpenApiResponse(description="unchanged since the ETag / Last-Modified sent")},
    )
    return extend_schema_view(get=schema)


@export_schema(selectors.OPERATIONS, "geojson")
class OperationGeoJSONExportApi(ExportApi):
    kind, fmt = selectors.OPERATIONS, "geojson"


@export_schema(selectors.OPERATIONS, "csv")
class OperationCSVExportApi(ExportApi):
    kind, fmt = selectors.OPERATIONS, "csv"


@export_schema(selectors.SEIZURES, "geojson")
class SeizureGeoJSONExportApi(ExportApi):
    kind, fmt = selectors.SEIZURES, "geojson"


@export_schema(selectors.SEIZURES, "csv")
class SeizureCSVExportApi(ExportApi):
    kind, fmt = selectors.SEIZURES, "csv"


@export_schema(selectors.ARRESTS, "geojson")
class ArrestGeoJSONExportApi(ExportApi):
    kind, fmt = selectors.ARRESTS, "geojson"


@export_schema(selectors.ARRESTS, "csv")
class ArrestCSVExportApi(ExportApi):
    kind, fmt = selectors.ARRESTS, "csv"
