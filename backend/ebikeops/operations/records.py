"""The three field record types, declared once: what every layer above needs to know of each
(the REST API, sync, reporting, imports) without a table of its own.

`kind.selector(filters=...)` lists records as the API does; `kind.create/update/delete` are
the only writes (ebikeops.operations.services).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django_filters import FilterSet

from . import selectors, services
from .filters import ArrestFilter, OperationFilter, SeizureFilter
from .models import Arrest, Operation, RecordType, Seizure


@dataclass(frozen=True)
class RecordKind:
    type: str  # RecordType value, as in sync items and tombstones: "seizure"
    plural: str  # as in URLs: "seizures"
    model: type[Model]
    selector: Callable[..., QuerySet]
    filterset: type[FilterSet]
    geo_field: str
    time_field: str
    create: Callable[..., Model]
    update: Callable[..., Model]
    delete: Callable[..., Model]

    def instance_kwarg(self) -> str:
        """The keyword its update and delete services take the record by: `seizure=`."""
        return self.type


OPERATION = RecordKind(
    type=RecordType.OPERATION,
    plural="operations",
    model=Operation,
    selector=selectors.operation_list,
    filterset=OperationFilter,
    geo_field="location",
    time_field="started_at",
    create=services.operation_create,
    update=services.operation_update,
    delete=services.operation_delete,
)
SEIZURE = RecordKind(
    type=RecordType.SEIZURE,
    plural="seizures",
    model=Seizure,
    selector=selectors.seizure_list,
    filterset=SeizureFilter,
    geo_field="point",
    time_field="seized_at",
    create=services.seizure_create,
    update=services.seizure_update,
    delete=services.seizure_delete,
)
ARREST = RecordKind(
    type=RecordType.ARREST,
    plural="arrests",
    model=Arrest,
    selector=selectors.arrest_list,
    filterset=ArrestFilter,
    geo_field="point",
    time_field="arrested_at",
    create=services.arrest_create,
    update=services.arrest_update,
    delete=services.arrest_delete,
)
KINDS: dict[str, RecordKind] = {kind.type: kind for kind in (OPERATION, SEIZURE, ARREST)}
BY_PLURAL: dict[str, RecordKind] = {kind.plural: kind for kind in KINDS.values()}
