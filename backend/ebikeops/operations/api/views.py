"""Operations, seizures and arrests over HTTP: parse input, call one service, serialize.

Each resource is declared once (`RecordResource`); the list/create and detail views below
read it, so the three resources behave identically.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from ebikeops.core.filters import BBoxFilter, DistanceFilter
from ebikeops.core.permissions import FieldRecordPermission, sees_sensitive_fields
from ebikeops.core.renderers import GEOJSON_RENDERERS
from ebikeops.sync import http as preconditions
from ebikeops.sync.services import ensure_not_deleted, record_deleted

from .. import errors, filters, selectors, services
from ..models import Operation
from . import serializers as s


@dataclass(frozen=True)
class RecordResource:
    selector: Any
    filterset: Any
    geo_field: str
    ordering_fields: tuple[str, ...]
    create_input: Any
    nested_input: Any  # creating under /operations/{id}/...: the operation comes from the URL
    update_input: Any
    public: Any
    sensitive: Any
    create: Any
    update: Any
    delete: Any
    instance_kwarg: str


OPERATIONS = RecordResource(
    selector=selectors.operation_list,
    filterset=filters.OperationFilter,
    geo_field="location",
    ordering_fields=("started_at", "ended_at", "seizure_count", "arrest_count", "name", "team"),
    create_input=s.OperationInput,
    nested_input=None,
    update_input=s.OperationUpdateInput,
    public=s.OperationFeature,
    sensitive=s.OperationFeatureWithNotes,
    create=services.operation_create,
    update=services.operation_update,
    delete=services.operation_delete,
    instance_kwarg="operation",
)
SEIZURES = RecordResource(
    selector=selectors.seizure_list,
    filterset=filters.SeizureFilter,
    geo_field="point",
    ordering_fields=("seized_at", "received_at", "vehicle_type"),
    create_input=s.SeizureCreateInput,
    nested_input=s.SeizureInput,
    update_input=s.SeizureUpdateInput,
    public=s.SeizureFeature,
    sensitive=s.SeizureFeatureSensitive,
    create=services.seizure_create,
    update=services.seizure_update,
    delete=services.seizure_delete,
    instance_kwarg="seizure",
)
ARRESTS = RecordResource(
    selector=selectors.arrest_list,
    filterset=filters.ArrestFilter,
    geo_field="point",
    ordering_fields=("arrested_at", "received_at"),
    create_input=s.ArrestCreateInput,
    nested_input=s.ArrestInput,
    update_input=s.ArrestUpdateInput,
    public=s.ArrestFeature,
    sensitive=s.ArrestFeatureWithNotes,
    create=services.arrest_create,
    update=services.arrest_update,
    delete=services.arrest_delete,
    instance_kwarg="arrest",
)


class RecordViewMixin:
    resource: RecordResource
    permission_classes = [FieldRecordPermission]
    renderer_classes = GEOJSON_RENDERERS  # Features: application/geo+json (or application/json if asked)

    def get_queryset(self):
        return self.resource.selector()

    def get_serializer_class(self):
        """The output serializer for the caller's role: analysts get no sensitive fields."""
        request = getattr(self, "request", None)
        if request is not None and sees_sensitive_fields(request.user):
            return self.resource.sensitive
        return self.resource.public

    def respond(self, instance, status_code=status.HTTP_200_OK) -> Response:
        """The record as the caller may see it, with its version as the ETag."""
        fresh = self.get_queryset().get(pk=instance.pk)  # re-read for annotations
        return preconditions.with_etag(Response(self.get_serializer(fresh).data, status=status_code), fresh.version)


class RecordListCreateView(RecordViewMixin, generics.ListAPIView):
    """GET: a paginated FeatureCollection, filtered. POST: create one record (Feature or
    flat object); an operation may carry its first seizures and arrests."""

    filter_backends = [DjangoFilterBackend, BBoxFilter, DistanceFilter, OrderingFilter]

    @property
    def filterset_class(self):
        return self.resource.filterset

    @property
    def geo_filter_field(self) -> str:
        return self.resource.geo_field

    @property
    def ordering_fields(self):
        return self.resource.ordering_fields

    def parent_operation(self) -> Operation | None:
        return None

    def post(self, request, *args, **kwargs):
        # An Idempotency-Key is claimed in the same transaction as the create (ebikeops.sync.http).
        return preconditions.idempotent(request, lambda: self.create_record(request))

    def create_record(self, request) -> Response:
        parent = self.parent_operation()
        form_class = self.resource.nested_input if parent else self.resource.create_input
        form = form_class(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        # A deleted record re-sent by a device is answered 410, not re-created.
        ensure_not_deleted(record_type=self.resource.instance_kwarg, record_id=data.get("id"))
        for kind in ("seizures", "arrests"):
            for item in data.get(kind, ()):
                ensure_not_deleted(record_type=kind[:-1], record_id=item.get("id"))
        if self.resource is not OPERATIONS:
            data["operation"] = parent or self.operation_from_body(data.get("operation"))
        instance = self.resource.create(user=request.user, **data)
        response = self.respond(instance, status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{instance.pk}/")
        return response

    @staticmethod
    def operation_from_body(operation_id) -> Operation:
        operation = Operation.objects.filter(pk=operation_id).first()
        if operation is None:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"operation": [errors.OPERATION_NOT_FOUND]})
        return operation


class RecordDetailView(RecordViewMixin, generics.RetrieveAPIView):
    """GET one record; PATCH some of its fields; DELETE it (commanders)."""

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
            ensure_not_deleted(record_type=self.resource.instance_kwarg, record_id=self.kwargs["pk"])
            raise

    def get(self, request, *args, **kwargs):
        instance = self.get_object()
        return preconditions.with_etag(Response(self.get_serializer(instance).data), instance.version)

    def patch(self, request, *args, **kwargs):
        instance = self.get_object()
        expected = self.expected_version(instance, required=True)
        form = self.resource.update_input(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        try:
            updated = self.resource.update(
                user=request.user,
                changes=form.validated_data,
                expected_version=expected,
                **{self.resource.instance_kwarg: instance},
            )
        except services.VersionConflict as exc:
            return self.precondition_failed(exc.instance)
        return self.respond(updated)

    def expected_version(self, instance, *, required: bool) -> int | None:
        """The version the client based its change on, from If-Match (ETag = version).

        Missing and `required`: 428. `If-Match: *` (or missing and optional): None, which
        skips the check. A stale version makes the service raise VersionConflict (412).
        """
        versions = preconditions.if_match_versions(self.request, required=required)
        return preconditions.expected_from(versions, instance.version)

    def precondition_failed(self, instance) -> Response:
        """412 carrying the record as it is now, so the client can merge and retry."""
        fresh = self.get_queryset().get(pk=instance.pk)
        return preconditions.precondition_failed(
            record_type=self.resource.instance_kwarg, version=fresh.version, current=self.get_serializer(fresh).data
        )

    def delete(self, request, *args, **kwargs):
        instance = self.get_object()
        with transaction.atomic():
            instance = type(instance).objects.select_for_update().get(pk=instance.pk)
            expected = self.expected_version(instance, required=False)
            if expected is not None and expected != instance.version:
                return self.precondition_failed(instance)
            # The tombstone first (a deleted instance loses its pk); it rolls back with a failed delete.
            record_deleted(record=instance, user=request.user)
            self.resource.delete(**{self.resource.instance_kwarg: instance})
        return Response(status=status.HTTP_204_NO_CONTENT)


class NestedUnderOperation:
    """Lists a record type of one operation: /operations/{operation_pk}/seizures/."""

    nested = True

    def parent_operation(self) -> Operation:
        return get_object_or_404(Operation, pk=self.kwargs["operation_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no URL kwargs
            return super().get_queryset().none()
        self.parent_operation()  # 404 for an unknown operation, not an empty list
        return super().get_queryset().filter(operation_id=self.kwargs["operation_pk"])


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


def _schema(resource: RecordResource, view_cls, tag: str):
    """Tell the schema which serializer each method reads and writes."""
    decorated = {}
    if hasattr(view_cls, "post"):
        nested = getattr(view_cls, "nested", False)
        decorated["post"] = extend_schema(
            request=resource.nested_input if nested else resource.create_input,
            responses={
                201: resource.sensitive,
                409: OpenApiResponse(description="a request with this Idempotency-Key is still in flight"),
                410: GONE,
                422: OpenApiResponse(description="Idempotency-Key reused with a different body"),
            },
            parameters=[IDEMPOTENCY_KEY],
            tags=[tag],
        )
    if hasattr(view_cls, "patch"):
        decorated["patch"] = extend_schema(
            request=resource.update_input,
            responses={
                200: resource.sensitive,
                410: GONE,
                412: OpenApiResponse(description="stale If-Match: the body carries the current state"),
                428: OpenApiResponse(description="If-Match missing"),
            },
            parameters=[IF_MATCH],
            tags=[tag],
        )
    detail = hasattr(view_cls, "patch")  # a detail view: a deleted id answers 410
    decorated["get"] = extend_schema(
        responses={200: resource.sensitive, 410: GONE} if detail else resource.sensitive, tags=[tag]
    )
    if hasattr(view_cls, "delete"):
        decorated["delete"] = extend_schema(parameters=[IF_MATCH_OPTIONAL], tags=[tag])
    from drf_spectacular.utils import extend_schema_view

    return extend_schema_view(**decorated)(view_cls)


def _make(name: str, resource: RecordResource, *bases, tag: str):
    return _schema(resource, type(name, bases, {"resource": resource}), tag)


OperationListCreateView = _make("OperationListCreateView", OPERATIONS, RecordListCreateView, tag="operations")
OperationDetailView = _make("OperationDetailView", OPERATIONS, RecordDetailView, tag="operations")
SeizureListCreateView = _make("SeizureListCreateView", SEIZURES, RecordListCreateView, tag="seizures")
SeizureDetailView = _make("SeizureDetailView", SEIZURES, RecordDetailView, tag="seizures")
ArrestListCreateView = _make("ArrestListCreateView", ARRESTS, RecordListCreateView, tag="arrests")
ArrestDetailView = _make("ArrestDetailView", ARRESTS, RecordDetailView, tag="arrests")
OperationSeizuresView = _make(
    "OperationSeizuresView", SEIZURES, NestedUnderOperation, RecordListCreateView, tag="seizures"
)
OperationArrestsView = _make("OperationArrestsView", ARRESTS, NestedUnderOperation, RecordListCreateView, tag="arrests")
OperationSeizureDetailView = _make("OperationSeizureDetailView", SEIZURES, RecordDetailView, tag="seizures")
OperationArrestDetailView = _make("OperationArrestDetailView", ARRESTS, RecordDetailView, tag="arrests")
