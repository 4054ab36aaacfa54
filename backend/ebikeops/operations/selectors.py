"""Reads: querysets already joined and annotated for what their callers output.

The list selectors take `filters`, a mapping of query parameters (a request's query_params,
or a dict from reporting, an import or a command): the type's FilterSet (attribute filters),
`bbox`, and `lon`/`lat`/`radius_m`. A bad parameter raises ValidationError (400, by field).
"""

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any
from uuid import UUID

from django.db.models import Exists, IntegerField, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django_filters import FilterSet
from django_filters.utils import translate_validation

from ebikeops.core.filters import filter_bbox, filter_distance

from . import sql
from .filters import ArrestFilter, OperationFilter, SeizureFilter
from .models import Arrest, Operation, Seizure, SeizurePhoto, Tombstone, VehicleType

# A record's borough is joined for its name; its boundary (a multipolygon of thousands of
# points) is left in the database: read and parsed per row, it was most of a list page's time
# (100 seizures: 96 -> 38 ms, the same bytes).
WITHOUT_BOUNDARY = ("borough__geom",)


def _total(sql_text: str, params: tuple = ()) -> RawSQL:
    """A total per operation (a correlated COUNT from ebikeops.operations.sql): PostgreSQL
    evaluates it only for the rows it returns (after ORDER BY and LIMIT, unless the order is by
    a total), and COUNT(*) of the list drops it: a page costs its own rows, not every
    operation's seizures."""
    return RawSQL(f"({sql_text})", params, output_field=IntegerField())  # noqa: S611 - constants of sql.py, values in params


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


# The unfiltered list querysets are built once per process and cloned (`.all()`) per call, as
# DRF clones a view's `queryset`: resolving the six count subqueries of the operations list
# was a third of the CPU time of `GET /operations/?page_size=1` (issue 16).
@cache
def _operations_with_totals() -> QuerySet[Operation]:
    per_type = {f"{vt}_count": _total(sql.SEIZURES_OF_OPERATION_BY_TYPE, (vt,)) for vt in VehicleType.values}
    return (
        Operation.objects.select_related("borough", "lead_officer")
        .defer(*WITHOUT_BOUNDARY)
        .annotate(
            seizure_count=_total(sql.SEIZURES_OF_OPERATION), **per_type, arrest_count=_total(sql.ARRESTS_OF_OPERATION)
        )
        .order_by("-started_at", "id")
    )


@cache
def _field_records(model) -> QuerySet:
    return model.objects.select_related("borough", "operation").defer(*WITHOUT_BOUNDARY)


def operation_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Operation]:
    """Operations with their totals: seizure_count, one `<vehicle_type>_count` per vehicle
    type, and arrest_count, each computed in the query for the rows returned (`_total`)."""
    queryset = _operations_with_totals().all()
    return apply_filters(queryset, filterset=OperationFilter, geo_field="location", filters=filters)


def seizure_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Seizure]:
    queryset = _field_records(Seizure).all()
    return apply_filters(queryset, filterset=SeizureFilter, geo_field="point", filters=filters)


def arrest_list(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Arrest]:
    queryset = _field_records(Arrest).all()
    return apply_filters(queryset, filterset=ArrestFilter, geo_field="point", filters=filters)


def operation_get(operation_id: UUID) -> Operation | None:
    """The operation with this id, or None."""
    return Operation.objects.filter(pk=operation_id).first()


def operations_by_id(operation_ids: Iterable[UUID]) -> dict[UUID, Operation]:
    """The operations with these ids that exist, by id. One query."""
    return Operation.objects.in_bulk(set(operation_ids))


def tombstones_of(*, record_type: str, record_ids: Iterable[UUID]) -> dict[UUID, Tombstone]:
    """The tombstones of those of `record_ids` (of `record_type`) that were deleted, by id."""
    found = Tombstone.objects.filter(record_type=record_type, record_id__in=set(record_ids))
    return {tombstone.record_id: tombstone for tombstone in found}


def tombstone_get(*, record_type: str, record_id: UUID) -> Tombstone | None:
    """The tombstone of a deleted record, or None if it was never deleted."""
    return Tombstone.objects.filter(record_type=record_type, record_id=record_id).first()


def photo_list(*, seizure_id: UUID | None = None) -> QuerySet[SeizurePhoto]:
    """Photos (oldest first), annotated `attached`: whether their seizure exists yet."""
    queryset = SeizurePhoto.objects.annotate(attached=Exists(Seizure.objects.filter(pk=OuterRef("seizure_id"))))
    if seizure_id is not None:
        queryset = queryset.filter(seizure_id=seizure_id)
    return queryset.order_by("created_at", "id")
