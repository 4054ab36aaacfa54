"""List pages without per-object serializer work: the serializer's own fields, read from `.values()`.

A list page of 100 seizures through `GeoFeatureModelSerializer` built its fields on every
request, made 100 model instances (with their joined borough and operation), parsed 100
geometries with GEOS and ran one `get_attribute` + `to_representation` per field per row: most
of the request's time. `FeaturePlan` reads the same serializer class once, and then turns rows
of `queryset.values(...)` into the same Features: a point's coordinates come from PostgreSQL
(`ST_X`, `ST_Y`: the same doubles GEOS would read), values whose type the field would return
unchanged are passed through, and every other value goes through the serializer field's own
`to_representation` (timestamps in London time, pseudonyms). Parsed, the page is the
serializer's page: tests/operations/test_fast_lists.py compares both for every role and format.

A serializer with a field this module cannot read from a row (a SerializerMethodField, a
hyperlink, `source="*"`) has no plan (`plan_for` returns None) and is served by DRF as before.
The one method field it knows is `display` (the codes in words): it is built by the same
function, `core.display.display_for`, from the row's own codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from functools import cache, partial
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib.gis.db.models import PointField
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, FloatField, ForeignKey, Func, QuerySet, TextField, UUIDField
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ebikeops.core.display import DISPLAY_FIELDS, display_for

from .. import sql

# Field classes whose to_representation returns a database value of the right type unchanged
# (exact classes: a subclass may represent differently).
PASSED_THROUGH = frozenset(
    {
        serializers.CharField,
        serializers.ChoiceField,
        serializers.IntegerField,
        serializers.FloatField,
        serializers.BooleanField,
    }
)
X, Y = "_plan_x", "_plan_y"
TIME = "_plan_time_"  # + the property's name: a timestamp written by PostgreSQL (LocalIsoTime)
TEXT = "_plan_text_"  # + the row key: a UUID written by PostgreSQL (uuid_out: str(UUID)'s text)
DISPLAY = "display"


class StX(Func):
    """A point's longitude (x), as PostgreSQL stores it."""

    function = "ST_X"
    output_field = FloatField()


class StY(Func):
    """A point's latitude (y), as PostgreSQL stores it."""

    function = "ST_Y"
    output_field = FloatField()


class LocalIsoTime(Func):
    """A timestamp column as the serializers' DateTimeField writes it in `zone` (an IANA name),
    as text: operations.sql.LOCAL_ISO_TIME, equal to `_local_time` (tested value by value)."""

    output_field = CharField()

    def __init__(self, expression, zone: str):
        super().__init__(expression)
        self.zone = zone

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if params:
            raise ValueError("LocalIsoTime writes a column, not an expression with parameters.")
        template = sql.LOCAL_ISO_TIME
        return template.replace("{ts}", column).replace("{zone}", "%s"), [self.zone] * template.count("{zone}")


def sql_zone() -> str | None:
    """The current zone's IANA name, which PostgreSQL writes times in; None for another kind
    of tzinfo (then Python writes them, `_local_time`)."""
    zone = timezone.get_current_timezone()
    return zone.key if isinstance(zone, ZoneInfo) and zone.key else None


def _uuid_str(value: UUID) -> str:
    return str(value)


def _local_time(value: datetime, zone: tzinfo, field: serializers.DateTimeField) -> str:
    """DRF's `DateTimeField.to_representation` of an aware time in `zone`, as core.datetimes
    wraps it (a time whose local offset is not whole minutes, London before 1847, in UTC),
    without looking up the current zone for every value: that lookup (asgiref's Local) was
    half the Python time of a page of 100 seizures, four timestamps each."""
    if value.utcoffset() is None:
        return field.to_representation(value)  # naive: DRF's own rules
    local = value.astimezone(zone)
    if local.utcoffset().seconds % 60:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


@dataclass(frozen=True)
class Column:
    """One serializer field read from a `.values()` row: its output name, the row key, and the
    conversion of a non-null value (None: passed through). `local_time`: a timestamp written
    in the request's current zone (`convert` is then set per page, see `FeaturePlan.features`).
    `uuid_text`: a UUID the field writes as `str(value)`, read as PostgreSQL's text of it (the
    same 36 characters) rather than parsed into a UUID by psycopg and written back out."""

    name: str
    key: str
    convert: Callable[[Any], Any] | None
    local_time: serializers.DateTimeField | None = None
    uuid_text: bool = False

    @property
    def row_key(self) -> str:
        """Where `FeaturePlan.rows` puts the value (timestamps aside: see `features`)."""
        return TEXT + self.key if self.uuid_text else self.key

    def for_zone(self, zone: tzinfo | None) -> Column:
        if self.local_time is None or zone is None:
            return self
        return replace(self, convert=partial(_local_time, zone=zone, field=self.local_time))


@dataclass(frozen=True)
class FeaturePlan:
    """How to build the Features of one `GeoFeatureModelSerializer` from `.values()` rows."""

    id_column: Column | None
    geometry: Column | None  # None with `point`: the geometry is a point read as X and Y
    point: bool
    properties: tuple[Column, ...]
    geometry_source: str = ""  # the point field read as X and Y
    display: str | None = None  # the resource whose `display` object ends the properties

    @property
    def display_keys(self) -> tuple[str, ...]:
        return tuple(DISPLAY_FIELDS[self.display]) if self.display else ()

    def rows(self, queryset: QuerySet) -> QuerySet:
        """`queryset` (filtered, ordered, annotated) as the rows this plan reads."""
        zone = sql_zone()
        keys, extra = [], {}
        for column in self.properties:
            if column.local_time is not None and zone is not None:
                extra[TIME + column.name] = LocalIsoTime(column.key, zone)
            elif column.uuid_text:
                extra[column.row_key] = Cast(column.key, TextField())
            else:
                keys.append(column.key)
        keys.extend(self.display_keys)
        if self.id_column is not None and self.id_column.uuid_text:
            extra[self.id_column.row_key] = Cast(self.id_column.key, TextField())
        elif self.id_column is not None:
            keys.append(self.id_column.key)
        if self.point:
            geo = self.geometry_source
            extra |= {X: StX(geo), Y: StY(geo)}
        elif self.geometry is not None:
            keys.append(self.geometry.key)
        return queryset.values(*dict.fromkeys(keys), **extra)

    def features(self, rows: Iterable[dict]) -> list[dict]:
        """The Features of `rows`, as the serializer's `to_representation` makes them."""
        zone = timezone.get_current_timezone()  # once a page, not once a value
        written = sql_zone() is not None  # timestamps come as text (`rows`)
        # (name, row key, conversion or None), in the serializer's order; the loop below is
        # _value inlined: one call less per value (a page of 100 seizures holds ~1,900).
        properties = tuple(
            (c.name, TIME + c.name, None)
            if written and c.local_time is not None
            else (c.name, c.row_key, None if c.uuid_text else c.convert)
            for c in (column.for_zone(zone) for column in self.properties)
        )
        id_column, geometry, point, display = self.id_column, self.geometry, self.point, self.display
        id_key = id_column.row_key if id_column is not None else ""
        id_convert = None if id_column is None or id_column.uuid_text else id_column.convert
        # A page's rows share few combinations of codes: each one's words are looked up once.
        display_keys, words = self.display_keys, {}
        out = []
        for row in rows:
            feature: dict[str, Any] = {}
            if id_column is not None:
                feature["id"] = _value(row[id_key], id_convert)
            feature["type"] = "Feature"
            if point:
                x = row[X]
                feature["geometry"] = None if x is None else {"type": "Point", "coordinates": [x, row[Y]]}
            elif geometry is not None:
                feature["geometry"] = _value(row[geometry.key], geometry.convert)
            else:
                feature["geometry"] = None
            shown = feature["properties"] = {}
            for name, key, convert in properties:
                value = row[key]
                shown[name] = value if value is None or convert is None else convert(value)
            if display:
                codes = tuple(row[key] for key in display_keys)  # `rows` selects them
                found = words.get(codes)
                if found is None:
                    found = words[codes] = display_for(display, row)
                shown[DISPLAY] = found.copy()  # a Feature's own, as display_for's
            out.append(feature)
        return out


def _value(value, convert):
    # DRF's Serializer.to_representation: None stays None, without calling the field.
    if value is None or convert is None:
        return value
    return convert(value)


class NoPlan(Exception):
    """The serializer has a field that is not read from one row's values."""


def _is_uuid_column(model, source_attrs: list[str]) -> bool:
    """Whether the field is the model's own UUIDField (not one reached through a relation)."""
    if len(source_attrs) != 1:
        return False
    try:
        return isinstance(model._meta.get_field(source_attrs[0]), UUIDField)
    except FieldDoesNotExist:
        return False


def _is_uuid_key(model, source_attrs: list[str]) -> bool:
    """Whether the field is the model's own foreign key to a UUID primary key."""
    if len(source_attrs) != 1:
        return False
    try:
        field = model._meta.get_field(source_attrs[0])
    except FieldDoesNotExist:
        return False
    return isinstance(field, ForeignKey) and isinstance(field.target_field, UUIDField)


def _column(name: str, field: serializers.Field, model) -> Column:
    if isinstance(field, serializers.SerializerMethodField | serializers.HyperlinkedRelatedField):
        raise NoPlan(name)
    if isinstance(field, serializers.ManyRelatedField | serializers.BaseSerializer):
        raise NoPlan(name)
    if field.source == "*" or not field.source_attrs:
        raise NoPlan(name)
    key = "__".join(field.source_attrs)
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        if field.pk_field is not None:
            raise NoPlan(name)
        # DRF answers the related object's pk as it is; a renderer writes a UUID as str() does.
        return Column(name, key, None, uuid_text=_is_uuid_key(model, field.source_attrs))
    if type(field) is serializers.UUIDField:
        if field.uuid_format == "hex_verbose":
            return Column(name, key, _uuid_str, uuid_text=_is_uuid_column(model, field.source_attrs))
        return Column(name, key, field.to_representation)
    if type(field) in PASSED_THROUGH:
        return Column(name, key, None)
    if _is_plain_datetime(field):
        return Column(name, key, field.to_representation, local_time=field)
    return Column(name, key, field.to_representation)


def _is_plain_datetime(field: serializers.Field) -> bool:
    """A DateTimeField written as DRF does by default: ISO 8601 in the current zone."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    return (
        type(field) is serializers.DateTimeField
        and not hasattr(field, "timezone")
        and isinstance(output_format, str)
        and output_format.lower() == ISO_8601
    )


def _build(serializer_class: type[GeoFeatureModelSerializer]) -> FeaturePlan:
    meta = serializer_class.Meta
    fields = serializer_class().fields
    model = meta.model
    id_name, geo_name = meta.id_field, meta.geo_field
    id_column = _column("id", fields[id_name], model) if id_name else None
    geometry, point, source = None, False, ""
    if geo_name:
        geo_field = fields[geo_name]
        if not isinstance(geo_field, GeometryField) or geo_field.transform is not None or geo_field.precision:
            raise NoPlan(geo_name)
        source = "__".join(geo_field.source_attrs)
        model_field = model._meta.get_field(source) if len(geo_field.source_attrs) == 1 else None
        point = isinstance(model_field, PointField) and model_field.dim == 2 and not geo_field.remove_dupes
        if not point:
            geometry = _column(geo_name, geo_field, model)
    if getattr(meta, "bbox_geo_field", None) or getattr(meta, "auto_bbox", False):
        raise NoPlan("bbox")
    shown = [
        (name, field) for name, field in fields.items() if name not in {id_name, geo_name} and not field.write_only
    ]
    display = _display_resource(model, shown)  # as drf-gis' get_properties, above
    if display:
        shown = shown[:-1]
    properties = tuple(_column(name, field, model) for name, field in shown)
    return FeaturePlan(
        id_column=id_column,
        geometry=geometry,
        point=point,
        properties=properties,
        geometry_source=source,
        display=display,
    )


def _display_resource(model, shown: list[tuple[str, serializers.Field]]) -> str | None:
    """The resource of a last `display = SerializerMethodField()` (`get_display` answering
    `display_of(resource, instance)`, whose resource is the model's name), else None."""
    if not shown:
        return None
    name, field = shown[-1]
    resource = model._meta.model_name
    if name == DISPLAY and isinstance(field, serializers.SerializerMethodField) and resource in DISPLAY_FIELDS:
        return resource
    return None


@cache
def plan_for(serializer_class: type[serializers.BaseSerializer]) -> FeaturePlan | None:
    """The plan of `serializer_class`, built once; None if DRF must serialize it."""
    if not (isinstance(serializer_class, type) and issubclass(serializer_class, GeoFeatureModelSerializer)):
        return None
    try:
        return _build(serializer_class)
    except NoPlan:
        return None
