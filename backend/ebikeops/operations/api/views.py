"""Operations, seizures and arrests over HTTP: parse input, call one service, serialize.

Two base classes hold the behaviour (list + create, and one record: read, change, delete);
each endpoint is an explicit subclass naming its record kind, its serializers and its schema.
Views never write through the ORM: every write is a service of ebikeops.operations.services,
reached through the record kind.
"""

from django.db import router
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from ebikeops.core import http
from ebikeops.core.filters import BBoxFilter, DistanceFilter
from ebikeops.core.renderers import GEOJSON_RENDERERS
from ebikeops.core.statements import compiled_rows

from .. import errors, records, selectors
from ..models import Operation
from ..tombstones import ensure_not_deleted
from . import listing
from . import serializers as s
from .permissions import FieldRecordPermission

# Query parameters that choose the page, not the rows (FeaturePagination's).
PAGE_PARAMS = frozenset({"page", "page_size"})


class AttributeFilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds and validates the FilterSet's form only when the
    request names one of its filters: without any, the form filters nothing and is valid, and
    building it was a tenth of a short list's time."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and request.query_params.keys().isdisjoint(filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


class RecordApi:
    """What both kinds of record endpoint share: the kind, its shapes, the role's serializer."""

    kind: records.RecordKind
    shapes: s.RecordShapes
    permission_classes = [FieldRecordPermission]
    renderer_classes = GEOJSON_RENDERERS  # Features: application/geo+json (or application/json if asked)
    renderer_classes = GEOJSON_RENDERERS  # Features: application/geo+json (or application/json if asked)

    def get_queryset(self):
        return self.kind.selector()

    def get_serializer_class(self):
        """The output serializer for the caller's role: analysts get no sensitive fields."""
        request = getattr(self, "request", None)
        return self.shapes.output_for(request.user) if request is not None else self.shapes.sensitive

    def respond(self, instance, status_code=status.HTTP_200_OK) -> Response:
        """The record as the caller may see it, with its version as the ETag."""
        fresh = self.get_queryset().get(pk=instance.pk)  # re-read for annotations
        return http.with_etag(Response(self.get_serializer(fresh).data, status=status_code), fresh.version)

    def precondition_failed(self, instance) -> Response:
        """412 carrying the record as it is now, so the client can merge and retry. The
        exception handler calls this for a VersionConflict raised by a service."""
        fresh = self.get_queryset().get(pk=instance.pk)
        return http.precondition_failed(
            record_type=self.kind.type, version=fresh.version, current=self.get_serializer(fresh).data
        )


class RecordListCreateApi(RecordApi, generics.ListAPIView):
    """GET: a paginated FeatureCollection, filtered. POST: create one record (Feature or
    flat object); an operation may carry its first seizures and arrests."""

    filter_backends = [AttributeFilterBackend, BBoxFilter, DistanceFilter, OrderingFilter]
    ordering_fields: tuple[str, ...] = ()

    @property
    def filterset_class(self):
        return self.kind.filterset

    @property
    def geo_filter_field(self) -> str:
        return self.kind.geo_field

    def parent_operation(self) -> Operation | None:
        return None

    def list(self, request, *args, **kwargs):
        """The page as DRF's ListAPIView answers it, its Features built from `.values()` rows
        by the role's serializer's plan (ebikeops.operations.api.listing) when it has one."""
        serializer_class = self.get_serializer_class()
        plan = listing.plan_for(serializer_class)
        if plan is None:
            return super().list(request, *args, **kwargs)

        def build():
            queryset = self.filter_queryset(self.get_queryset())
            # Counted without the joins of the output columns: COUNT(*) over the filtered table.
            return plan.rows(queryset), queryset

        rows = self.paginate_queryset(compiled_rows(self.statement_key(serializer_class), build))
        return self.get_paginated_response({"features": plan.features(rows)})

    def statement_key(self, serializer_class) -> tuple | None:
        """What this list's SQL depends on: the view, the role's serializer, the database, the
        current time zone and every
        query parameter but the page's (their values included); None (compiled afresh) under
        an operation, whose existence is checked per request (404)."""
        if self.kwargs:
            return None
        params = self.request.query_params
        filters = tuple(sorted((name, tuple(params.getlist(name))) for name in params if name not in PAGE_PARAMS))
        zone = timezone.get_current_timezone_name()  # timestamps are written in it by the SQL
        return (type(self), serializer_class, router.db_for_read(self.kind.model), zone, filters)

    def post(self, request, *args, **kwargs):
        # An Idempotency-Key is claimed in the same transaction as the create (ebikeops.core.http).
        return http.idempotent(request, lambda: self.create_record(request))

    def create_record(self, request) -> Response:
        parent = self.parent_operation()
        form = (self.shapes.nested_input if parent else self.shapes.create_input)(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if self.kind is not records.OPERATION:
            data["operation"] = parent or self.operation_from_body(data.get("operation"))
        instance = self.kind.create(user=request.user, **data)
        response = self.respond(instance, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{instance.pk}/")
        return response

    @staticmethod
    def operation_from_body(operation_id) -> Operation:
        operation = selectors.operation_get(operation_id)
        if operation is None:
            raise ValidationError({"operation": [errors.OPERATION_NOT_FOUND]})
        return operation


class RecordDetailApi(RecordApi, generics.RetrieveAPIView):
    """GET one record; PATCH some of its fields (If-Match required); DELETE it (commanders)."""

    lookup_url_kwarg = "pk"

    def get_queryset(self):
        queryset = super().get_queryset()
        if "operation_pk" in self.kwargs:
            queryset = queryset.filter(operation_id=self.kwargs["operation_pk"])
        return queryset

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            # A device reading or editing a record someone deleted learns that (410), not 404.
            ensure_not_deleted(record_type=self.kind.type, record_id=self.kwargs["pk"])
            raise

    def get(self, request, *args, **kwargs):
        instance = self.get_object()
        return http.with_etag(Response(self.get_serializer(instance).data), instance.version)

    def patch(self, request, *args, **kwargs):
        instance = self.get_object()
        expected = http.expected_version(request, instance.version, required=True)
        form = self.shapes.update_input(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        updated = self.kind.update(
            **{self.kind.instance_kwarg(): instance},
            user=request.user,
            changes=form.validated_data,
            expected_version=expected,
        )
        return self.respond(updated)

    def delete(self, request, *args, **kwargs):
        instance = self.get_object()
        expected = http.expected_version(request, instance.version, required=False)
        self.kind.delete(**{self.kind.instance_kwarg(): instance}, user=request.user, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NestedUnderOperation:
    """Lists a record type of one operation: /operations/{operation_pk}/seizures/."""

    def parent_operation(self) -> Operation:
        return get_object_or_404(Operation, pk=self.kwargs["operation_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no URL kwargs
            return super().get_queryset().none()
        self.parent_operation()  # 404 for an unknown operation, not an empty list
        return super().get_queryset().filter(operation_id=self.kwargs["operation_pk"])


# --- The schema each endpoint states -------------------------------------------------------

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="a new UUID per create; a retry with the same key and body gets the stored response",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='the ETag last read, e.g. "3" (the record\'s version); * accepts any version',
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False, description='the ETag last read, e.g. "3"'
)
GONE = OpenApiResponse(description="a record with this id was deleted")


def list_schema(shapes: s.RecordShapes, *, tag: str, nested: bool = False):
    """The schema of a list + create endpoint."""
    return extend_schema_view(
        get=extend_schema(responses=shapes.sensitive, tags=[tag]),
        post=extend_schema(
            request=shapes.nested_input if nested else shapes.create_input,
            responses={
                201: shapes.sensitive,
                409: OpenApiResponse(description="a request with this Idempotency-Key is still in flight"),
                410: GONE,
                422: OpenApiResponse(description="Idempotency-Key reused with a different body"),
            },
            parameters=[IDEMPOTENCY_KEY],
            tags=[tag],
        ),
    )


def detail_schema(shapes: s.RecordShapes, *, tag: str):
    """The schema of a one-record endpoint."""
    return extend_schema_view(
        get=extend_schema(responses={200: shapes.sensitive, 410: GONE}, tags=[tag]),
        patch=extend_schema(
            request=shapes.update_input,
            responses={
                200: shapes.sensitive,
                410: GONE,
                412: OpenApiResponse(description="stale If-Match: the body carries the current state"),
                428: OpenApiResponse(description="If-Match missing"),
            },
            parameters=[IF_MATCH],
            tags=[tag],
        ),
        delete=extend_schema(parameters=[IF_MATCH_OPTIONAL], tags=[tag]),
    )


OPERATION_SHAPES = s.SHAPES[records.OPERATION.type]
SEIZURE_SHAPES = s.SHAPES[records.SEIZURE.type]
ARREST_SHAPES = s.SHAPES[records.ARREST.type]
OPERATION_ORDERING = ("started_at", "ended_at", "seizure_count", "arrest_count", "name", "team")
SEIZURE_ORDERING = ("seized_at", "received_at", "vehicle_type")
ARREST_ORDERING = ("arrested_at", "received_at")


# --- The endpoints -------------------------------------------------------------------------


@list_schema(OPERATION_SHAPES, tag="operations")
class OperationListCreateApi(RecordListCreateApi):
    kind = records.OPERATION
    shapes = OPERATION_SHAPES
    ordering_fields = OPERATION_ORDERING


@detail_schema(OPERATION_SHAPES, tag="operations")
class OperationDetailApi(RecordDetailApi):
    kind = records.OPERATION
    shapes = OPERATION_SHAPES


@list_schema(SEIZURE_SHAPES, tag="seizures")
class SeizureListCreateApi(RecordListCreateApi):
    kind = records.SEIZURE
    shapes = SEIZURE_SHAPES
    ordering_fields = SEIZURE_ORDERING


@detail_schema(SEIZURE_SHAPES, tag="seizures")
class SeizureDetailApi(RecordDetailApi):
    kind = records.SEIZURE
    shapes = SEIZURE_SHAPES


@list_schema(ARREST_SHAPES, tag="arrests")
class ArrestListCreateApi(RecordListCreateApi):
    kind = records.ARREST
    shapes = ARREST_SHAPES
    ordering_fields = ARREST_ORDERING


@detail_schema(ARREST_SHAPES, tag="arrests")
class ArrestDetailApi(RecordDetailApi):
    kind = records.ARREST
    shapes = ARREST_SHAPES


@list_schema(SEIZURE_SHAPES, tag="seizures", nested=True)
class OperationSeizureListCreateApi(NestedUnderOperation, RecordListCreateApi):
    kind = records.SEIZURE
    shapes = SEIZURE_SHAPES
    ordering_fields = SEIZURE_ORDERING


@list_schema(ARREST_SHAPES, tag="arrests", nested=True)
class OperationArrestListCreateApi(NestedUnderOperation, RecordListCreateApi):
    kind = records.ARREST
    shapes = ARREST_SHAPES
    ordering_fields = ARREST_ORDERING


@detail_schema(SEIZURE_SHAPES, tag="seizures")
class OperationSeizureDetailApi(RecordDetailApi):
    kind = records.SEIZURE
    shapes = SEIZURE_SHAPES


@detail_schema(ARREST_SHAPES, tag="arrests")
class OperationArrestDetailApi(RecordDetailApi):
    kind = records.ARREST
    shapes = ARREST_SHAPES
