"""All of reporting's raw SQL, as module constants. `selectors.py` runs each one; nothing
else opens a cursor.

Values only ever travel in `params`. The records a query reads are not written here: they
are the ORM's compiled SQL for the same filtered queryset the list endpoints use (the
operations app's FilterSets and the core bbox/distance backends), dropped into the
`{records}` / `{operations}` / `{seizures}` / `{arrests}` slots below by the selector. That
compiled SQL carries `%s` placeholders and its own params, like any Django subquery; so
the placeholders written here are positional too, and a template takes its own values
first, in one `p` row at the top (`WITH p AS NOT MATERIALIZED (SELECT %s AS ..., ...)`),
before the records'. Inlined, `p` plans as constants.

Every query here runs after READ_SETTINGS in the same transaction (JIT off). Local times
(ISO weeks, months, hours, and the timestamps in features and CSV) are computed with
`AT TIME ZONE p.tz`, settings.TIME_ZONE passed as a value. (The session's TimeZone is left
alone: Django reads timestamptz values as if the session were in UTC.)

The rest of a template is composed at import time from constants: column lists per record
type (the properties the API's serializers output) and the choices of the operations
models, checked below to be plain identifiers.

Records arrive with their columns named `c_<property>` (plus `c_id`, `c_geom`, `c_at`) for
features, tiles and exports, and `r_<dimension>` for summaries.
"""

import re
from collections.abc import Sequence

from ebikeops.core.display import DISPLAY_FIELDS
from ebikeops.operations.models import Disposition, OffenceCategory, SeizureReason, VehicleType

# Run first, in the same transaction (set_config(..., true) is SET LOCAL). JIT is off because,
# measured on the benchmark data, compiling cost more than it saved (0.7 s of a 4 s summary
# of 1M seizures).
READ_SETTINGS = "SELECT set_config('jit', 'off', true);"

# --- Column kinds ----------------------------------------------------------------------------
PLAIN = "plain"  # output as the database gives it (uuid, number, choice, count)
TIME = "time"  # timestamptz, output as DRF does: ISO 8601 in settings.TIME_ZONE, "Z" for +00:00
GEOMETRY = "geometry"  # a geometry property: GeoJSON in features, WKT in CSV
TEXT = "text"  # free text typed by people: guarded against spreadsheet formulas in CSV
WEEKDAY = "weekday"  # an ISO weekday number, output as its name (p.weekdays[n])

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a plain identifier; it may not be composed into SQL.")
    return name


def iso_time(column: str, tz: str = "p.tz") -> str:
    """SQL text rendering timestamptz `column` exactly as DRF's DateTimeField renders it
    (Python's isoformat in the zone named by the SQL expression `tz`): microseconds only
    when there are any, and `Z` for a zero UTC offset. A zone whose offset has seconds (London's
    local mean time before 1847, -00:01:15) is not RFC 3339: such times are rendered in UTC, as
    ebikeops.core.datetimes has DRF do."""
    seconds = f"extract(second FROM (({column} AT TIME ZONE {tz}) - ({column} AT TIME ZONE 'UTC')))"
    tz = f"(CASE WHEN {seconds} <> 0 THEN 'UTC' ELSE {tz} END)"
    local = f"({column} AT TIME ZONE {tz})"
    offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
    return (
        f"to_char({local}, CASE WHEN date_trunc('second', {column}) = {column} "
        "THEN 'YYYY-MM-DD\"T\"HH24:MI:SS' ELSE 'YYYY-MM-DD\"T\"HH24:MI:SS.US' END)"
        f" || CASE WHEN {offset} = interval '0' THEN 'Z'"
        f" WHEN {offset} > interval '0' THEN '+' || to_char({offset}, 'HH24:MI')"
        f" ELSE '-' || to_char(-{offset}, 'HH24:MI') END"
    )


def _spreadsheet_safe(column: str) -> str:
    """Free text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
    leading apostrophe in CSV (OWASP "CSV injection")."""
    return f"CASE WHEN {column} ~ '^[=+@\\t\\r-]' THEN '''' || {column} ELSE {column} END"


# --- What each record type outputs (same names and order as its API serializer) --------------
SEIZURE_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("operation", PLAIN),
    ("accuracy_m", PLAIN),
    ("seized_at", TIME),
    ("received_at", TIME),
    ("vehicle_type", PLAIN),
    ("reason", PLAIN),
    ("power", PLAIN),
    ("make", TEXT),
    ("model", TEXT),
    ("colour", TEXT),
    ("disposition", PLAIN),
    ("borough", TEXT),
    ("source", PLAIN),
    ("version", PLAIN),
    ("created_at", TIME),
    ("updated_at", TIME),
)
SEIZURE_SENSITIVE_PROPERTIES = (("frame_number", TEXT), ("notes", TEXT))

OPERATION_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("reference", TEXT),
    ("name", TEXT),
    ("team", TEXT),
    ("lead_officer", TEXT),
    ("status", PLAIN),
    ("started_at", TIME),
    ("ended_at", TIME),
    ("stop_points", GEOMETRY),
    ("officer_count", PLAIN),
    ("borough", TEXT),
    ("source", PLAIN),
    ("version", PLAIN),
    ("created_at", TIME),
    ("updated_at", TIME),
    ("seizure_count", PLAIN),
    *((f"{vehicle_type}_count", PLAIN) for vehicle_type in VehicleType.values),
    ("arrest_count", PLAIN),
)
OPERATION_SENSITIVE_PROPERTIES = (("notes", TEXT),)

ARREST_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("operation", PLAIN),
    ("accuracy_m", PLAIN),
    ("arrested_at", TIME),
    ("received_at", TIME),
    ("offence_category", PLAIN),
    ("warrant_offence_category", PLAIN),
    ("disposal", PLAIN),
    ("borough", TEXT),
    ("source", PLAIN),
    ("version", PLAIN),
    ("created_at", TIME),
    ("updated_at", TIME),
)
ARREST_SENSITIVE_PROPERTIES: tuple[tuple[str, str], ...] = ()  # arrests hold no free text

# kind -> (properties every role sees, properties only officers and commanders see)
PROPERTIES = {
    "seizures": (SEIZURE_PROPERTIES, SEIZURE_SENSITIVE_PROPERTIES),
    "operations": (OPERATION_PROPERTIES, OPERATION_SENSITIVE_PROPERTIES),
    "arrests": (ARREST_PROPERTIES, ARREST_SENSITIVE_PROPERTIES),
}

# The resource of each kind's `display` object (ebikeops.core.display.DISPLAY_FIELDS).
DISPLAY_RESOURCE = {"seizures": "seizure", "operations": "operation", "arrests": "arrest"}

# Layers and exports list records as the list endpoints do: newest first, then by id.
ORDER = "r.c_at DESC, r.c_id"


def _json_value(name: str, kind: str) -> str:
    column = f"r.c_{_identifier(name)}"
    if kind == TIME:
        return iso_time(column)
    if kind == GEOMETRY:
        return f"ST_AsGeoJSON({column}, 15)::json"
    if kind == WEEKDAY:
        return f"p.weekdays[{column}]"
    return column


def display_json(resource: str) -> str:
    """SQL for `resource`'s `display` object, as ebikeops.core.display.display_for builds it:
    each coded property's words from the table passed as `p.names` (jsonb, {group: {code:
    words}}), the code itself if the table has none, null for a null or empty code."""
    pairs = []
    for name, group in DISPLAY_FIELDS[resource].items():
        code = f"r.c_{_identifier(name)}::text"
        words = f"NULLIF(COALESCE(p.names -> '{_identifier(group)}' ->> {code}, {code}), '')"
        pairs.append(f"'{_identifier(name)}', {words}")
    return f"json_build_object({', '.join(pairs)})"


def feature_json(properties: Sequence[tuple[str, str]], *, with_id: bool = True, display: str | None = None) -> str:
    """SQL for one GeoJSON Feature per row, shaped as djangorestframework-gis shapes it:
    id (unless the serializer has none), type, geometry (15 decimals: within 1e-15 degrees
    of the stored doubles), properties in serializer order, then `display` (the words of
    resource `display`'s codes) if given."""
    pairs = ", ".join(f"'{_identifier(name)}', {_json_value(name, kind)}" for name, kind in properties)
    if display is not None:
        pairs += f", 'display', {display_json(display)}"
    return (
        "json_build_object("
        + ("'id', r.c_id, " if with_id else "")
        + "'type', 'Feature', 'geometry', ST_AsGeoJSON(r.c_geom, 15)::json, "
        + f"'properties', json_build_object({pairs}))"
    )


def csv_columns(properties: Sequence[tuple[str, str]]) -> tuple[list[str], str]:
    """The CSV header (id, lon, lat, then the properties) and the SQL select list for it."""
    header = ["id", "lon", "lat"]
    select = ["r.c_id", "ST_X(r.c_geom)", "ST_Y(r.c_geom)"]
    for name, kind in properties:
        column = f"r.c_{_identifier(name)}"
        header.append(name)
        if kind == TIME:
            select.append(iso_time(column))
        elif kind == GEOMETRY:
            header[-1] = f"{name}_wkt"
            select.append(f"ST_AsText({column})")
        elif kind == TEXT:
            select.append(_spreadsheet_safe(column))
        else:
            select.append(column)
    return header, ", ".join(select)


# --- Map layers: one FeatureCollection built in the database -----------------------------------
# Params: tz, limit, the display names as JSON (and `extra`'s); then the records'. At most `limit` features in `order`
# (the list endpoint's: newest first); one row more is read only to say whether the layer was
# truncated. The rows come off the records' index in order and stop at the limit (row_number
# over the same order does not break the pipeline).
_LAYER = """
WITH p AS NOT MATERIALIZED (SELECT %s::text AS tz, %s::integer AS lim, %s::jsonb AS names{extra}),
page AS (
    SELECT row_number() OVER (ORDER BY {order}) AS n, {feature} AS feature
    FROM ({{records}}) r CROSS JOIN p
    ORDER BY {order}
    LIMIT (SELECT lim + 1 FROM p)
)
SELECT convert_to(json_build_object(
    'type', 'FeatureCollection',
    'features', COALESCE(
        (SELECT json_agg(page.feature ORDER BY page.n) FROM page WHERE page.n <= (SELECT lim FROM p)), '[]'::json
    ),
    'numberReturned', (SELECT count(*) FROM page WHERE page.n <= (SELECT lim FROM p)),
    'limit', (SELECT lim FROM p),
    'truncated', (SELECT count(*) FROM page) > (SELECT lim FROM p)
)::text, 'UTF8')
"""

# --- Exports: one row per record, streamed with COPY --------------------------------------------
# Params: tz (GeoJSON: and the display names as JSON); then the records'. CSV keeps the codes
# (columns for programs and spreadsheets; the words are in GET /api/v1/display-names/).
_EXPORT_GEOJSON = """
WITH p AS NOT MATERIALIZED (SELECT %s::text AS tz, %s::jsonb AS names)
SELECT {feature}::text
FROM ({{records}}) r CROSS JOIN p
ORDER BY {order}
"""
_EXPORT_CSV = """
WITH p AS NOT MATERIALIZED (SELECT %s::text AS tz)
SELECT {select}
FROM ({{records}}) r CROSS JOIN p
ORDER BY {order}
"""


# An export's query, streamed (see selectors._stream). `{query}` is replaced by one of the
# templates above, completed; its params pass through.
COPY_OUT = "COPY ({query}) TO STDOUT"


def _layer(properties, resource: str) -> str:
    return _LAYER.format(order=ORDER, feature=feature_json(properties, display=resource), extra="")


def _export_geojson(properties, resource: str) -> str:
    return _EXPORT_GEOJSON.format(order=ORDER, feature=feature_json(properties, display=resource))


def _export_csv(properties) -> tuple[list[str], str]:
    header, select = csv_columns(properties)
    return header, _EXPORT_CSV.format(order=ORDER, select=select)


# (kind, sensitive) -> SQL. "sensitive" adds the fields only officers and commanders see.
LAYER = {
    (kind, sensitive): _layer(public + (extra if sensitive else ()), DISPLAY_RESOURCE[kind])
    for kind, (public, extra) in PROPERTIES.items()
    for sensitive in (False, True)
}
EXPORT_GEOJSON = {
    (kind, sensitive): _export_geojson(public + (extra if sensitive else ()), DISPLAY_RESOURCE[kind])
    for kind, (public, extra) in PROPERTIES.items()
    for sensitive in (False, True)
}
EXPORT_CSV = {
    (kind, sensitive): _export_csv(public + (extra if sensitive else ()))
    for kind, (public, extra) in PROPERTIES.items()
    for sensitive in (False, True)
}

# --- Summaries ---------------------------------------------------------------------------------
# Every figure of a summary row: (path in the JSON answer, record kind, attribute, value).
SUMMARY_COUNTS: tuple[tuple[tuple[str, ...], str, str | None, str | None], ...] = (
    (("operations",), "operation", None, None),
    (("seizures", "total"), "seizure", None, None),
    *((("seizures", "by_vehicle_type", v), "seizure", "vehicle_type", v) for v in VehicleType.values),
    *((("seizures", "by_reason", v), "seizure", "reason", v) for v in SeizureReason.values),
    *((("seizures", "by_disposition", v), "seizure", "disposition", v) for v in Disposition.values),
    (("arrests", "total"), "arrest", None, None),
    *((("arrests", "by_offence_category", v), "arrest", "offence_category", v) for v in OffenceCategory.values),
)
# The grouping dimensions, in the order of the g_* columns below.
SUMMARY_DIMENSIONS = ("borough", "team", "week", "month", "vehicle_type", "weekday", "hour")
# Record kind -> its attribute columns (r_<attribute> in its records).
_SUMMARY_ATTRIBUTES = {
    "operation": (),
    "seizure": ("vehicle_type", "reason", "disposition"),
    "arrest": ("offence_category",),
}
_GROUP_COLUMNS = "k.g_borough, k.g_team, k.g_week, k.g_month, k.g_vehicle_type, k.g_weekday, k.g_hour"


def _summary_counts(kind: str) -> str:
    """The kind's figures in the range (n_<i>) and the rolling window (r_<i>); 0 for the
    figures of the other kinds."""
    columns = []
    for window, prefix in (("k.in_range", "n"), ("k.in_rolling", "r")):
        for index, (_path, count_kind, attribute, value) in enumerate(SUMMARY_COUNTS):
            if count_kind != kind:
                columns.append(f"0::bigint AS {prefix}_{index}")
                continue
            condition = window
            if attribute is not None:
                condition += f" AND k.{_identifier(attribute)} = '{_identifier(value)}'"
            columns.append(f"count(*) FILTER (WHERE {condition}) AS {prefix}_{index}")
    return ",\n           ".join(columns)


# One kind's records counted per group: one aggregate over them, each figure a FILTERed
# count. The local time (`p.tz`) is computed once per record, and only when a time dimension
# is asked for (it is the costly part); weeks and months are grouped as the local timestamp
# of their first instant and formatted once per group at the end. (No GROUPING SETS here:
# PostgreSQL hashes grouping sets only when it expects the groups to fit in work_mem, and it
# cannot estimate these, so it would sort every record instead; the totals are added up from
# the groups below.)
_SUMMARY_KIND = """
{kind}_counts AS (
    SELECT {groups},
           count(*) FILTER (WHERE k.in_range) AS in_range_total,
           {counts}
    FROM (
        SELECT CASE WHEN p.by_borough THEN r.r_borough END AS g_borough,
               CASE WHEN p.by_team THEN r.r_team::text END AS g_team,
               CASE WHEN p.by_week THEN date_trunc('week', l.local) END AS g_week,
               CASE WHEN p.by_month THEN date_trunc('month', l.local) END AS g_month,
               {vehicle_type} AS g_vehicle_type,
               CASE WHEN p.by_weekday THEN date_part('isodow', l.local)::integer END AS g_weekday,
               CASE WHEN p.by_hour THEN date_part('hour', l.local)::integer END AS g_hour,
               {attributes}
               (p.since IS NULL OR r.r_at >= p.since) AND (p.until IS NULL OR r.r_at <= p.until) AS in_range,
               (r.r_at > p.rolling_since AND r.r_at <= p.rolling_until) AS in_rolling
        FROM ({{{kind}s}}) r CROSS JOIN p
        CROSS JOIN LATERAL (
            SELECT CASE WHEN p.by_week OR p.by_month OR p.by_weekday OR p.by_hour
                        THEN r.r_at AT TIME ZONE p.tz END AS local
        ) l
    ) k
    GROUP BY {groups}
)"""


def _summary_kind(kind: str) -> str:
    attributes = "".join(f"r.r_{_identifier(a)}::text AS {a}, " for a in _SUMMARY_ATTRIBUTES[kind])
    vehicle_type = "CASE WHEN p.by_vehicle_type THEN r.r_vehicle_type::text END" if kind == "seizure" else "NULL::text"
    return _SUMMARY_KIND.format(
        kind=kind,
        groups=_GROUP_COLUMNS,
        counts=_summary_counts(kind),
        attributes=attributes,
        vehicle_type=vehicle_type,
    )


_SUMMARY_SUMS = ",\n           ".join(
    f"COALESCE(sum(u.{prefix}_{index}), 0)::bigint AS {prefix}_{index}"
    for prefix in ("n", "r")
    for index in range(len(SUMMARY_COUNTS))
)

# Params: tz, since, until (either may be NULL), rolling_since, rolling_until, then one boolean
# per dimension (in SUMMARY_DIMENSIONS order), then the operations', seizures' and arrests'
# records (each already restricted to the date range or the rolling window).
#
# `p` plans as constants, so the CASEs of the dimensions not asked for fold to NULL. Each
# kind is aggregated on its own (one pass over its records); the few rows that come out (one
# per group) are added up per group and in total (grouping sets over those few rows). A group
# exists only if it has records in the date range; records only in the rolling window count
# towards the rolling figures alone. Weeks are ISO weeks, weekday 1 is Monday.
_SUMMARY = """
WITH p AS NOT MATERIALIZED (
    SELECT %s::text AS tz,
           %s::timestamptz AS since, %s::timestamptz AS until,
           %s::timestamptz AS rolling_since, %s::timestamptz AS rolling_until,
           %s::boolean AS by_borough, %s::boolean AS by_team, %s::boolean AS by_week, %s::boolean AS by_month,
           %s::boolean AS by_vehicle_type, %s::boolean AS by_weekday, %s::boolean AS by_hour
),{operation},{seizure},{arrest},
counted AS (
    SELECT * FROM operation_counts UNION ALL SELECT * FROM seizure_counts UNION ALL SELECT * FROM arrest_counts
),
grouped AS (
    SELECT GROUPING(u.g_borough) = 1 AS is_total,
           u.g_borough, u.g_team, u.g_week, u.g_month, u.g_vehicle_type, u.g_weekday, u.g_hour,
           COALESCE(sum(u.in_range_total), 0) AS in_range_total,
           {sums}
    FROM counted u
    GROUP BY GROUPING SETS ((u.g_borough, u.g_team, u.g_week, u.g_month, u.g_vehicle_type, u.g_weekday, u.g_hour), ())
)
SELECT g.*, to_char(g.g_week, 'IYYY-"W"IW') AS week_label, to_char(g.g_month, 'YYYY-MM') AS month_label,
       b.gss_code AS borough_gss_code, b.name AS borough_name
FROM grouped g LEFT JOIN areas_borough b ON b.id = g.g_borough
WHERE g.is_total OR g.in_range_total > 0
"""
SUMMARY = _SUMMARY.format(
    operation=_summary_kind("operation"),
    seizure=_summary_kind("seizure"),
    arrest=_summary_kind("arrest"),
    sums=_SUMMARY_SUMS,
)

# --- Data version (conditional GET) ------------------------------------------------------------
DATA_VERSION = "SELECT version, changed_at FROM reporting_dataversion WHERE id = 1"

# --- Vector tiles ------------------------------------------------------------------------------
# Params: z, x, y, extent, buffer, max_points, cell, tz; then the records'.
#
# `b` holds the tile's envelope in Web Mercator (ST_TileEnvelope) and, widened by the buffer,
# the same box in lon/lat, so that the records' GiST index on `point` (SRID 4326) finds the
# candidates (Web Mercator is separable, so the box is exact). A tile with at most
# `max_points` seizures holds them one by one in layer `seizures` (id, operation,
# vehicle_type, reason, disposition, seized_at: nothing sensitive, so a tile is the same for
# every role). A busier one holds layer `seizure_counts` instead: one point per non-empty
# square cell of `cell` tile units, at its centre, with `count`. Deciding reads at most
# max_points + 1 index entries; only the branch taken runs.
#
# The counts place each seizure in its cell with the spherical Mercator formula that
# ST_Transform(..., 3857) applies, written out: 5x faster on busy tiles than building a
# projected geometry per seizure only to count it.
_TILE_SEIZURES = """
WITH p AS (SELECT %s::integer AS z, %s::integer AS x, %s::integer AS y, %s::integer AS extent,
                  %s::integer AS buffer, %s::integer AS max_points, %s::integer AS cell, %s::text AS tz),
b AS (
    SELECT p.*, e.env, 2 ^ p.z AS n,
           ST_Transform(ST_Expand(e.env, (ST_XMax(e.env) - ST_XMin(e.env)) * p.buffer / p.extent), 4326) AS box
    FROM p CROSS JOIN LATERAL (SELECT ST_TileEnvelope(p.z, p.x, p.y) AS env) e
),
candidates AS NOT MATERIALIZED (
    SELECT r.* FROM ({{records}}) r CROSS JOIN b WHERE r.c_geom && b.box
),
crowded AS (
    SELECT count(*) > (SELECT max_points FROM b) AS yes
    FROM (SELECT 1 FROM candidates LIMIT (SELECT max_points + 1 FROM b)) x
)
SELECT CASE WHEN (SELECT yes FROM crowded) THEN (
    SELECT ST_AsMVT(t, 'seizure_counts', (SELECT extent FROM b), 'geom') FROM (
        SELECT ST_MakePoint(c.cx * b.cell + b.cell / 2.0, c.cy * b.cell + b.cell / 2.0) AS geom,
               count(*)::integer AS count
        FROM (
            SELECT floor(((ST_X(r.c_geom) + 180) / 360 * b.n - b.x) * b.extent / b.cell)::integer AS cx,
                   floor(((1 - asinh(tan(radians(ST_Y(r.c_geom)))) / pi()) / 2 * b.n - b.y)
                         * b.extent / b.cell)::integer AS cy
            FROM candidates r CROSS JOIN b
        ) c CROSS JOIN b
        WHERE c.cx >= 0 AND c.cx < b.extent / b.cell AND c.cy >= 0 AND c.cy < b.extent / b.cell
        GROUP BY c.cx, c.cy, b.cell
    ) t
) ELSE (
    SELECT ST_AsMVT(t, 'seizures', (SELECT extent FROM b), 'geom') FROM (
        SELECT ST_AsMVTGeom(ST_Transform(r.c_geom, 3857), b.env, b.extent, b.buffer, true) AS geom,
               r.c_id::text AS id, r.c_operation::text AS operation, r.c_vehicle_type AS vehicle_type,
               r.c_reason AS reason, r.c_disposition AS disposition, {seized_at} AS seized_at
        FROM candidates r CROSS JOIN b
    ) t
) END
"""
TILE_SEIZURES = _TILE_SEIZURES.format(seized_at=iso_time("r.c_at", tz="b.tz"))


# --- Hotspots (ebikeops.hotspots) -------------------------------------------------------------
# What the hotspots app's HotspotFeature outputs (no feature id; its outline as geometry).
HOTSPOT_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("key", PLAIN),
    ("rank", PLAIN),
    ("seizure_count", PLAIN),
    ("arrest_count", PLAIN),
    ("share", PLAIN),
    ("area_m2", PLAIN),
    ("density_per_km2", PLAIN),
    ("first_seizure_at", TIME),
    ("last_seizure_at", TIME),
    ("busiest_weekday", WEEKDAY),
    ("busiest_hour_band", PLAIN),
    ("vehicle_mix", PLAIN),
    ("gi_bin", PLAIN),
    ("trend_category", PLAIN),
    ("centroid", GEOMETRY),
    ("run", PLAIN),
)
# Params: tz, limit, display names, weekday names (Monday first); then the hotspots'. Largest first (rank).
HOTSPOT_LAYER = _LAYER.format(
    order="r.c_rank",
    feature=feature_json(HOTSPOT_PROPERTIES, with_id=False, display="hotspot"),
    extra=", %s::text[] AS weekdays",
)

# Params: z, x, y, extent, buffer; then the hotspots'. Their outlines, clipped to the tile (plus
# buffer), in layer `hotspots`, with the figures a map labels them by.
HOTSPOT_TILE = """
WITH p AS (SELECT ST_TileEnvelope(%s, %s, %s) AS env, %s::integer AS extent, %s::integer AS buffer),
b AS (
    SELECT p.*,
           ST_Transform(ST_Expand(p.env, (ST_XMax(p.env) - ST_XMin(p.env)) * p.buffer / p.extent), 4326) AS box
    FROM p
)
SELECT ST_AsMVT(t, 'hotspots', (SELECT extent FROM b), 'geom') FROM (
    SELECT ST_AsMVTGeom(ST_Transform(r.c_geom, 3857), b.env, b.extent, b.buffer, true) AS geom,
           r.c_key::text AS key, r.c_rank AS rank, r.c_seizure_count AS seizure_count, r.c_share AS share,
           r.c_busiest_hour_band AS busiest_hour_band, r.c_trend_category AS trend_category, r.c_gi_bin AS gi_bin,
           r.c_run::text AS run
    FROM ({records}) r CROSS JOIN b
    WHERE r.c_geom && b.box
) t
WHERE t.geom IS NOT NULL
"""
