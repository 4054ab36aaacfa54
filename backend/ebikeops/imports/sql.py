"""Every SQL statement of the importer: staging, set-based validation and the writes.

An import runs in one transaction, on working tables of its own (unlogged, in a schema made and
dropped inside that transaction; see SCHEMA):

1. `import_stage` holds the file's columns as text (`f0`, `f1`, ...; COPY fills them), with
   `row_no`, the data row's number (1 = the first row after the header).
2. `import_rows` is a view naming them as the kind's fields (see `kinds.py`), or a constant
   from the mapping's defaults.
3. `import_typed` parses every field once (value maps applied); unparsable values become NULL
   beside their raw text, so that the rules can say which value was wrong.
4. `import_places` holds each distinct coordinate once: reprojected to WGS84, whether it is
   in Greater London (the bounding box, then the borough polygons, as
   `operations.validation.locate_in_london` decides) and its borough. Police data repeats
   coordinates a lot; each is located once, against the boroughs cut into small pieces.
5. `import_rejects` gets one row per broken rule: (row, field, rule, arguments). The message is
   written in Python from the same constants the services use (`imports.messages`).
6. One INSERT ... SELECT ... ON CONFLICT per import writes the rows without rejects.

The rules are those of `operations/validation.py` and `operations/services.py`; each rule is
one line of a LATERAL VALUES list below, so a row breaking several rules gets every message,
as the services' `collect()` reports them all. Values only ever arrive as parameters; the
statements are put together at import time from this module's own constants, and the file's
columns are named only through `psycopg.sql.Identifier`.
"""

from psycopg import sql

from .kinds import ARRESTS, OPERATIONS, SEIZURES, Kind, choices, max_lengths

JIT_OFF = "SET LOCAL jit = off"
# An import's working tables are UNLOGGED tables in a schema of its own (SCHEMA, first on the
# search path until the import ends), not temporary ones: PostgreSQL's parallel workers cannot
# read a session's temporary tables, and with them the parse, the places, the duplicates and the
# rules of a large file run on every core (CREATE TABLE ... AS may use a parallel plan; INSERT ...
# SELECT may not). The schema and its tables are made and dropped inside the import's
# transaction: no other session ever sees them, and a failure or a crash leaves nothing behind.
# A role that may not create a schema gets temporary tables instead (`temporary()`), serially.
SCHEMA = "import_{}"  # the backend's pid: one import at a time per session
SCHEMA_CREATE = "DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}"
SCHEMA_DROP = "DROP SCHEMA {} CASCADE"
BACKEND_PID = "SELECT pg_backend_pid()"
SEARCH_PATH = "SELECT current_setting('search_path')"
SEARCH_PATH_SET = "SELECT set_config('search_path', %(path)s, true)"
# Dropped before and after each import: inside a caller's longer transaction (a test, a command
# running several imports) tables of an earlier import may remain.
CLEANUP = """
DROP VIEW IF EXISTS import_rows;
DROP TABLE IF EXISTS import_stage, import_typed, import_borough_pieces, import_places, import_dupes, import_ops,
    import_rejects, import_reference_dupes, import_disposition_changed, import_custody_last, import_new;
"""
WORK_MEM = "SET LOCAL work_mem = '256MB'"
# What a row passed up from a parallel worker costs the planner (default 0.1): the rules statement
# cannot be estimated (an OR of 30-odd conditions; the planner guesses every row breaks one, where
# 3 % do), so at the default it kept a million rows on one core rather than pass them all up. At
# 1M rows, load 5: 2.3 s on one core, 1.6 s with two workers.
PARALLEL_TUPLE_COST = "SET LOCAL parallel_tuple_cost = 0.01"
# Where the working tables are temporary (a role that may not create a schema, see SCHEMA): those
# of a large import (about 450 MB for a million seizures) in the backend's own memory rather than
# the default 8 MB of temporary buffers, past which every page read or written goes through the
# file system. Allocated as used, and only for the command line (a worker's long-lived connection
# would keep them); PostgreSQL refuses the setting once a session has used a temporary table, and
# the import then runs with what the session has.
TEMP_BUFFERS = "SET LOCAL temp_buffers = '1GB'"
SAVEPOINT = "SAVEPOINT import_setting"
SAVEPOINT_ROLLBACK = "ROLLBACK TO SAVEPOINT import_setting"
SAVEPOINT_RELEASE = "RELEASE SAVEPOINT import_setting"

# Safe parsers: NULL for an empty or unparsable value, never an error (one bad row must not
# stop the import). Written as single-expression SQL functions so that the planner inlines them;
# PARALLEL SAFE, or no statement calling them could use a parallel plan.
FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION pg_temp.import_text(v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT nullif(btrim(v), '') $$;

CREATE OR REPLACE FUNCTION pg_temp.import_float(v text) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN btrim(v) ~ '^[+-]?(\d{1,15}(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?$' THEN btrim(v)::float8 END $$;

CREATE OR REPLACE FUNCTION pg_temp.import_int(v text) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN btrim(v) ~ '^\+?\d{1,9}$' THEN btrim(v)::int END $$;

-- ISO 8601 (a space may stand for the T; GDAL writes 2025/11/29 13:30:00+00, so callers pass
-- the value through import_clean first: replace(), as translate() costs 3 µs a value), with or
-- without an offset; a time without an offset is in the mapping's time zone `tz`. Day-of-month
-- by integer arithmetic (leap years included), not by building a date that could fail. No FROM
-- clause: PostgreSQL inlines the function into the statement (a function call per row would
-- cost more than the parsing itself).
CREATE OR REPLACE FUNCTION pg_temp.import_clean(raw text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT replace(btrim(raw), '/', '-') $$;

CREATE OR REPLACE FUNCTION pg_temp.import_time(v text, tz text) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN v !~ ('^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])'
               '([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?\s*(Z|[+-](0\d|1[0-5])(:?[0-5]\d)?)?)?$')
        THEN NULL
    WHEN substr(v, 9, 2)::int > CASE substr(v, 6, 2)::int
            WHEN 2 THEN CASE WHEN mod(substr(v, 1, 4)::int, 4) = 0
                              AND (mod(substr(v, 1, 4)::int, 100) <> 0 OR mod(substr(v, 1, 4)::int, 400) = 0)
                             THEN 29 ELSE 28 END
            WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END
        THEN NULL
    WHEN length(v) > 10 AND v ~ '(Z|[+-]\d{2}(:?\d{2})?)$' THEN v::timestamptz
    ELSE v::timestamp AT TIME ZONE tz
  END $$;

-- The fast parsers (TYPED): the same results as the safe ones above, at a fraction of the cost
-- for the usual shapes. A regular expression costs 2-8 µs a value in PostgreSQL, where a LIKE
-- or an ltrim() costs 0.1 µs and a cast 0.5 µs (measured on 100,000 values, docs/import.md).
-- So a time of the usual shape is cast directly and kept only if it prints back as itself: then
-- it is digits in valid ranges with nothing to clean, which the safe parser accepts, and gives
-- the same value (DateStyle is ISO for the import, see DATESTYLE); it takes the raw value and
-- cleans only what goes to the safe parser. A number of at most 15 characters, all of them
-- digits, points or signs (no space, letter or exponent), is one that the safe parser accepts
-- (at most 15 integer digits) or that makes the cast raise ("1.2.3", "+-1"). Any other value
-- goes through the safe parser. A value of the usual shape that is no time or number at all
-- (2025-02-30, 1.2.3) makes the cast raise an error; the import then runs the statement again
-- with the safe parsers only (TYPED_SAFE).
CREATE OR REPLACE FUNCTION pg_temp.import_float_fast(v text) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN length(v) <= 15 AND v <> '' AND ltrim(v, '0123456789.+-') = '' THEN v::float8
    ELSE pg_temp.import_float(v)
  END $$;

CREATE OR REPLACE FUNCTION pg_temp.import_time_fast(v text, tz text) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT CASE
    WHEN v LIKE '____-__-__ __:__:__' AND left(v, 1) <> '0' AND v::timestamp::text = v
        THEN v::timestamp AT TIME ZONE tz
    WHEN v LIKE '____-__-__T__:__:__' AND left(v, 1) <> '0' AND v::timestamp::text = overlay(v PLACING ' ' FROM 11)
        THEN v::timestamp AT TIME ZONE tz
    ELSE pg_temp.import_time(pg_temp.import_clean(v), tz)
  END $$;
"""
# The fast parsers' read-back test needs times printed as ISO (2025-11-29 13:42:00).
DATESTYLE = "SET LOCAL DateStyle = 'ISO, YMD'"


def stage_create(column_count: int, *, temporary: bool = False) -> sql.Composed:
    """`import_stage` with one text column per column of the file (`temporary`: see SCHEMA)."""
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(f"f{i}")) for i in range(column_count))
    return sql.SQL("CREATE {} TABLE import_stage (row_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {})").format(
        sql.SQL("TEMPORARY" if temporary else "UNLOGGED"), columns
    )


def stage_copy(column_count: int, delimiter: str) -> sql.Composed:
    columns = sql.SQL(", ").join(sql.Identifier(f"f{i}") for i in range(column_count))
    return sql.SQL("COPY import_stage ({}) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER {})").format(
        columns, sql.Literal(delimiter)
    )


def rows_view(
    kind: Kind, columns: dict[str, int], defaults: dict[str, str], *, temporary: bool = False
) -> sql.Composed:
    """`import_rows`: the kind's fields, each from its file column, its default, or NULL."""
    parts = []
    for name in kind.fields:
        if name in columns:
            expr = sql.Identifier(f"f{columns[name]}")
        elif name in defaults:
            expr = sql.SQL("{}::text").format(sql.Literal(defaults[name]))
        else:
            expr = sql.SQL("NULL::text")
        parts.append(sql.SQL("{} AS {}").format(expr, sql.Identifier(name)))
    return sql.SQL("CREATE {}VIEW import_rows AS SELECT row_no, {} FROM import_stage").format(
        sql.SQL("TEMPORARY " if temporary else ""), sql.SQL(", ").join(parts)
    )


def _mapped(field: str) -> str:
    """A choice field after the mapping's value map (`values` parameter)."""
    return (
        f"coalesce(%(values)s::jsonb -> '{field}' ->> pg_temp.import_text(r.{field}), pg_temp.import_text(r.{field}))"
    )


_TYPED_COMMON = """
       r.row_no,
       pg_temp.import_text(r.external_ref) AS external_ref,
       pg_temp.import_text(r.longitude) AS lon_raw, pg_temp.import_text(r.latitude) AS lat_raw,
       pg_temp.import_float(r.longitude) AS x, pg_temp.import_float(r.latitude) AS y"""

_TYPED_RECORD = """
       pg_temp.import_text(r.operation_ref) AS operation_ref,
       pg_temp.import_text(r.accuracy_m) AS accuracy_raw, pg_temp.import_float(r.accuracy_m) AS accuracy_m,
       pg_temp.import_text(r.{time}) AS time_raw, pg_temp.import_time(pg_temp.import_clean(r.{time}), %(tz)s) AS at"""

TYPED_SAFE = {
    "seizures": f"""
CREATE UNLOGGED TABLE import_typed AS
SELECT {_TYPED_COMMON}, coalesce(r.notes, '') AS notes, {_TYPED_RECORD.format(time="seized_at")},
       {_mapped("vehicle_type")} AS vehicle_type, {_mapped("reason")} AS reason, {_mapped("power")} AS power,
       coalesce({_mapped("disposition")}, 'held') AS disposition,
       coalesce(btrim(r.make), '') AS make, coalesce(btrim(r.model), '') AS model,
       coalesce(btrim(r.colour), '') AS colour, coalesce(btrim(r.frame_number), '') AS frame_number
FROM import_rows r
""",  # noqa: S608 - put together from this module's constants
    "arrests": f"""
CREATE UNLOGGED TABLE import_typed AS
SELECT {_TYPED_COMMON}, {_TYPED_RECORD.format(time="arrested_at")},
       {_mapped("offence_category")} AS offence_category,
       coalesce({_mapped("warrant_offence_category")}, '') AS warrant_offence_category
FROM import_rows r
""",  # noqa: S608 - put together from this module's constants
    "operations": f"""
CREATE UNLOGGED TABLE import_typed AS
SELECT {_TYPED_COMMON}, coalesce(r.notes, '') AS notes,
       coalesce(btrim(r.reference), '') AS reference,
       coalesce(btrim(r.name), '') AS name, coalesce(btrim(r.team), '') AS team,
       coalesce({_mapped("status")}, 'active') AS status,
       pg_temp.import_text(r.started_at) AS started_raw,
       pg_temp.import_time(pg_temp.import_clean(r.started_at), %(tz)s) AS started_at,
       pg_temp.import_text(r.ended_at) AS ended_raw,
       pg_temp.import_time(pg_temp.import_clean(r.ended_at), %(tz)s) AS ended_at,
       pg_temp.import_text(r.officer_count) AS officer_count_raw, pg_temp.import_int(r.officer_count) AS officer_count,
       pg_temp.import_text(r.lead_officer) AS lead_officer
FROM import_rows r
""",  # noqa: S608 - put together from this module's constants
}

# The same with the fast parsers (see FUNCTIONS): what an import runs first.
TYPED = {
    name: statement.replace("pg_temp.import_time(pg_temp.import_clean(", "pg_temp.import_time_fast((").replace(
        "pg_temp.import_float(", "pg_temp.import_float_fast("
    )
    for name, statement in TYPED_SAFE.items()
}

# Only the columns that the later statements join or group on: a full ANALYZE also sorts a
# sample of every text column (1.6 s against 0.5 s on 100,000 rows).
TYPED_ANALYZE = {
    "seizures": "ANALYZE import_typed (row_no, external_ref, operation_ref, x, y, disposition)",
    "arrests": "ANALYZE import_typed (row_no, external_ref, operation_ref, x, y)",
    "operations": "ANALYZE import_typed (row_no, external_ref, reference, lead_officer, x, y)",
}

# The boroughs cut into pieces of at most 64 vertices: a point-in-polygon test then reads a
# few small pieces through the GiST index instead of a whole borough outline.
BOROUGH_PIECES = """
CREATE UNLOGGED TABLE import_borough_pieces AS
SELECT id, gss_code, ST_Subdivide(geom, 64) AS geom FROM areas_borough;
CREATE INDEX ON import_borough_pieces USING gist (geom);
ANALYZE import_borough_pieces;
"""

# Each distinct coordinate once. Coordinates in another CRS are reprojected only inside a
# generous box around London in that CRS (%(plausible)s): PROJ fails on absurd values, and
# such a point is outside London either way. `inside` follows locate_in_london: in the bounding
# box, then (once boroughs are loaded) covered by a borough; `swapped` is its test for
# [lat, lon] given as [lon, lat].
PLACES = """
CREATE UNLOGGED TABLE import_places AS
SELECT q.x, q.y, q.lon, q.lat, b.id AS borough_id,
       -- the stored point, built once per place, not once per row written (a million rows
       -- repeat 20,000 places)
       ST_SetSRID(ST_MakePoint(q.lon, q.lat), 4326) AS point,
       coalesce(q.in_bbox AND (NOT %(boroughs_loaded)s OR b.id IS NOT NULL), false) AS inside,
       coalesce(q.lat BETWEEN %(min_lon)s AND %(max_lon)s AND q.lon BETWEEN %(min_lat)s AND %(max_lat)s, false)
           AS swapped_in_bbox
FROM (
    SELECT w.x, w.y, w.lon, w.lat,
           w.lon BETWEEN %(min_lon)s AND %(max_lon)s AND w.lat BETWEEN %(min_lat)s AND %(max_lat)s AS in_bbox
    FROM (
        SELECT d.x, d.y,
               CASE WHEN %(srid)s = 4326 THEN d.x ELSE ST_X(d.g) END AS lon,
               CASE WHEN %(srid)s = 4326 THEN d.y ELSE ST_Y(d.g) END AS lat
        FROM (
            SELECT u.x, u.y,
                   CASE WHEN %(srid)s <> 4326 AND u.x BETWEEN %(plausible_min_x)s AND %(plausible_max_x)s
                             AND u.y BETWEEN %(plausible_min_y)s AND %(plausible_max_y)s
                        THEN ST_Transform(ST_SetSRID(ST_MakePoint(u.x, u.y), %(srid)s), 4326) END AS g
            FROM (SELECT DISTINCT x, y FROM import_typed WHERE x IS NOT NULL AND y IS NOT NULL) u
        ) d
    ) w
) q
-- A lateral join, not a subquery in the select list: that one was planned twice (once per use
-- of borough_id), locating every place twice.
LEFT JOIN LATERAL (
    SELECT b.id FROM import_borough_pieces b
    WHERE q.in_bbox AND ST_Covers(b.geom, ST_SetSRID(ST_MakePoint(q.lon, q.lat), 4326))
    ORDER BY b.gss_code LIMIT 1
) b ON true;
CREATE UNIQUE INDEX ON import_places (x, y);
ANALYZE import_places;
"""

# External references that appear more than once in the file: the first row wins. Analysed:
# without counts the planner guessed 1,200 rows and hashed the whole staging table against it
# in the rejects statement (1 s of 5.4 s on 300,000 rows).
DUPES = """
CREATE UNLOGGED TABLE import_dupes AS
SELECT external_ref, min(row_no) AS first_row FROM import_typed
WHERE external_ref IS NOT NULL GROUP BY external_ref HAVING count(*) > 1;
ANALYZE import_dupes;
"""

# The operation each seizure or arrest names: by external reference in the same source
# system first, else by the operation's own reference.
OPS = """
CREATE UNLOGGED TABLE import_ops AS
SELECT DISTINCT ON (u.operation_ref) u.operation_ref, o.id, o.started_at, o.ended_at
FROM (SELECT DISTINCT operation_ref FROM import_typed WHERE operation_ref IS NOT NULL) u
JOIN operations_operation o
  ON (o.source_system = %(source_system)s AND o.external_ref = u.operation_ref) OR o.reference = u.operation_ref
ORDER BY u.operation_ref, (o.source_system = %(source_system)s AND o.external_ref = u.operation_ref) DESC, o.id;
-- Analysed: unanalysed, the planner guessed 880 operations and 4.4 times the rows in the rules statement.
ANALYZE import_ops;
"""


def _rule(
    field: str, rule: str, bad: str, value="NULL", num="NULL", num2="NULL", t1="NULL", t2="NULL", value2="NULL"
) -> tuple:
    """One rule: the field it names, its code (messages.py), when a row breaks it (`bad`), and
    the values its message is written with."""
    return (field, rule, bad, value, value2, num, num2, t1, t2)


def _values_line(rule: tuple, *, first: bool) -> str:
    field, code, bad, value, value2, num, num2, t1, t2 = rule
    if first:  # the first line of a VALUES list fixes the columns' types
        value, value2, num, num2, t1, t2 = (f"{value}::text", f"{value2}::text", f"{num}::float8", f"{num2}::float8",
                                            f"{t1}::timestamptz", f"{t2}::timestamptz")  # fmt: skip
    return f"('{field}', '{code}', {bad}, {value}, {value2}, {num}, {num2}, {t1}, {t2})"


def _point_rules(point: str) -> list[tuple]:
    return [
        _rule(point, "blank", "t.lon_raw IS NULL OR t.lat_raw IS NULL"),
        _rule(point, "invalid_coordinate", "t.lon_raw IS NOT NULL AND t.x IS NULL", "t.lon_raw"),
        _rule(point, "invalid_coordinate", "t.lat_raw IS NOT NULL AND t.y IS NULL", "t.lat_raw"),
        _rule(point, "outside", "p.x IS NOT NULL AND NOT p.inside AND NOT p.swapped_in_bbox"),
        _rule(point, "swapped", "p.x IS NOT NULL AND NOT p.inside AND p.swapped_in_bbox", num="p.lon", num2="p.lat"),
    ]


def _choice_rules(kind: Kind) -> list[tuple]:
    rules = []
    for field in choices(kind):
        if field in kind.required:
            rules.append(_rule(field, "blank", f"t.{field} IS NULL"))
        rules.append(
            _rule(
                field,
                "invalid_choice",
                f"t.{field} <> '' AND NOT jsonb_exists(%(choices)s::jsonb -> '{field}', t.{field})",
                f"t.{field}",
            )
        )
    return rules


def _length_rules(kind: Kind) -> list[tuple]:
    return [
        _rule(field, "max_length", f"length(t.{field}) > {limit}", num=f"length(t.{field})")
        for field, limit in max_lengths(kind).items()
        if field != "external_ref"  # its own rule, first in the list
    ]


def _record_rules(kind: Kind, time: str) -> list[tuple]:
    """Seizures and arrests: the time, the accuracy and the operation (validation.py)."""
    return [
        _rule("operation", "blank", "t.operation_ref IS NULL"),
        _rule("operation", "operation_not_found", "t.operation_ref IS NOT NULL AND o.id IS NULL", "t.operation_ref"),
        _rule(time, "blank", "t.time_raw IS NULL"),
        _rule(time, "invalid_time", "t.time_raw IS NOT NULL AND t.at IS NULL", "t.time_raw"),
        _rule(time, "future", "t.at > %(now)s + %(skew_s)s * interval '1 second'"),
        _rule(
            time,
            "outside_window",
            "t.at < o.started_at - %(tolerance_min)s * interval '1 minute' "
            "OR t.at > o.ended_at + %(tolerance_min)s * interval '1 minute'",
            t1="o.started_at",
            t2="o.ended_at",
        ),
        _rule("accuracy_m", "invalid_float", "t.accuracy_raw IS NOT NULL AND t.accuracy_m IS NULL", "t.accuracy_raw"),
        _rule("accuracy_m", "min_value", "t.accuracy_m < 0"),
        _rule("accuracy_m", "too_poor", "t.accuracy_m > %(max_accuracy_m)s", num="t.accuracy_m"),
    ]


_COMMON_HEAD = [
    _rule("external_ref", "blank", "t.external_ref IS NULL"),
    _rule("external_ref", "max_length", "length(t.external_ref) > 128", num="length(t.external_ref)"),
    _rule("external_ref", "duplicate_in_file", "d.first_row < t.row_no", num="d.first_row"),
]

_WARRANT = [
    _rule(
        "warrant_offence_category",
        "warrant_required",
        "t.offence_category = 'wanted_on_warrant' AND t.warrant_offence_category = ''",
    ),
    _rule(
        "warrant_offence_category",
        "warrant_invalid",
        "t.offence_category = 'wanted_on_warrant' AND t.warrant_offence_category = 'wanted_on_warrant'",
    ),
    _rule(
        "warrant_offence_category",
        "warrant_only_for_warrant",
        "t.offence_category <> 'wanted_on_warrant' AND t.warrant_offence_category <> ''",
    ),
]

_OPERATION_RULES = [
    _rule("name", "blank", "t.name = ''"),
    _rule("team", "blank", "t.team = ''"),
    _rule("started_at", "blank", "t.started_raw IS NULL"),
    _rule("started_at", "invalid_time", "t.started_raw IS NOT NULL AND t.started_at IS NULL", "t.started_raw"),
    _rule("ended_at", "invalid_time", "t.ended_raw IS NOT NULL AND t.ended_at IS NULL", "t.ended_raw"),
    # A planned operation may start in the future (services._operation_checks).
    _rule(
        "started_at", "future", "t.status <> 'planned' AND t.started_at > %(now)s + %(skew_s)s * interval '1 second'"
    ),
    _rule("ended_at", "future", "t.ended_at > %(now)s + %(skew_s)s * interval '1 second'"),
    _rule("ended_at", "ends_before_start", "t.ended_at <= t.started_at"),
    _rule(
        "officer_count",
        "invalid_int",
        "t.officer_count_raw IS NOT NULL AND (t.officer_count IS NULL OR t.officer_count > 32767)",
        "t.officer_count_raw",
    ),
    _rule("lead_officer", "unknown_user", "t.lead_officer IS NOT NULL AND u.id IS NULL", "t.lead_officer"),
    _rule("reference", "duplicate_reference", "t.reference <> '' AND x.id IS NOT NULL"),
    _rule("reference", "duplicate_reference_in_file", "rd.first_row < t.row_no", num="rd.first_row"),
]


def _rejects_insert(rules: list[tuple], joins: str) -> str:
    """`import_rejects` (row_no, field, rule, value, value2, num, num2, t1, t2; the first line of
    the VALUES list types them). Most rows break no rule: one cheap OR of every condition picks
    the rows that break some, and only those are expanded into one line per broken rule. A
    CREATE TABLE ... AS, as it may use a parallel plan (an INSERT ... SELECT may not)."""
    values = ",\n        ".join(_values_line(rule, first=i == 0) for i, rule in enumerate(rules))
    any_bad = "\n    OR ".join(f"coalesce({rule[2]}, false)" for rule in rules)
    return f"""
CREATE UNLOGGED TABLE import_rejects AS
SELECT t.row_no, v.field, v.rule, v.value, v.value2, v.num, v.num2, v.t1, v.t2
FROM import_typed t
LEFT JOIN import_places p ON p.x = t.x AND p.y = t.y
LEFT JOIN import_dupes d ON d.external_ref = t.external_ref
{joins}
CROSS JOIN LATERAL (VALUES
        {values}
) v(field, rule, bad, value, value2, num, num2, t1, t2)
WHERE ({any_bad})
  AND v.bad
"""  # noqa: S608 - put together from this module's constants


_RECORD_JOINS = "LEFT JOIN import_ops o ON o.operation_ref = t.operation_ref"

# Seizures: the stored seizure whose disposition a corrected row changes, with the last step of
# its custody timeline; one without a timeline counts as just seized (custody._last_step). Found
# before the rules, so that the rules statement has no lateral subquery per row: PostgreSQL runs
# no subquery with a LIMIT in a parallel worker, and the rules' filter then ran on one core. The
# join with the stored seizures first (parallel; a re-import matches every row), then the last
# step of the few whose disposition changes.
CUSTODY_LAST = """
CREATE UNLOGGED TABLE import_disposition_changed AS
SELECT t.row_no, e.id, e.disposition
FROM import_typed t
JOIN operations_seizure e ON e.source_system = %(source_system)s AND e.external_ref = t.external_ref
     AND NOT (e.external_ref = '')
WHERE e.disposition <> t.disposition;
CREATE UNLOGGED TABLE import_custody_last AS
SELECT d.row_no, d.disposition, l.step
FROM import_disposition_changed d
LEFT JOIN LATERAL (
    SELECT c.step FROM operations_custodyevent c WHERE c.seizure_id = d.id ORDER BY c.sequence DESC LIMIT 1
) l ON true;
ANALYZE import_custody_last;
"""

_SEIZURE_JOINS = """
LEFT JOIN import_ops o ON o.operation_ref = t.operation_ref
LEFT JOIN import_custody_last e ON e.row_no = t.row_no"""

# seizure_update's rules for a changed disposition: it is the custody step that leads to it
# (%(custody_steps)s), which must be allowed after the last step (%(next_steps)s); held needs
# a store, so it is refused.
_CUSTODY_RULES = [
    _rule("disposition", "disposition_held", "e.disposition <> t.disposition AND t.disposition = 'held'"),
    _rule(
        "disposition",
        "custody_refused",
        "e.disposition <> t.disposition AND t.disposition <> 'held' AND jsonb_exists(%(custody_steps)s::jsonb, "
        "t.disposition) AND NOT jsonb_exists(%(next_steps)s::jsonb -> coalesce(e.step, 'seized'), "
        "%(custody_steps)s::jsonb ->> t.disposition)",
        value="%(custody_steps)s::jsonb ->> t.disposition",
        value2="coalesce(e.step, 'seized')",
    ),
]

# Operations: the lead officer by username, and another operation already holding the
# reference (not the record this row updates).
_OPERATION_JOINS = """
LEFT JOIN core_user u ON u.username = t.lead_officer
LEFT JOIN import_reference_dupes rd ON rd.reference = t.reference
LEFT JOIN LATERAL (
    SELECT o.id FROM operations_operation o
    WHERE t.reference <> '' AND o.reference = t.reference
      AND NOT (o.source_system = %(source_system)s AND o.external_ref = t.external_ref)
    LIMIT 1
) x ON true"""

REFERENCE_DUPES = """
CREATE UNLOGGED TABLE import_reference_dupes AS
SELECT reference, min(row_no) AS first_row FROM import_typed
WHERE reference <> '' GROUP BY reference HAVING count(*) > 1
"""

REJECTS = {
    "seizures": _rejects_insert(
        [
            *_COMMON_HEAD,
            *_point_rules("point"),
            *_record_rules(SEIZURES, "seized_at"),
            *_choice_rules(SEIZURES),
            *_CUSTODY_RULES,
            *_length_rules(SEIZURES),
        ],
        _SEIZURE_JOINS,
    ),
    "arrests": _rejects_insert(
        [
            *_COMMON_HEAD,
            *_point_rules("point"),
            *_record_rules(ARRESTS, "arrested_at"),
            *_choice_rules(ARRESTS),
            *_WARRANT,
            *_length_rules(ARRESTS),
        ],
        _RECORD_JOINS,
    ),
    "operations": _rejects_insert(
        [
            *_COMMON_HEAD,
            *_point_rules("location"),
            *_OPERATION_RULES,
            *_choice_rules(OPERATIONS),
            *_length_rules(OPERATIONS),
        ],
        _OPERATION_JOINS,
    ),
}


def temporary(statement: str) -> str:
    """`statement` creating temporary tables and views instead (see SCHEMA)."""
    return statement.replace("CREATE UNLOGGED TABLE ", "CREATE TEMPORARY TABLE ").replace(
        "CREATE VIEW ", "CREATE TEMPORARY VIEW "
    )


REJECTS_INDEX = "CREATE INDEX ON import_rejects (row_no); ANALYZE import_rejects"

COUNTS = """
SELECT (SELECT count(*) FROM import_typed), (SELECT count(DISTINCT row_no) FROM import_rejects),
       (SELECT count(*) FROM import_rejects)
"""

# Rejects in file order, for the rejects file (read through a server-side cursor).
REJECTS_READ = """
SELECT row_no, field, rule, value, value2, num, num2, t1, t2 FROM import_rejects ORDER BY row_no, field, rule
"""

# The accepted rows: no reject. Dry runs count how many would be new.
_ACCEPTED = "NOT EXISTS (SELECT 1 FROM import_rejects r WHERE r.row_no = t.row_no)"


def _upsert(
    table: str, columns: list[tuple[str, str]], joins: str, compare: list[str], returning: str = "", after: str = ""
) -> str:
    """INSERT the accepted rows; a row whose (source system, external reference) is stored
    already updates that record, with version + 1. Rows equal to their stored record are left
    out before the INSERT (a re-import then costs a join, not an attempted insert per row)."""
    exprs = dict(columns)
    names = ", ".join(name for name, _ in columns)
    values = ",\n           ".join(expr for _, expr in columns)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in compare)
    mine = ", ".join(f"s.{name}" for name in compare)
    theirs = ", ".join(f"EXCLUDED.{name}" for name in compare)
    stored = ", ".join(f"e.{name}" for name in compare)
    incoming = ", ".join(exprs[name] for name in compare)
    return f"""
WITH written AS (
    INSERT INTO {table} AS s ({names})
    SELECT {values}
    FROM import_typed t
    JOIN import_places p ON p.x = t.x AND p.y = t.y
    {joins}
    LEFT JOIN {table} e ON e.source_system = %(source_system)s AND e.external_ref = t.external_ref
         AND NOT (e.external_ref = '')
    WHERE {_ACCEPTED}
      AND (e.id IS NULL OR ({stored}) IS DISTINCT FROM ({incoming}))
    ON CONFLICT (source_system, external_ref) WHERE NOT (external_ref = '') DO UPDATE
    SET {updates}, updated_by_id = EXCLUDED.updated_by_id, updated_at = EXCLUDED.updated_at, version = s.version + 1
    WHERE ({mine}) IS DISTINCT FROM ({theirs})
    RETURNING (xmax = 0) AS inserted{returning}
){after}
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
"""  # noqa: S608 - put together from this module's constants


def _constant(expr: str) -> bool:
    """Whether a column's value is the same for every row (a parameter or a literal)."""
    return expr.startswith(("%(", "'")) or expr.isdigit()


def _bulk_rows(
    table: str, columns: list[tuple[str, str]], joins: str, *, custody: bool = False, empty: bool = False
) -> str:
    """`import_new`: the values of the rows a bulk load inserts (those not stored yet), with
    their new ids, computed by a CREATE TABLE ... AS, which may use a parallel plan. The INSERT
    itself runs on one core in PostgreSQL 15 (INSERT ... SELECT is never parallel); computed
    here, the per-row work (the joins, the expressions, a gen_random_uuid() per seizure and
    custody step) runs on every core, and the INSERT only copies. Values that are the same for
    every row (parameters, literals) are left to the INSERT. `custody`: with the ids and the
    second step of the new seizures' custody timelines (_CUSTODY_BULK). `empty`: the table is
    empty (and locked), so every accepted row is new; without the test against the stored rows,
    whose anti join the planner put above the Gather (it expects a few dozen rows from the join
    with the places, whose x and y it takes as independent), so that the leader computed every
    row's values itself: at 1M rows 5.2 s with it, 2.8-3.0 s without (load 2-3)."""
    computed = ",\n       ".join(f"{expr} AS {name}" for name, expr in columns if not _constant(expr))
    steps = (
        ",\n       gen_random_uuid() AS custody_seized_id,"
        "\n       CASE WHEN t.disposition <> 'held' THEN gen_random_uuid() END AS custody_next_id,"
        "\n       %(custody_steps)s::jsonb ->> t.disposition AS custody_next_step"
        if custody
        else ""
    )
    not_stored = f"""
  AND NOT EXISTS (SELECT 1 FROM {table} e WHERE e.source_system = %(source_system)s
                  AND e.external_ref = t.external_ref AND NOT (e.external_ref = ''))"""  # noqa: S608
    return f"""
CREATE UNLOGGED TABLE import_new AS
SELECT {computed}{steps}
FROM import_typed t
JOIN import_places p ON p.x = t.x AND p.y = t.y
{joins}
WHERE {_ACCEPTED}{"" if empty else not_stored}
"""  # noqa: S608 - put together from this module's constants


def _bulk(
    table: str,
    columns: list[tuple[str, str]],
    joins: str,
    compare: list[str],
    after: str = "",
    *,
    keyed: bool = False,
) -> str:
    """What `_upsert` writes, for a bulk load that holds the table locked with its indexes
    dropped (INDEX_REBUILD_TABLES): no ON CONFLICT (it needs the unique index, and no one else
    can write), but an UPDATE of the stored records that differ and an INSERT of the new rows,
    computed beforehand into `import_new` (_bulk_rows). `keyed`: the table keeps its primary
    key through the load (other tables' foreign keys rest on it, see REBUILT_CONSTRAINTS); the
    new rows are then inserted in the order of their new ids, so that the key grows at its
    right edge instead of at random places."""
    exprs = dict(columns)
    names = ", ".join(name for name, _ in columns)
    values = ", ".join(expr if _constant(expr) else f"n.{name}" for name, expr in columns)
    in_id_order = "ORDER BY n.id" if keyed else ""
    sets = ", ".join(f"{name} = {exprs[name]}" for name in compare)
    stored = ", ".join(f"s.{name}" for name in compare)
    incoming = ", ".join(exprs[name] for name in compare)
    return f"""
WITH changed AS (
    UPDATE {table} AS s
    SET {sets}, updated_by_id = %(user_id)s, updated_at = %(now)s, version = s.version + 1
    FROM import_typed t
    JOIN import_places p ON p.x = t.x AND p.y = t.y
    {joins}
    WHERE s.source_system = %(source_system)s AND s.external_ref = t.external_ref AND NOT (s.external_ref = '')
      AND {_ACCEPTED}
      AND ({stored}) IS DISTINCT FROM ({incoming})
    RETURNING false AS inserted
),
added AS (
    INSERT INTO {table} AS s ({names})
    SELECT {values}
    FROM import_new n
    {in_id_order}
    RETURNING true AS inserted
),
written AS (SELECT * FROM changed UNION ALL SELECT * FROM added){after}
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
"""  # noqa: S608 - put together from this module's constants


_TRACKED = [
    ("source", "'import'"),
    ("created_by_id", "%(user_id)s"),
    ("updated_by_id", "%(user_id)s"),
    ("created_at", "%(now)s"),
    ("updated_at", "%(now)s"),
    ("version", "1"),
    ("source_system", "%(source_system)s"),
    ("external_ref", "t.external_ref"),
    ("id", "gen_random_uuid()"),
    ("borough_id", "p.borough_id"),
    ("notes", "t.notes"),
]
# Arrests hold no free text (data minimisation): their import has no notes field at all.
_TRACKED_WITHOUT_NOTES = [column for column in _TRACKED if column[0] != "notes"]
_POINT = "p.point"  # built in import_places

# The custody timeline of each new seizure, as custody.custody_started and the services leave
# it: "seized" when it was seized, by the importer; then, for a disposition other than held,
# the step that leads to it (custody.STEP_FOR_DISPOSITION, %(custody_steps)s), dated when the
# import recorded it (the file gives no date for it; seizure_update dates a changed disposition
# the same way). A held vehicle has no second step: "held" names a store, which a file has not.
# With the custody table's primary key in place (the upsert), the steps are inserted in the
# order of their new ids: each insert into the key then lands on its rightmost page (B-tree's
# fast path) instead of a random one; on 289,428 steps the insert took 7 s unsorted, the sort a
# fraction of that (docs/import.md). A bulk load drops the key and builds it afterwards.
_CUSTODY_STARTED = """,
custody AS (
    INSERT INTO operations_custodyevent (id, seizure_id, sequence, step, store, happened_at, recorded_at,
                                         recorded_by_id)
    SELECT gen_random_uuid(), c.* FROM (
        -- Two scans of `written`, not a LATERAL VALUES list per row: rescanning it for each
        -- of 965,050 seizures took 7.3 s, a scan 0.4 s.
        SELECT w.id, 1, 'seized', '', w.seized_at, %(now)s, %(user_id)s::bigint  -- typed: NULL for no importer
        FROM written w WHERE w.inserted
        UNION ALL
        SELECT w.id, 2, %(custody_steps)s::jsonb ->> w.disposition, '', greatest(w.seized_at, %(now)s), %(now)s,
               %(user_id)s
        FROM written w WHERE w.inserted AND w.disposition <> 'held'
    ) c
    {in_id_order}
)"""

# Dropped once written, before the index builds: left until the end, its 220 MB a million rows
# competed with the new rows for the shared buffers while every index build read the table
# (the rebuild's indexes 7.0-7.9 s against 5.7-7.5 s without import_new; 5.8-6.0 s once dropped).
NEW_ROWS_DROP = "DROP TABLE import_new"

# The same timelines in a bulk load, from `import_new` (ids and steps computed there, on every
# core); a data-modifying WITH runs whether or not the statement reads it. In any order: the
# custody table's primary key is built afterwards.
_CUSTODY_BULK = """,
custody AS (
    INSERT INTO operations_custodyevent (id, seizure_id, sequence, step, store, happened_at, recorded_at,
                                         recorded_by_id)
    SELECT n.custody_seized_id, n.id, 1, 'seized', '', n.seized_at, %(now)s, %(user_id)s::bigint
    FROM import_new n
    UNION ALL
    SELECT n.custody_next_id, n.id, 2, n.custody_next_step, '', greatest(n.seized_at, %(now)s), %(now)s,
           %(user_id)s
    FROM import_new n WHERE n.custody_next_id IS NOT NULL
)"""

# A corrected row that changes a stored seizure's disposition appends the step that leads to it
# (seizure_update's rule), after the stored timeline's last step; run before the write, which
# then updates the seizure. The rejects (CUSTODY_RULES) have already refused the changes the
# services refuse.
CUSTODY_CHANGED = f"""
INSERT INTO operations_custodyevent (id, seizure_id, sequence, step, store, happened_at, recorded_at, recorded_by_id)
SELECT gen_random_uuid(), e.id, s.sequence, s.step, '', s.happened_at, %(now)s, %(user_id)s
FROM import_typed t
JOIN operations_seizure e ON e.source_system = %(source_system)s AND e.external_ref = t.external_ref
     AND NOT (e.external_ref = '')
LEFT JOIN LATERAL (
    SELECT c.sequence FROM operations_custodyevent c
    WHERE c.seizure_id = e.id AND e.disposition <> t.disposition ORDER BY c.sequence DESC LIMIT 1
) l ON true
CROSS JOIN LATERAL (VALUES (1, 'seized', e.seized_at),
                           (coalesce(l.sequence, 1) + 1, %(custody_steps)s::jsonb ->> t.disposition,
                            greatest(e.seized_at, %(now)s))) s(sequence, step, happened_at)
WHERE {_ACCEPTED} AND e.disposition <> t.disposition AND (s.sequence > 1 OR l.sequence IS NULL)
"""  # noqa: S608 - put together from this module's constants


def _write(
    table: str,
    columns: list[tuple[str, str]],
    joins: str,
    compare: list[str],
    returning: str = "",
    *,
    keyed: bool = False,
    custody: bool = False,
) -> dict[str, str]:
    """A kind's write: "upsert" (ON CONFLICT; the usual one) and "bulk" (indexes dropped; `keyed`
    as _bulk's), with "bulk_rows" ("bulk_rows_empty" into an empty table), the statement a bulk
    write runs first (_bulk_rows).
    `custody`: new seizures get their custody timeline (_CUSTODY_STARTED, _CUSTODY_BULK)."""
    upsert_after = _CUSTODY_STARTED.format(in_id_order="ORDER BY 1") if custody else ""
    return {
        "upsert": _upsert(table, columns, joins, compare, returning, after=upsert_after),
        "bulk_rows": _bulk_rows(table, columns, joins, custody=custody),
        "bulk_rows_empty": _bulk_rows(table, columns, joins, custody=custody, empty=True),
        "bulk": _bulk(table, columns, joins, compare, after=_CUSTODY_BULK if custody else "", keyed=keyed),
    }


WRITE = {
    "seizures": _write(
        "operations_seizure",
        [
            *_TRACKED,
            ("operation_id", "o.id"),
            ("point", _POINT),
            ("accuracy_m", "t.accuracy_m"),
            ("seized_at", "t.at"),
            ("received_at", "%(now)s"),
            ("vehicle_type", "t.vehicle_type"),
            ("reason", "t.reason"),
            ("power", "t.power"),
            ("make", "t.make"),
            ("model", "t.model"),
            ("colour", "t.colour"),
            ("frame_number", "t.frame_number"),
            ("disposition", "t.disposition"),
        ],
        "JOIN import_ops o ON o.operation_ref = t.operation_ref",
        [
            "operation_id",
            "point",
            "accuracy_m",
            "seized_at",
            "vehicle_type",
            "reason",
            "power",
            "make",
            "model",
            "colour",
            "frame_number",
            "disposition",
            "borough_id",
            "notes",
        ],
        returning=", s.id, s.seized_at, s.disposition",
        custody=True,
    ),
    "arrests": _write(
        "operations_arrest",
        [
            *_TRACKED_WITHOUT_NOTES,
            ("operation_id", "o.id"),
            ("point", _POINT),
            ("accuracy_m", "t.accuracy_m"),
            ("arrested_at", "t.at"),
            ("received_at", "%(now)s"),
            ("offence_category", "t.offence_category"),
            ("warrant_offence_category", "t.warrant_offence_category"),
            ("disposal", "''"),  # what followed the arrest is recorded later, as a coded value
        ],
        "JOIN import_ops o ON o.operation_ref = t.operation_ref",
        [
            "operation_id",
            "point",
            "accuracy_m",
            "arrested_at",
            "offence_category",
            "warrant_offence_category",
            "borough_id",
        ],
    ),
    "operations": _write(
        "operations_operation",
        [
            *_TRACKED,
            ("reference", "t.reference"),
            ("name", "t.name"),
            ("team", "t.team"),
            ("status", "t.status"),
            ("started_at", "t.started_at"),
            ("ended_at", "t.ended_at"),
            ("location", _POINT),
            ("officer_count", "t.officer_count"),
            ("lead_officer_id", "u.id"),
        ],
        "LEFT JOIN core_user u ON u.username = t.lead_officer",
        [
            "reference",
            "name",
            "team",
            "status",
            "started_at",
            "ended_at",
            "location",
            "officer_count",
            "lead_officer_id",
            "borough_id",
            "notes",
        ],
        keyed=True,  # seizures, arrests and plans keep their foreign keys to it (REBUILT_CONSTRAINTS)
    ),
}

_TABLES = {"seizures": "operations_seizure", "arrests": "operations_arrest", "operations": "operations_operation"}

DRY_RUN_COUNTS = {
    name: f"""
SELECT count(*) FILTER (WHERE e.id IS NULL), count(*) FILTER (WHERE e.id IS NOT NULL)
FROM import_typed t
LEFT JOIN {table} e ON e.source_system = %(source_system)s AND e.external_ref = t.external_ref
     AND NOT (e.external_ref = '')
WHERE {_ACCEPTED}
"""  # noqa: S608 - put together from this module's constants
    for name, table in _TABLES.items()
}

# --- A bulk load: the indexes and foreign keys rebuilt once, not maintained row by row ---------
# Maintaining a table's indexes row by row costs far more than building them once: on 200,000
# seizures the two GiST and seven B-tree indexes cost 45 s of a 47 s INSERT, while building them
# afterwards takes under 10 s (the GiST builds sort the points first). Likewise each deferred
# foreign-key check runs one query per row at commit, where re-adding the constraint checks all
# rows in one join. So a large import into a table not much larger than the file drops every
# index of the table, its primary key (but one another table's foreign key rests on) and its
# unique and foreign keys (uniqueness is checked again when they are built), writes
# (WRITE[...]["bulk"]), and creates them again
# from their own definitions, all in the import's transaction. DROP INDEX takes an ACCESS EXCLUSIVE lock:
# until the import commits nobody reads or writes the table (see docs/import.md).
INDEX_REBUILD_TABLES = {
    "seizures": ("operations_seizure", "operations_custodyevent"),
    "arrests": ("operations_arrest",),
    "operations": ("operations_operation",),
}
TABLE_EMPTY = "SELECT NOT EXISTS (SELECT 1 FROM {})"
TABLE_ROWS = "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %(table)s::regclass"
LOCK_TABLE = "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE"
# A bulk load is an operator's command-line run holding the tables locked: it may use the memory
# that keeps its sorts, hashes and index builds off disk. At 1M rows the write's sort by new id
# spilled 211 MB past the 256 MB work_mem; the index builds and the foreign-key checks (which
# PostgreSQL runs with work_mem = maintenance_work_mem) sort or hash the whole table. Only what a
# node needs is allocated (a few hundred MB for a million seizures), and only until the import commits.
BULK_MEMORY = "SET LOCAL work_mem = '1GB'; SET LOCAL maintenance_work_mem = '1GB'"
REBUILT_INDEXES = """
SELECT n.nspname, i.relname, pg_get_indexdef(x.indexrelid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE x.indrelid = %(table)s::regclass AND NOT x.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
ORDER BY i.relname
"""
# Foreign keys, unique constraints and the primary key, the last two unless a table outside
# the rebuilt ones (%(tables)s) has a foreign key resting on them (the operation table's key:
# seizures, arrests and plans name it). In the order they are added back in: unique, primary,
# foreign (contype u > p > f), so that custody's key to the seizures finds their primary key.
# Without the primary key the write inserts in any order: at 1M rows, sorting the new rows by
# their new ids so that the key grew at its right edge cost more than building it afterwards.
REBUILT_CONSTRAINTS = """
SELECT c.conname, pg_get_constraintdef(c.oid), c.contype = 'f' FROM pg_constraint c
WHERE c.conrelid = %(table)s::regclass
  AND (c.contype = 'f'
       OR (c.contype IN ('u', 'p') AND NOT EXISTS (
               SELECT 1 FROM pg_constraint r
               WHERE r.contype = 'f' AND r.conindid = c.conindid
                 AND NOT r.conrelid = ANY (%(tables)s::regclass[]))))
ORDER BY c.contype DESC, c.conname
"""
DROP_INDEX = "DROP INDEX {}"
DROP_CONSTRAINT = "ALTER TABLE {} DROP CONSTRAINT {}"
ADD_CONSTRAINT = "ALTER TABLE {} ADD CONSTRAINT {} {}"
ANALYZE_TABLE = "ANALYZE {}"
