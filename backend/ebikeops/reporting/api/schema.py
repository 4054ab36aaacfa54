"""What the reporting endpoints tell the OpenAPI schema: the list endpoints' filters,
described once from their FilterSets, and FeatureCollections of the record kinds' features.

Reporting serves the list endpoints' own features (same properties, same order: see
reporting/sql.py), so its schema names the shapes the operations app publishes
(`operations.api.serializers.SHAPES`) rather than describing them again and drifting.
"""

from collections.abc import Iterable

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from ebikeops.core.filters import BBoxFilter, DistanceFilter
from ebikeops.core.renderers import GEOJSON
from ebikeops.operations.api.serializers import SHAPES
from ebikeops.operations.records import RecordKind

CSV = "text/csv"
MVT = "application/vnd.mapbox-vector-tile"
SENSITIVE_NOTE = "frame_number and notes only for officers and commanders, never for analysts"


def _filter_parameter(name: str, field: django_filters.Filter, kinds: list[str], everywhere: bool) -> OpenApiParameter:
    described = str(field.label or name)
    if not everywhere:
        described += f" (applies to {', '.join(kinds)} only)"
    if isinstance(field, django_filters.MultipleChoiceFilter):
        choices = [value for value, _label in field.extra["choices"]]
        return OpenApiParameter(
            name, {"type": "array", "items": {"type": "string", "enum": choices}}, explode=True, description=described
        )
    kinds_by_class = {
        django_filters.IsoDateTimeFilter: OpenApiTypes.DATETIME,
        django_filters.UUIDFilter: OpenApiTypes.UUID,
    }
    kind = next((k for cls, k in kinds_by_class.items() if isinstance(field, cls)), OpenApiTypes.STR)
    return OpenApiParameter(name, kind, description=described)


def filter_parameters(kinds: Iterable[RecordKind], *, spatial: bool = True) -> list[OpenApiParameter]:
    """The query parameters of the kinds' list endpoints (their FilterSets, bbox, distance)."""
    kinds = list(kinds)
    seen: dict[str, tuple[django_filters.Filter, list[str]]] = {}
    for kind in kinds:
        for name, field in kind.filterset.base_filters.items():
            seen.setdefault(name, (field, []))[1].append(kind.plural)
    parameters = [
        _filter_parameter(name, field, names, everywhere=len(names) == len(kinds))
        for name, (field, names) in seen.items()
    ]
    if spatial:
        for backend in (BBoxFilter, DistanceFilter):
            for spec in backend().get_schema_operation_parameters(view=None):
                kind = OpenApiTypes.NUMBER if spec["schema"]["type"] == "number" else OpenApiTypes.STR
                parameters.append(OpenApiParameter(spec["name"], kind, description=spec["description"]))
    return parameters


def feature_collection(name: str, feature_serializer, **members) -> serializers.Serializer:
    """A FeatureCollection of `feature_serializer`'s Features (plus foreign `members`)."""
    return inline_serializer(
        name,
        {
            "type": serializers.ChoiceField(choices=["FeatureCollection"]),
            "features": serializers.ListField(child=feature_serializer()),
            **members,
        },
    )


def both_media_types(response) -> dict:
    """A GeoJSON 200: application/geo+json, or the same body as application/json for a client
    that asks for that (ebikeops.core.renderers)."""
    return {(200, GEOJSON): response, (200, "application/json"): response}


def record_feature(kind: RecordKind) -> type[serializers.Serializer]:
    """The Feature serializer of `kind` with every property a role may see."""
    return SHAPES[kind.type].sensitive
