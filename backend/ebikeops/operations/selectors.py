"""Reads: querysets already joined and annotated for what their callers output.

The list selectors take `filters`, a mapping of query parameters (a request's query_params,
or a dict from reporting, an import or a command): the type's FilterSet (attribute filters),
`bbox`, and `lon`/`lat`/`radius_m`. A bad parameter raises ValidationError (400, by field).
"""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django_filters import FilterSet
from django_filters.utils import translate_validation

from ebikeops.core.filters import filter_bbox, filter_distance

from .filters import ArrestFilter, OperationFilter, SeizureFilter
from .models import Arrest, Operation, Seizure, SeizurePhoto, Tombstone, VehicleType


def _arrest_count() -> Subquery:
    return Subquery(
        Arrest.objects.filter(operation=OuterRef("pk"))
        .order_by()
        .values("operation")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def apply_filters(
    queryset: QuerySet, *, filterset: type[FilterSet], geo_field: str, filters: Mapping[str, Any] | None
) -> QuerySet:
    """`queryset` narrowed by `filters`: the FilterSet's attribute filters, then bbox and
    distance on `geo_field`. Raises ValidationError naming each bad parameter."""
    if not filters:
        return queryset
    form = filterset(data=filters, queryset=queryset)
    if not form.is_valid():
        raise translate_validation(form.errors)
    queryset = filter_bbox(form.qs, geo_field=geo_field, params=filters)
    return filter_distance(queryset, geo_field=geo_field, params=filters)


def operation_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Operation]:
    """Operations with their totals: seizure_count, one `<vehicle_type>_count` per vehicle
    type, and arrest_count, all computed in the query (one grouped join, one subquery)."""
    per_type = {f"{vt}_count": Count("seizures", filter=Q(seizures__vehicle_type=vt)) for vt in VehicleType.values}
    queryset = (
        Operation.objects.select_related("borough", "lead_officer")
        .annotate(seizure_count=Count("seizures"), **per_type, arrest_count=Coalesce(_arrest_count(), 0))
        .order_by("-started_at", "id")  # Meta.ordering is not applied to GROUP BY queries
    )
    return apply_filters(queryset, filterset=OperationFilter, geo_field="location", filters=filters)


def seizure_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Seizure]:
    queryset = Seizure.objects.select_related("borough", "operation")
    return apply_filters(queryset, filterset=SeizureFilter, geo_field="point", filters=filters)


def arrest_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Arrest]:
    queryset = Arrest.objects.select_related("borough", "operation")
    return apply_filters(queryset, filterset=ArrestFilter, geo_field="point", filters=filters)


def operation_get(operation_id: UUID) -> Operation | None:
    """The operation with this id, or None."""
    return Operation.objects.filter(pk=operation_id).first()


def tombstone_get(*, record_type: str, record_id: UUID) -> Tombstone | None:
    """The tombstone of a deleted record, or None if it was never deleted."""
    return Tombstone.objects.filter(record_type=record_type, record_id=record_id).first()


def photo_list(*, seizure_id: UUID | None = None) -> QuerySet[SeizurePhoto]:
    """Photos (oldest first), annotated `attached`: whether their seizure exists yet."""
    queryset = SeizurePhoto.objects.annotate(attached=Exists(Seizure.objects.filter(pk=OuterRef("seizure_id"))))
    if seizure_id is not None:
        queryset = queryset.filter(seizure_id=seizure_id)
    return queryset.order_by("created_at", "id")
