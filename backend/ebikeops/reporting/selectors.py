"""Reads for summaries, exports, map layers and tiles. Each query in `sql.py` is run by one
function here; no other module opens a cursor.

Which records a request reads is decided exactly as the list endpoints decide it: the
operations app's list selectors filter by the same parameters (`apply_filters`: FilterSet,
bbox, distance), and the ORM compiles the queryset into the `{records}` slot of the SQL
(see `sql.py`).
Points are lon/lat (SRID 4326); times are output in settings.TIME_ZONE.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError

from ebikeops.core.display import display_names_json
from ebikeops.core.filters import filter_bbox
from ebikeops.core.pseudonyms import Pseudonym
from ebikeops.hotspots import selectors as hotspot_selectors
from ebikeops.hotspots.models import Hotspot, HotspotRun
from ebikeops.operations import records as records_registry
from ebikeops.operations.records import RecordKind
from ebikeops.operations.selectors import apply_filters

from . import sql

SINCE_AFTER_UNTIL = "Must not be before since."


# Per record kind: property -> ORM expression, for the properties that are not plain model fields.
SOURCES: dict[str, Mapping[str, Any]] = {
    "operations": {"lead_officer": F("lead_officer__username"), "borough": F("borough__name")},
    "seizures": {"operation": F("operation_id"), "borough": F("borough__name")},
    "arrests": {"operation": F("operation_id"), "borough": F("borough__name")},
}
OPERATIONS, SEIZURES, ARRESTS = records_registry.OPERATION, records_registry.SEIZURE, records_registry.ARREST
KINDS: dict[str, RecordKind] = records_registry.BY_PLURAL


# --- Filtering: the list endpoints' filters, reused ------------------------------------------


def _without_distinct(queryset: QuerySet) -> QuerySet:
    """django-filter's multiple-choice filters add DISTINCT in case a filter follows a to-many
    relation. These FilterSets follow only to-one relations, so no record can repeat, and
    DISTINCT would only cost a sort (and merge records over a projection without the id).
    Refuses loudly should a filter ever join a to-many relation."""
    if queryset.query.group_by is not None:  # an aggregating selector: one row per record already
        return queryset
    for join in queryset.query.alias_map.values():
        field = getattr(join, "join_field", None)
        if field is not None and (getattr(field, "one_to_many", False) or getattr(field, "many_to_many", False)):
            raise RuntimeError(f"A filter joins the to-many relation {field}; reporting would count records twice.")
    queryset = queryset.all()
    queryset.query.distinct = False
    return queryset


def records(kind: RecordKind, params: Mapping[str, Any], *, base: QuerySet | None = None) -> QuerySet:
    """The records of `kind` that the list endpoint would list for the query `params`
    (attribute filters, bbox, lon/lat/radius_m), unordered. Raises ValidationError (400,
    field-keyed) for a bad parameter."""
    queryset = (base if base is not None else kind.selector()).order_by()
    queryset = apply_filters(queryset, filterset=kind.filterset, geo_field=kind.geo_field, filters=params)
    return _without_distinct(queryset.order_by())


def check_filters(kinds: Iterable[RecordKind], params: Mapping[str, Any]) -> None:
    """Raise one ValidationError (400) naming every bad parameter for any of `kinds`.
    Builds querysets only: no query runs."""
    errors: dict[str, Any] = {}
    for kind in kinds:
        try:
            records(kind, params)
        except ValidationError as exc:
            errors.update(exc.detail)
    if errors:
        raise ValidationError(errors)


def _projection(kind: RecordKind, properties: Sequence[tuple[str, str]], extra: Mapping[str, Any]) -> dict:
    columns: dict[str, Combinable] = {
        "c_id": F("pk"),
        "c_geom": F(kind.geo_field),
        "c_at": F(kind.time_field),
        **{f"c_{name}": SOURCES[kind.plural].get(name, F(name)) for name, _ in properties},
    }
    columns.update(extra)
    return columns


def _compile(queryset: QuerySet) -> tuple[str, tuple]:
    query, params = queryset.query.sql_with_params()
    return query, tuple(params)


# What analysts get instead of an officer's username: a stable pseudonym (data minimisation).
PSEUDONYMS: dict[str, Mapping[str, Any]] = {"operations": {"c_lead_officer": Pseudonym("lead_officer_id")}}


def _feature_rows(kind: RecordKind, params: Mapping[str, Any], *, sensitive: bool) -> tuple[str, tuple]:
    public, extra = sql.PROPERTIES[kind.plural]
    properties = public + (extra if sensitive else ())
    instead = {} if sensitive else PSEUDONYMS.get(kind.plural, {})
    return _compile(records(kind, params).values(**_projection(kind, properties, instead)))


def _fetch_one(query: str, params: Sequence[Any]) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


def _read(cursor, query: str, params: Sequence[Any]) -> None:
    """Execute `query` after sql.READ_SETTINGS (JIT off) in the same round trip: the two
    statements form one implicit transaction, so the setting ends with it (or with the
    caller's transaction). Leaves the cursor on the query's rows."""
    cursor.execute(sql.READ_SETTINGS + query, params)
    cursor.nextset()


# --- Data version --------------------------------------------------------------------------------


def data_version() -> tuple[int, datetime | None]:
    """The committed-change counter behind reporting's ETags, and the time of the latest
    change (None before the first). One primary-key read."""
    row = _fetch_one(sql.DATA_VERSION, ())
    return (row[0], row[1]) if row else (0, None)


# --- Map layers ------------------------------------------------------------------------------------


def layer_geojson(kind: RecordKind, params: Mapping[str, Any], *, sensitive: bool, limit: int) -> bytes:
    """A FeatureCollection of at most `limit` records, newest first, built in PostgreSQL as
    UTF-8 bytes, with foreign members `numberReturned`, `limit` and `truncated`. Features are
    those of the list endpoint's serializer for the role (`sensitive`: officers and
    commanders). One query."""
    records_sql, records_params = _feature_rows(kind, params, sensitive=sensitive)
    query = sql.LAYER[(kind.plural, sensitive)].replace("{records}", records_sql)
    with connection.cursor() as cursor:
        _read(cursor, query, (settings.TIME_ZONE, limit, display_names_json(), *records_params))
        return bytes(cursor.fetchone()[0])


# --- Exports ---------------------------------------------------------------------------------------


def _stream(query: str, params: Sequence[Any], chunk_size: int) -> Iterator[list[tuple]]:
    """The rows of `query` in lists of `chunk_size`, read with `COPY ... TO STDOUT` inside a
    transaction, after sql.READ_SETTINGS.

    COPY streams: PostgreSQL goes on building rows while the previous ones are being sent,
    where a server-side cursor would wait for each FETCH (measured: half the time for a
    million seizures). Memory stays at one chunk. Values arrive as text (None for NULL).
    The statement is logged like any query when queries are logged (debug, tests).
    """
    statement = sql.COPY_OUT.replace("{query}", query)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.READ_SETTINGS)
            logged = (
                cursor.debug_sql(statement, params, use_last_executed_query=True)
                if hasattr(cursor, "debug_sql")
                else nullcontext()
            )
            # The psycopg cursor under Django's: client-side binding merges `params` into the COPY.
            raw = cursor.cursor
            with logged, raw.copy(statement, params) as copy:
                try:
                    chunk: list[tuple] = []
                    for row in copy.rows():
                        chunk.append(row)
                        if len(chunk) >= chunk_size:
                            yield chunk
                            chunk = []
                    if chunk:
                        yield chunk
                except GeneratorExit:
                    # The response was closed early (the client left): stop the server
                    # rather than read the rest of a large export to the end.
                    raw.connection.cancel_safe()
                    raise
    except psycopg.errors.QueryCanceled:
        return  # the transaction has rolled back; nothing was written anyway


def export_geojson_features(
    kind: RecordKind, params: Mapping[str, Any], *, sensitive: bool, chunk_size: int
) -> Iterator[list[tuple[str]]]:
    """Lists of one-column rows, each a GeoJSON Feature as JSON text (the layer's features),
    newest first. Lazy: runs when first iterated, one query (COPY ... TO STDOUT)."""
    records_sql, records_params = _feature_rows(kind, params, sensitive=sensitive)
    query = sql.EXPORT_GEOJSON[(kind.plural, sensitive)].replace("{records}", records_sql)
    return _stream(query, (settings.TIME_ZONE, display_names_json(), *records_params), chunk_size)


def export_csv_header(kind: RecordKind, *, sensitive: bool) -> list[str]:
    return list(sql.EXPORT_CSV[(kind.plural, sensitive)][0])


def export_csv_rows(
    kind: RecordKind, params: Mapping[str, Any], *, sensitive: bool, chunk_size: int
) -> Iterator[list[tuple]]:
    """Lists of rows matching `export_csv_header`, newest first. Lazy, like the GeoJSON one."""
    records_sql, records_params = _feature_rows(kind, params, sensitive=sensitive)
    query = sql.EXPORT_CSV[(kind.plural, sensitive)][1].replace("{records}", records_sql)
    return _stream(query, (settings.TIME_ZONE, *records_params), chunk_size)


# --- Summaries -------------------------------------------------------------------------------------

DIMENSIONS = sql.SUMMARY_DIMENSIONS


@dataclass(frozen=True)
class SummaryWindow:
    """The date range asked for (either end open) and the rolling 12 months: the year up to
    `until`, or up to the end of today (London) when the range has no end."""

    since: datetime | None
    until: datetime | None
    rolling_since: datetime
    rolling_until: datetime


def summary_window(*, since: datetime | None, until: datetime | None, now: datetime) -> SummaryWindow:
    if since and until and since > until:
        raise ValidationError({"until": [SINCE_AFTER_UNTIL]})
    zone = ZoneInfo(settings.TIME_ZONE)
    if until is None:
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        end = datetime.combine(tomorrow, time(0), tzinfo=zone)
    else:
        end = until.astimezone(zone)
    try:
        start = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        start = end.replace(year=end.year - 1, day=28)
    return SummaryWindow(since=since, until=until, rolling_since=start, rolling_until=end)


def summary_range(params: Mapping[str, Any], *, now: datetime) -> SummaryWindow:
    """The summary's window from the query's `since`/`until`, validated as the list
    endpoints validate them. Raises ValidationError (400) for a bad or reversed range."""
    filterset = SEIZURES.filterset(data=params, queryset=SEIZURES.model.objects.none())
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    form = filterset.form
    return summary_window(since=form.cleaned_data.get("since"), until=form.cleaned_data.get("until"), now=now)


def _summary_records(kind: RecordKind, params: Mapping[str, Any], window: SummaryWindow, group_by) -> QuerySet:
    """The kind's filtered records in the range or the rolling window, projected to the
    summary's columns (r_*). The range itself is applied by the SQL, so the FilterSet sees
    the query without since/until."""
    queryset = records(kind, _without(params, ("since", "until")), base=kind.model.objects.all())
    if window.since or window.until:
        field = kind.time_field
        in_range = Q()
        if window.since:
            in_range &= Q(**{f"{field}__gte": window.since})
        if window.until:
            in_range &= Q(**{f"{field}__lte": window.until})
        rolling = Q(**{f"{field}__gt": window.rolling_since, f"{field}__lte": window.rolling_until})
        queryset = queryset.filter(in_range | rolling)
    team = "team" if kind is OPERATIONS else "operation__team"
    columns: dict[str, Any] = {
        "r_borough": F("borough_id"),
        "r_team": F(team) if "team" in group_by else Value(None, output_field=CharField()),
        "r_at": F(kind.time_field),
    }
    if kind is SEIZURES:
        columns.update(r_vehicle_type=F("vehicle_type"), r_reason=F("reason"), r_disposition=F("disposition"))
    if kind is ARRESTS:
        columns.update(r_offence_category=F("offence_category"))
    return queryset.values(**columns)


def _without(params: Mapping[str, Any], keys: Sequence[str]) -> Mapping[str, Any]:
    """`params` less `keys`, as the same kind of mapping (a QueryDict keeps its lists)."""
    if hasattr(params, "getlist"):
        copy = params.copy()
        for key in keys:
            copy.pop(key, None)
        return copy
    return {key: value for key, value in params.items() if key not in keys}


def _figures(row: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for index, (path, _kind, _attribute, _value) in enumerate(sql.SUMMARY_COUNTS):
        node = figures
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = row[f"{prefix}_{index}"]
    return figures


def _group_value(row: Mapping[str, Any], dimension: str) -> Any:
    if dimension == "borough":
        if row["g_borough"] is None:
            return None
        return {"gss_code": row["borough_gss_code"], "name": row["borough_name"]}
    if dimension in ("week", "month"):
        return row[f"{dimension}_label"]
    return row[f"g_{dimension}"]


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (1, "")
    if isinstance(value, dict):
        return (0, value["name"])
    return (0, value)


def summary(*, params: Mapping[str, Any], group_by: Sequence[str], window: SummaryWindow) -> dict[str, Any]:
    """Counts of operations, seizures (by vehicle type, reason, disposition) and arrests (by
    offence category) in `window`'s range, per group of `group_by` (any of DIMENSIONS),
    with totals and the rolling 12 months. One query.

    Each record type is filtered as its list endpoint filters it: a figure equals the
    `count` that endpoint returns for the same query and group. A filter a list does not
    have (vehicle_type on operations, say) leaves that record type unfiltered. Operations
    and arrests have no vehicle type: grouped by it, they fall in the group whose
    vehicle_type is null. Groups are sorted by `group_by`, nulls last.
    """
    subqueries = {
        kind.plural: _compile(_summary_records(kind, params, window, group_by))
        for kind in (OPERATIONS, SEIZURES, ARRESTS)
    }
    query = sql.SUMMARY
    for name, (records_sql, _params) in subqueries.items():
        query = query.replace("{" + name + "}", records_sql)
    head = (
        settings.TIME_ZONE,
        window.since,
        window.until,
        window.rolling_since,
        window.rolling_until,
        *(dimension in group_by for dimension in DIMENSIONS),
    )
    params_in_order = head + subqueries["operations"][1] + subqueries["seizures"][1] + subqueries["arrests"][1]
    with connection.cursor() as cursor:
        _read(cursor, query, params_in_order)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    groups = []
    totals: dict[str, Any] = {}
    rolling: dict[str, Any] = {}
    for row in rows:
        if row["is_total"]:
            totals = _figures(row, "n")
            rolling = _figures(row, "r")
            continue
        groups.append({**{dimension: _group_value(row, dimension) for dimension in group_by}, **_figures(row, "n")})
    groups.sort(key=lambda group: tuple(_sort_key(group[dimension]) for dimension in group_by))
    return {
        "group_by": list(group_by),
        "timezone": settings.TIME_ZONE,
        "since": window.since,
        "until": window.until,
        "groups": groups,
        "totals": totals,
        "rolling_12_months": {"since": window.rolling_since, "until": window.rolling_until, **rolling},
    }


# --- Tiles -----------------------------------------------------------------------------------------


def seizure_tile(
    params: Mapping[str, Any], *, z: int, x: int, y: int, extent: int, buffer: int, max_points: int, cell: int
) -> bytes:
    """The Mapbox Vector Tile z/x/y of seizures, filtered like the seizure list: layer
    `seizures` (one point each: id, operation, vehicle_type, reason, disposition, seized_at)
    when the tile holds at most `max_points`, else layer `seizure_counts` (one point per
    non-empty cell of `cell` tile units, with `count`). Empty bytes when no seizure falls in
    the tile. One query."""
    columns = {
        "c_id": F("pk"),
        "c_geom": F("point"),
        "c_at": F("seized_at"),
        "c_operation": F("operation_id"),
        "c_vehicle_type": F("vehicle_type"),
        "c_reason": F("reason"),
        "c_disposition": F("disposition"),
    }
    records_sql, records_params = _compile(
        records(SEIZURES, params, base=SEIZURES.model.objects.all()).values(**columns)
    )
    query = sql.TILE_SEIZURES.replace("{records}", records_sql)
    with connection.cursor() as cursor:
        _read(cursor, query, (z, x, y, extent, buffer, max_points, cell, settings.TIME_ZONE, *records_params))
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


# --- Hotspots (ebikeops.hotspots) --------------------------------------------------------------


def _hotspot_rows(hotspots: QuerySet[Hotspot], params: Mapping[str, Any]) -> tuple[str, tuple]:
    hotspots = filter_bbox(hotspots, geo_field="geom", params=params)
    columns = {f"c_{name}": F(name) for name, _kind in sql.HOTSPOT_PROPERTIES if name != "run"}
    return _compile(hotspots.order_by().values(c_geom=F("geom"), c_run=F("run_id"), **columns))


def hotspot_layer_geojson(
    *, question: Mapping[str, Any], run_id, params: Mapping[str, Any], limit: int, weekdays: Sequence[str]
) -> bytes:
    """A FeatureCollection of at most `limit` hotspots (largest first) of the run a hotspot
    read picks (`run_id`, or the best run for `question`, chosen inside the same query),
    within `?bbox=` if given; features as the hotspots app's HotspotFeature, `weekdays`
    naming its ISO weekdays. One query."""
    hotspots = hotspot_selectors.answering_hotspots(question=question, run_id=run_id)
    records_sql, records_params = _hotspot_rows(hotspots, params)
    query = sql.HOTSPOT_LAYER.replace("{records}", records_sql)
    with connection.cursor() as cursor:
        _read(cursor, query, (settings.TIME_ZONE, limit, display_names_json(), list(weekdays), *records_params))
        return bytes(cursor.fetchone()[0])


def hotspot_tile(run: HotspotRun, *, z: int, x: int, y: int, extent: int, buffer: int) -> bytes:
    """The Mapbox Vector Tile z/x/y of the run's hotspot outlines (layer `hotspots`: key,
    rank, seizure_count, share, busiest_hour_band, trend_category, gi_bin, run). Empty bytes
    when none reaches the tile. One query."""
    records_sql, records_params = _hotspot_rows(Hotspot.objects.filter(run=run), {})
    query = sql.HOTSPOT_TILE.replace("{records}", records_sql)
    with connection.cursor() as cursor:
        _read(cursor, query, (z, x, y, extent, buffer, *records_params))
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
