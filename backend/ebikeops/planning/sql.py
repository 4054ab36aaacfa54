"""All of the planning app's raw SQL, as parameterised module constants.

Values only ever travel in `params` (named placeholders). Templates are completed at import
time with constants only: other apps' table names (read from their models' `_meta`, never
spelled out here) and, for the queries that read a demand signal, that signal's events
query below. A new signal (community reports, say) adds one events query here and one entry
in `signals.py`.

Every metric step runs in the metric SRID (`%(srid)s`, British National Grid) on the
functional GiST indexes `ST_Transform(point, 27700)` of seizures and arrests and
`ST_Transform(route, 27700)` of corridors. Distances and positions are metres.

No look-ahead: every query that reads events takes them from [%(since)s, %(until)s) only,
and every query that reads operations takes those that started before %(at)s only.
"""

from ebikeops.areas.models import Borough, Corridor
from ebikeops.incidents.models import Incident
from ebikeops.operations.models import Arrest, Operation, Seizure

TABLES = {
    "borough_table": Borough._meta.db_table,
    "corridor_table": Corridor._meta.db_table,
    "operation_table": Operation._meta.db_table,
    "seizure_table": Seizure._meta.db_table,
    "arrest_table": Arrest._meta.db_table,
    "incident_table": Incident._meta.db_table,
}


# --- Signals: one events query each ---------------------------------------------------------
# Columns: event_id (text), point (geometry 4326), occurred_at (timestamptz), source (text).
# Filters on occurred_at and source are pushed into these by the planner, so the time
# indexes apply.
def _complete(template: str, **parts: str) -> str:
    """A template completed with other apps' table names and the given constant parts."""
    return template.format(**TABLES, **parts)


SIGNAL_EVENTS = {
    "seizures": _complete("SELECT id::text AS event_id, point, seized_at AS occurred_at, source FROM {seizure_table}"),
    "arrests": _complete("SELECT id::text AS event_id, point, arrested_at AS occurred_at, source FROM {arrest_table}"),
    # Public context (police.uk street-level crimes of the types in %(context_types)s). police.uk
    # gives a month only: an incident is dated the 15th of its month at 12:00 UTC, as the
    # back-test dates its stand-in seizures, so a window ending on the 1st of a month holds
    # the months before it and none of that month.
    "incidents": _complete(
        "SELECT id::text AS event_id, point, "
        "(month::timestamp + interval '14 days 12 hours') AT TIME ZONE 'UTC' AS occurred_at, "
        "'context'::text AS source FROM {incident_table} WHERE crime_type = ANY(%(context_types)s)"
    ),
}

# The area asked about, as zero or one geometry in metres with a reach: a borough (by id),
# or a point with a radius, or a box. No row at all means "all of London".
_AREA = _complete("""area AS (
    SELECT ST_Transform(b.geom, %(srid)s) AS geom_m
    FROM {borough_table} b
    WHERE b.id = %(area_borough_id)s
    UNION ALL
    SELECT ST_Transform(ST_GeomFromEWKT(%(area_ewkt)s), %(srid)s)
    WHERE %(area_ewkt)s::text IS NOT NULL
)""")

# Recency weight of an event: 1 at %(at)s, halving every %(half_life_days)s days.
_RECENCY = "power(0.5::float8, EXTRACT(EPOCH FROM (%(at)s - e.occurred_at))::float8 / 86400.0 / %(half_life_days)s)"

_IN_WINDOW = "e.occurred_at >= %(since)s AND e.occurred_at < %(until)s AND e.source = ANY(%(sources)s)"
# Context incidents are not the force's records: `sources` (which of its systems) does not apply.
_IN_WINDOW_BY_SIGNAL = {"incidents": "e.occurred_at >= %(since)s AND e.occurred_at < %(until)s"}

# --- Demand along corridors ---------------------------------------------------------------
# For each corridor: every event within %(distance_m)s of its route, located along it
# (ST_LineLocatePoint x length = metres from the route's start) and weighted for recency;
# then a Gaussian kernel density (bandwidth %(bandwidth_m)s) sampled every %(step_m)s
# metres, in weighted events per metre of road. Only samples with an event within four
# bandwidths are returned (the rest are zero). Each row repeats its corridor's totals.
_PROFILE = """
WITH corridor AS (
    SELECT c.id, ST_Transform(c.route, %(srid)s) AS route_m, c.length_m
    FROM {corridor_table} c
    WHERE c.id = ANY(%(corridor_ids)s) AND c.length_m > 0
),
located AS (
    SELECT c.id AS corridor_id,
           ST_LineLocatePoint(c.route_m, ST_Transform(e.point, %(srid)s)) * c.length_m AS along_m,
           {recency} AS weight
    FROM corridor c
    JOIN ({events}) e ON ST_DWithin(ST_Transform(e.point, %(srid)s), c.route_m, %(distance_m)s)
    WHERE {in_window}
),
totals AS (
    SELECT corridor_id, count(*) AS events, sum(weight) AS weight
    FROM located
    GROUP BY corridor_id
),
samples AS (
    SELECT c.id AS corridor_id, g.i, LEAST(g.i * %(step_m)s, c.length_m) AS at_m
    FROM corridor c
    JOIN totals t ON t.corridor_id = c.id
    CROSS JOIN LATERAL generate_series(0, ceil(c.length_m / %(step_m)s)::int) AS g(i)
)
SELECT s.corridor_id, s.i, s.at_m,
       sum(l.weight * exp(-0.5 * power((s.at_m - l.along_m) / %(bandwidth_m)s, 2)))
           / (%(bandwidth_m)s * sqrt(2 * pi())) AS density,
       t.events, t.weight
FROM samples s
JOIN totals t ON t.corridor_id = s.corridor_id
JOIN located l ON l.corridor_id = s.corridor_id AND abs(s.at_m - l.along_m) <= 4 * %(bandwidth_m)s
GROUP BY s.corridor_id, s.i, s.at_m, t.events, t.weight
ORDER BY s.corridor_id, s.i
"""

# --- Evidence near each footprint ---------------------------------------------------------
# Events within reach of each footprint (a stop point, or a corridor section), counted by
# local weekday (ISO, Monday = 1) and hour in %(tz)s, with their recency weight.
_EVIDENCE = """
WITH reach AS (
    SELECT r.idx, ST_Transform(ST_GeomFromEWKT(r.ewkt), %(srid)s) AS geom_m, r.reach_m
    FROM unnest(%(idx)s::int[], %(ewkt)s::text[], %(reach_m)s::float8[]) AS r(idx, ewkt, reach_m)
)
SELECT r.idx,
       EXTRACT(ISODOW FROM e.occurred_at AT TIME ZONE %(tz)s)::int AS isodow,
       EXTRACT(HOUR FROM e.occurred_at AT TIME ZONE %(tz)s)::int AS hour,
       count(*) AS events,
       sum({recency}) AS weight
FROM reach r
JOIN ({events}) e ON ST_DWithin(ST_Transform(e.point, %(srid)s), r.geom_m, r.reach_m)
WHERE {in_window}
GROUP BY r.idx, isodow, hour
ORDER BY r.idx, isodow, hour
"""

# --- Off-corridor places ------------------------------------------------------------------
# Where events repeat off the corridors: of the window's events in the area further than
# %(distance_m)s from every corridor, the %(pool)s locations with the most recency-weighted
# events of their own (police data snaps many events to one point), each then scored by
# the weighted events within %(reach_m)s of it (all of them, on the functional GiST index).
# The best %(limit)s, with their borough. Weights are ranked rounded to 9 decimals: a float sum
# depends on the order rows arrive in, and police data is full of exact ties (many events on
# one map point), so unrounded ties would be broken by that order, differently from run to run.
_PLACES = """
WITH {area},
events AS (
    SELECT e.event_id, ST_Transform(e.point, %(srid)s) AS point_m, {recency} AS weight
    FROM ({events}) e
    WHERE {in_window}
      AND (NOT EXISTS (SELECT 1 FROM area)
           OR EXISTS (SELECT 1 FROM area a
                      WHERE ST_DWithin(a.geom_m, ST_Transform(e.point, %(srid)s), %(area_reach_m)s)))
      AND NOT EXISTS (
           SELECT 1 FROM {corridor_table} c
           WHERE ST_DWithin(ST_Transform(c.route, %(srid)s), ST_Transform(e.point, %(srid)s), %(distance_m)s))
),
spots AS (
    SELECT point_m, sum(weight) AS own
    FROM events
    GROUP BY point_m
    ORDER BY round(sum(weight)::numeric, 9) DESC, ST_X(point_m), ST_Y(point_m)
    LIMIT %(pool)s
),
scored AS (
    SELECT s.point_m, sum({recency}) AS mass, count(*) AS events
    FROM spots s
    JOIN ({events}) e ON ST_DWithin(ST_Transform(e.point, %(srid)s), s.point_m, %(reach_m)s)
    WHERE {in_window}
    GROUP BY s.point_m
),
best AS (
    SELECT point_m, mass, events, ST_Transform(point_m, 4326) AS centre
    FROM scored
    ORDER BY round(mass::numeric, 9) DESC, ST_X(point_m), ST_Y(point_m)
    LIMIT %(limit)s
)
SELECT ST_X(c.centre) AS lon, ST_Y(c.centre) AS lat, c.mass, c.events, b.name AS borough
FROM best c
LEFT JOIN LATERAL (
    SELECT name FROM {borough_table} WHERE ST_Covers(geom, c.centre) ORDER BY gss_code LIMIT 1
) b ON true
ORDER BY round(c.mass::numeric, 9) DESC, lon, lat
"""

# --- Clusters (the raw-count baseline of the back-test) -----------------------------------
# DBSCAN (eps %(eps_m)s, %(min_points)s events) over the events in the window and area.
# ORDER BY in the window makes the clustering deterministic; many events share a point.
_CLUSTERS = """
WITH {area},
events AS (
    SELECT e.event_id, ST_Transform(e.point, %(srid)s) AS point_m
    FROM ({events}) e
    WHERE {in_window}
      AND (NOT EXISTS (SELECT 1 FROM area)
           OR EXISTS (SELECT 1 FROM area a
                      WHERE ST_DWithin(a.geom_m, ST_Transform(e.point, %(srid)s), %(area_reach_m)s)))
),
clustered AS (
    SELECT point_m,
           ST_ClusterDBSCAN(point_m, eps := %(eps_m)s, minpoints := %(min_points)s)
               OVER (ORDER BY ST_X(point_m), ST_Y(point_m), event_id) AS cluster
    FROM events
),
clusters AS (
    SELECT cluster, count(*) AS events, ST_Transform(ST_Centroid(ST_Collect(point_m)), 4326) AS centre
    FROM clustered
    WHERE cluster IS NOT NULL
    GROUP BY cluster
)
SELECT c.cluster, c.events, ST_X(c.centre) AS lon, ST_Y(c.centre) AS lat
FROM clusters c
ORDER BY c.events DESC, lon, lat
LIMIT %(limit)s
"""


def _per_signal(template: str) -> dict[str, str]:
    return {
        key: _complete(
            template,
            events=events,
            recency=_RECENCY,
            in_window=_IN_WINDOW_BY_SIGNAL.get(key, _IN_WINDOW),
            area=_AREA,
        )
        for key, events in SIGNAL_EVENTS.items()
    }


def _with_tables(template: str) -> str:
    return _complete(template, area=_AREA)


PROFILE = _per_signal(_PROFILE)
EVIDENCE = _per_signal(_EVIDENCE)
PLACES = _per_signal(_PLACES)
CLUSTERS = _per_signal(_CLUSTERS)

# --- Placing points on corridors -----------------------------------------------------------
# The point %(along_m)s metres along each corridor's route (in the metric SRID, as located
# above), back in lon/lat, with the borough that covers it and whether it lies in the area.
STOPS_ON_CORRIDORS = _with_tables("""
WITH {area},
wanted AS (
    SELECT w.idx, w.corridor_id, w.along_m
    FROM unnest(%(idx)s::int[], %(corridor_ids)s::bigint[], %(along_m)s::float8[]) AS w(idx, corridor_id, along_m)
),
placed AS (
    SELECT w.idx,
           ST_LineInterpolatePoint(ST_Transform(c.route, %(srid)s),
                                   LEAST(GREATEST(w.along_m / c.length_m, 0.0), 1.0)) AS point_m
    FROM wanted w
    JOIN {corridor_table} c ON c.id = w.corridor_id
)
SELECT p.idx, ST_X(ST_Transform(p.point_m, 4326)) AS lon, ST_Y(ST_Transform(p.point_m, 4326)) AS lat,
       b.name AS borough,
       (NOT EXISTS (SELECT 1 FROM area)
        OR EXISTS (SELECT 1 FROM area a WHERE ST_DWithin(a.geom_m, p.point_m, %(area_reach_m)s))) AS in_area
FROM placed p
LEFT JOIN LATERAL (
    SELECT name FROM {borough_table}
    WHERE ST_Covers(geom, ST_Transform(p.point_m, 4326)) ORDER BY gss_code LIMIT 1
) b ON true
ORDER BY p.idx
""")

# The stretch of each corridor's route between %(from_m)s and %(to_m)s metres, as EWKT with
# 6 decimals (about 10 cm).
SECTIONS = _with_tables("""
SELECT w.idx,
       ST_AsEWKT(ST_Transform(ST_LineSubstring(ST_Transform(c.route, %(srid)s),
                                               LEAST(GREATEST(w.from_m / c.length_m, 0.0), 1.0),
                                               LEAST(GREATEST(w.to_m / c.length_m, 0.0), 1.0)), 4326), 6) AS section
FROM unnest(%(idx)s::int[], %(corridor_ids)s::bigint[], %(from_m)s::float8[], %(to_m)s::float8[])
     AS w(idx, corridor_id, from_m, to_m)
JOIN {corridor_table} c ON c.id = w.corridor_id
ORDER BY w.idx
""")

# --- Operations already held near candidate stop points ------------------------------------
# For each stop point: the latest operation that started within %(radius_m)s of it (its
# location or any of its stop points) between %(since)s and %(at)s, and the ids of those
# that started in the last week (from %(week_since)s).
RECENT_OPERATIONS = _with_tables("""
WITH stop AS (
    SELECT s.idx, ST_Transform(ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), %(srid)s) AS point_m
    FROM unnest(%(idx)s::int[], %(lon)s::float8[], %(lat)s::float8[]) AS s(idx, lon, lat)
)
SELECT s.idx,
       max(o.started_at) AS last_started_at,
       coalesce(array_agg(o.id::text ORDER BY o.id) FILTER (WHERE o.started_at >= %(week_since)s),
                '{{}}') AS week_operations
FROM stop s
JOIN {operation_table} o
  ON o.started_at >= %(since)s AND o.started_at < %(at)s
 AND (ST_DWithin(ST_Transform(o.location, %(srid)s), s.point_m, %(radius_m)s)
      OR ST_DWithin(ST_Transform(o.stop_points, %(srid)s), s.point_m, %(radius_m)s))
GROUP BY s.idx
ORDER BY s.idx
""")

# Operations that started in the area between %(week_since)s and %(at)s.
OPERATIONS_IN_AREA = _with_tables("""
WITH {area}
SELECT count(*)
FROM {operation_table} o
WHERE o.started_at >= %(week_since)s AND o.started_at < %(at)s
  AND (NOT EXISTS (SELECT 1 FROM area)
       OR EXISTS (SELECT 1 FROM area a
                  WHERE ST_DWithin(a.geom_m, ST_Transform(o.location, %(srid)s), %(area_reach_m)s)))
""")

# Pairs of stop points (EWKT, 4326) closer than %(min_m)s metres.
CLOSE_PAIRS = """
WITH f AS (
    SELECT f.idx, ST_Transform(ST_GeomFromEWKT(f.ewkt), %(srid)s) AS geom_m
    FROM unnest(%(idx)s::int[], %(ewkt)s::text[]) AS f(idx, ewkt)
)
SELECT a.idx, b.idx
FROM f a
JOIN f b ON a.idx < b.idx AND ST_DWithin(a.geom_m, b.geom_m, %(min_m)s)
ORDER BY a.idx, b.idx
"""

# --- Back-test -----------------------------------------------------------------------------
# For each method's stop points: how many seizures between %(since)s and %(until)s fall
# within %(radius_m)s of any of them, and the area (m2) the circles cover once merged.
BACKTEST_METHODS = _with_tables("""
WITH stop AS (
    SELECT s.method, ST_Transform(ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), %(srid)s) AS point_m
    FROM unnest(%(method)s::text[], %(lon)s::float8[], %(lat)s::float8[]) AS s(method, lon, lat)
),
hits AS (
    SELECT st.method, count(DISTINCT z.id) AS seizures
    FROM stop st
    JOIN {seizure_table} z
      ON ST_DWithin(ST_Transform(z.point, %(srid)s), st.point_m, %(radius_m)s)
     AND z.seized_at >= %(since)s AND z.seized_at < %(until)s AND z.source = ANY(%(sources)s)
    GROUP BY st.method
),
cover AS (
    SELECT method, count(*) AS stops, ST_Area(ST_Union(ST_Buffer(point_m, %(radius_m)s, 32))) AS area_m2
    FROM stop
    GROUP BY method
)
SELECT c.method, c.stops, coalesce(h.seizures, 0) AS seizures, c.area_m2
FROM cover c
LEFT JOIN hits h ON h.method = c.method
ORDER BY c.method
""")

# Seizures between %(since)s and %(until)s (the denominator of the hit rate).
SEIZURES_BETWEEN = _with_tables("""
SELECT count(*) FROM {seizure_table} z
WHERE z.seized_at >= %(since)s AND z.seized_at < %(until)s AND z.source = ANY(%(sources)s)
""")

# The back-test's real police.uk rows (backtest_data.py only), inserted in one statement per
# month as seizures of one holding operation: %(lon)s and %(lat)s are parallel arrays.
BACKTEST_INSERT = _with_tables("""
INSERT INTO {seizure_table} (id, source, created_at, updated_at, version, point, seized_at, received_at,
                             vehicle_type, reason, power, make, model, colour, frame_number, disposition,
                             notes, operation_id)
SELECT gen_random_uuid(), %(source)s, now(), now(), 1, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326),
       %(seized_at)s, %(seized_at)s, %(vehicle_type)s, %(reason)s, %(power)s, '', '', '', '', %(disposition)s,
       '', %(operation_id)s
FROM unnest(%(lon)s::float8[], %(lat)s::float8[]) AS r(lon, lat)
""")

# Fresh planner statistics after the back-test's bulk inserts (the spatial index is chosen
# over the time index only when the planner knows how many rows the months hold).
BACKTEST_ANALYZE = _with_tables("ANALYZE {seizure_table}; ANALYZE {incident_table}")
