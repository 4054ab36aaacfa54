"""One audit event for every read of data, whoever reads it, however (API token, the map's
session, vector tiles, admin pages); the request id in and out (`X-Request-ID`).

Reads are recorded after the view has answered, once per request (never per feature), with
the endpoint, the query (filters, URL arguments such as a tile's z/x/y), the records a
detail URL names and the number of records returned. A view adds what the response does not
show with `audit_note`. Writes are recorded by the services, inside their transactions.

If the event cannot be written, the data is not handed over (503): no unlogged reads.
"""

import logging
import re
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import APIException

from .context import PURPOSE_HEADER, REQUEST_ID_HEADER, audit_note, request_context, use_context
from .models import Action
from .mvt import NotATile, tile_feature_count
from .services import event_record

logger = logging.getLogger(__name__)

READS = ("GET", "HEAD")
# Pages and endpoints that hand over no record data.
NOT_CONSULTATIONS = frozenset(
    {
        "health",
        "schema",
        "sync",  # GET: the client's own limits and identity; POST writes, recorded by the services
        "swagger-ui",
        "map",
        "login",
        "logout",
        "password_change",
        "password_change_done",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
)
# URL arguments that name a record, and the record type they name; `pk` is typed by the URL's
# name (RECORD_OF_URL) or else the name's first word.
ID_ARGUMENTS = {"operation_pk": "operation", "seizure_id": "seizure", "object_id": None}
RECORD_OF_URL = {
    "operation-seizure-detail": "seizure",
    "operation-arrest-detail": "arrest",
    "hotspot-job": "hotspot_job",
}
PROBLEM = "application/problem+json"


def is_export(request: HttpRequest) -> bool:
    """Whether the request takes data out of the product as a file (a disclosure)."""
    match = request.resolver_match
    name = (match.url_name or "") if match else ""
    if name.startswith("export-") or name == "audit-event-export":
        return True
    return request.GET.get("format") == "csv" or "text/csv" in request.headers.get("Accept", "")


def _record_type(url_name: str, argument: str, namespace: str) -> str:
    if ID_ARGUMENTS.get(argument):
        return ID_ARGUMENTS[argument]
    if namespace == "admin":
        return url_name.split("_")[1] if url_name.count("_") >= 2 else url_name
    return RECORD_OF_URL.get(url_name, url_name.split("-")[0])


def _is_id(argument: str) -> bool:
    return argument == "pk" or argument.endswith(("_pk", "_id")) or argument == "object_id"


def _query(request: HttpRequest, url_kwargs: dict[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for key in request.GET:
        if key == "purpose":
            continue
        values = request.GET.getlist(key)
        query[key] = values[0] if len(values) == 1 else values
    for key, value in url_kwargs.items():
        if not _is_id(key):
            query[key] = value
    return query


# A FeatureCollection built in SQL ends with its foreign members (OGC API Features style).
_NUMBER_RETURNED = re.compile(rb'"numberReturned"\s*:\s*(\d+)')


MVT = "application/vnd.mapbox-vector-tile"


def _count_in(response: HttpResponse) -> int | None:
    """The number of records a response hands over, if it shows it: a DRF response's data
    (features, results, a summary's groups or rows), the `numberReturned` near the end of a
    JSON body built in SQL (layers), or the features of a vector tile (none in an empty 204)."""
    data = getattr(response, "data", None)
    content_type = response.get("Content-Type", "")
    if data is None and not response.streaming and content_type.startswith(MVT):
        try:
            return tile_feature_count(response.content)
        except NotATile:
            return None
    if data is None and not response.streaming and "json" in content_type:
        found = _NUMBER_RETURNED.search(response.content[-400:])
        return int(found.group(1)) if found else None
    if isinstance(data, dict):
        for key in ("features", "results", "groups", "rows"):
            if isinstance(data.get(key), list):
                return len(data[key])
        return 1 if "id" in data or data.get("type") == "Feature" else None
    if isinstance(data, list):
        return len(data)
    return None


def _problem(status: int, title: str, detail: str, **extra: Any) -> JsonResponse:
    body = {"type": f"https://ebike-ops.example/problems/{title.lower().replace(' ', '-')}", "title": title}
    return JsonResponse({**body, "status": status, "detail": detail, **extra}, status=status, content_type=PROBLEM)


class AuditMiddleware:
    """Sits after AuthenticationMiddleware (session users are known; token users become known
    when DRF's view has run, and are read when the event is written)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = request_context(request)
        request.audit_context = context
        with use_context(context):
            response = self.get_response(request)
            if not context.note.get("recorded") and self._is_consultation(request, response):
                try:
                    _record(request, response)
                except Exception:
                    logger.exception("Could not record the audit event of %s %s", request.method, request.path)
                    response = _problem(
                        503,
                        "Audit unavailable",
                        "The access could not be recorded in the audit trail, so the data is not sent. Try again.",
                    )
        response[REQUEST_ID_HEADER] = context.request_id
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        request.audit_context.endpoint = (
            f"{match.namespace}:{match.url_name}" if match.namespace else (match.url_name or "")
        )
        if (
            settings.AUDIT_REQUIRE_PURPOSE_FOR_EXPORTS
            and request.method in READS
            and is_export(request)
            and not (request.audit_context.purpose or request.GET.get("purpose", "").strip())
        ):
            return _problem(
                400,
                "Invalid input",
                "Check these fields: purpose.",
                errors={"purpose": [f"Say why you export this data: send an {PURPOSE_HEADER} header or `purpose`."]},
            )
        return None

    def _is_consultation(self, request: HttpRequest, response: HttpResponse) -> bool:
        match = request.resolver_match
        if request.method not in READS or match is None or match.url_name in NOT_CONSULTATIONS:
            return False
        if not (200 <= response.status_code < 300 or response.status_code == 304):
            return False
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)


def _record(request: HttpRequest, response: HttpResponse | None) -> None:
    """Write the request's read event: its records, query and count (`response` None: the
    view records it before answering, see record_read_now)."""
    context = request.audit_context
    match = request.resolver_match
    note = context.note
    records = note.get("records")
    if records is None:
        records = [
            f"{_record_type(match.url_name or '', key, match.namespace)}:{value}"
            for key, value in match.kwargs.items()
            if _is_id(key)
        ]
    filters = note.get("filters", _query(request, match.kwargs))
    answered = response is None or response.status_code != 304
    count = note.get("count", _count_in(response) if response is not None and answered else None)
    if count is None and response is not None and response.status_code == 204 and match.url_name == "tile":
        count = 0  # an empty tile
    if count is None and answered and "pk" in match.kwargs:
        count = 1  # the one record the URL names (a photo, a job)
    action = note.get("action") or (Action.DISCLOSE if is_export(request) else Action.CONSULT)
    if not context.purpose and request.GET.get("purpose"):
        context.purpose = request.GET["purpose"].strip()[:500]
    event_record(action=action, records=records, filters=filters or None, count=count)


class AuditUnavailable(APIException):
    status_code = 503
    default_detail = "The access could not be recorded in the audit trail, so the data is not sent. Try again."
    default_code = "audit_unavailable"


def record_read_now(request, *, count: int | None) -> None:
    """Record the request's read now, from the view, rather than after it: for a view that
    must (a streamed export whose query holds the connection once started). The middleware
    then records nothing more for the request. Raises AuditUnavailable (503) if the event
    cannot be written: no unlogged reads."""
    django_request = getattr(request, "_request", request)
    audit_note(django_request, count=count)
    try:
        _record(django_request, None)
    except DatabaseError as exc:
        logger.exception("Could not record the audit event of %s %s", django_request.method, django_request.path)
        raise AuditUnavailable from exc
    django_request.audit_context.note["recorded"] = True
