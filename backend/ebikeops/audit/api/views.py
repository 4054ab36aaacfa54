"""The audit trail over HTTP, for auditors and commanders: events filtered by actor, record,
action and time (cursor-paginated: no count over millions of rows), and the same as CSV.
Reading them is itself audited (consultation; the CSV is a disclosure). There is no way to
change or delete an event through the product: these views answer only GET."""

import csv
import json
from collections.abc import Iterator

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.pagination import CursorPagination
from rest_framework.views import APIView

from .. import selectors
from ..context import audit_note
from .permissions import IsAuditorOrCommander
from .serializers import CSV_COLUMNS, EventOutput, EventQuery


class EventPagination(CursorPagination):
    ordering = ("-occurred_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


def _filters(request) -> dict:
    form = EventQuery(data=request.query_params)
    form.is_valid(raise_exception=True)
    data = dict(form.validated_data)
    if "action" in data:
        data["action"] = sorted(data["action"])
    return data


@extend_schema(tags=["audit"], parameters=[EventQuery])
class AuditEventListApi(generics.ListAPIView):
    """Audit events, newest first, 100 a page (`page_size` up to 1000; follow `next`)."""

    permission_classes = [IsAuditorOrCommander]
    serializer_class = EventOutput
    pagination_class = EventPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.event_list(filters=_filters(self.request))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=2000):
        row = []
        for column in CSV_COLUMNS:
            value = getattr(event, column)
            if column == "occurred_at":
                value = value.isoformat()
            elif column in ("filters", "changes"):
                value = "" if value is None else json.dumps(value, sort_keys=True)
            elif column == "records":
                value = " ".join(value)
            row.append("" if value is None else value)
        yield writer.writerow(row)


class AuditEventExportApi(APIView):
    """The events the filters select as CSV (UTF-8, one row per event, newest first), at most
    AUDIT_EXPORT_MAX_ROWS of them. Recorded as a disclosure with the filters and the number
    of events sent."""

    permission_classes = [IsAuditorOrCommander]

    @extend_schema(
        tags=["audit"],
        operation_id="audit_events_csv",
        parameters=[EventQuery],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="one row per event")},
    )
    def get(self, request):
        filters = _filters(request)
        events = selectors.event_list(filters=filters)[: settings.AUDIT_EXPORT_MAX_ROWS]
        audit_note(request, count=events.count())
        response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
        return response
