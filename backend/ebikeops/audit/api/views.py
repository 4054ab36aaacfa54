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
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..context import audit_note
from .permissions import IsAuditorOrCommander
from .serializers import CSV_COLUMNS, EventOutput, EventQuery, History


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


@extend_schema_view(get=extend_schema(operation_id="audit_events", tags=["audit"], parameters=[EventQuery]))
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


class RecordHistoryApi(APIView):
    """Every version of one operation, seizure or arrest from the audit trail: who wrote it,
    when, and what changed, oldest first. An erased record keeps its history (the erasure
    holds what was erased). 404 when the trail holds no write of the record."""

    permission_classes = [IsAuditorOrCommander]
    record_type: str = ""

    def get(self, request, pk):
        versions = selectors.record_history(record_type=self.record_type, record_id=pk)
        if not versions:
            raise NotFound(f"The audit trail holds no write of {self.record_type} {pk}.")
        body = {
            "record": f"{self.record_type}:{pk}",
            "erased": versions[-1]["action"] == "erase",
            "versions": versions,
        }
        audit_note(request, records=[body["record"]], count=len(versions))
        return Response(History(body).data)


def _history_schema(record_type: str):
    return extend_schema_view(
        get=extend_schema(
            operation_id=f"{record_type}_history",
            tags=["audit"],
            responses={200: History, 404: OpenApiResponse(description="no write of this record in the audit trail")},
        )
    )


@_history_schema("operation")
class OperationHistoryApi(RecordHistoryApi):
    __doc__ = RecordHistoryApi.__doc__
    record_type = "operation"


@_history_schema("seizure")
class SeizureHistoryApi(RecordHistoryApi):
    __doc__ = RecordHistoryApi.__doc__
    record_type = "seizure"


@_history_schema("arrest")
class ArrestHistoryApi(RecordHistoryApi):
    __doc__ = RecordHistoryApi.__doc__
    record_type = "arrest"
