"""Every raw SQL statement of the hotspot engine, as parameterised constants.

Values only ever arrive as `%(name)s` parameters; the few templates below are filled once, at
import, with other constants of this module. Long lists of numbers travel as one
comma-separated text parameter each (`string_to_array(...)`): tens of thousands of values
then cost one literal instead of one quoted literal per value. Metric work happens in the SRID passed as
`%(srid)s` (settings.METRIC_SRID, British National Grid); stored geometries are SRID 4326.

The engine reads the window's seizures twice: once grouped by coordinate into a temporary
table of places (`hotspot_places`, metric x/y; clustering, outlines and Gi* totals read it),
and once, after clustering, for the per-hotspot time and vehicle profiles and the Gi* time
slices. The table lives until the end of the computing transaction.
"""

# Planning a statement that calls PostGIS functions (high declared cost) switches on JIT
# compilation, which costs about half a second per statement and saves nothing here.
JIT_OFF = "SET LOCAL jit = off"
# Hash aggregates over a million rows stay in memory instead of spilling to disk.
WORK_MEM = "SET LOCAL work_mem = '256MB'"

PLACES_DROP = "DROP TABLE IF EXISTS hotspot_places"

_SEIZURE_FILTERS = """
    s.seized_at >= %(since)s AND s.seized_at <= %(until)s
    AND (%(vehicle_types)s::text[] IS NULL OR s.vehicle_type = ANY(%(vehicle_types)s::text[]))
    AND (%(borough_id)s::bigint IS NULL OR s.borough_id = %(borough_id)s::bigint)
    AND (%(reasons)s::text[] IS NULL OR s.reason = ANY(%(reasons)s::text[]))
    AND (%(sources)s::text[] IS NULL OR s.source = ANY(%(sources)s::text[]))
"""


def _filtered(template: str) -> str:
    """A statement over `operations_seizure s` with the engine's seizure filters (import time only)."""
    return template.replace("{seizure_filters}", _SEIZURE_FILTERS)


# Pass 1 over the window's seizures: one row per distinct coordinate ("place") with its
# seizure count, first and last seizure and its metric position. Real data snaps many
# seizures to shared points, so each place is transformed once, and every later step reads
# these places instead of the seizures. `cx`, `cy` are the Gi* grid cell; `label` is filled
# in once the places are clustered.
PLACES_CREATE = _filtered("""
CREATE TEMPORARY TABLE hotspot_places ON COMMIT DROP AS
SELECT d.lon, d.lat, d.n, d.first_at, d.last_at, ST_X(d.g) AS x, ST_Y(d.g) AS y,
       floor(ST_X(d.g) / %(cell_m)s)::int AS cx, floor(ST_Y(d.g) / %(cell_m)s)::int AS cy, NULL::int AS label
FROM (
    SELECT a.lon, a.lat, a.n, a.first_at, a.last_at,
           ST_Transform(ST_SetSRID(ST_MakePoint(a.lon, a.lat), 4326), %(srid)s) AS g
    FROM (
        SELECT ST_X(s.point) AS lon, ST_Y(s.point) AS lat, count(*) AS n,
               min(s.seized_at) AS first_at, max(s.seized_at) AS last_at
        FROM operations_seizure s
        WHERE {seizure_filters}
        GROUP BY 1, 2
    ) a
) d
""")

PLACES_ANALYZE = "ANALYZE hotspot_places"

# Seizures (count) and the places' metric extent.
PLACES_SUMMARY = """
SELECT coalesce(sum(n), 0), min(x), max(x), min(y), max(y) FROM hotspot_places
"""

# Exact mode: one site per distinct coordinate, weighted by how many seizures share it.
SITES_EXACT = """
SELECT x, y, sum(n) AS n FROM hotspot_places GROUP BY x, y ORDER BY x, y
"""

# Fast mode: one site per occupied grid cell of side grid_m.
SITES_GRID = """
SELECT floor(x / %(grid_m)s)::int AS ix, floor(y / %(grid_m)s)::int AS iy, sum(n) AS n
FROM hotspot_places GROUP BY 1, 2 ORDER BY 1, 2
"""

# The clustering's answer, written onto the places (sites: coordinates or grid cells).
_LABEL_PLACES = """
UPDATE hotspot_places p SET label = l.label
FROM unnest(string_to_array(%(site_a)s, ',')::{site_type}[], string_to_array(%(site_b)s, ',')::{site_type}[],
            string_to_array(%(label)s, ',')::int[]) AS l(site_a, site_b, label)
WHERE {site_join}
"""
LABEL_PLACES_EXACT = _LABEL_PLACES.format(site_type="float8", site_join="p.x = l.site_a AND p.y = l.site_b")
LABEL_PLACES_GRID = _LABEL_PLACES.format(
    site_type="int",
    site_join="floor(p.x / %(grid_m)s)::int = l.site_a AND floor(p.y / %(grid_m)s)::int = l.site_b",
)

# The Gi* cell holding most of each cluster's seizures (ties: the westernmost, southernmost).
BUSIEST_CELLS = """
SELECT DISTINCT ON (label) label, cx, cy
FROM hotspot_places WHERE label IS NOT NULL
GROUP BY label, cx, cy ORDER BY label, sum(n) DESC, cx, cy
"""

# The run's hotspots, written in one statement from the labelled places: the outline is the
# concave hull of a cluster's places buffered by buffer_m, made valid in SRID 4326 (a convex
# hull if that is not a single polygon); the centre is the seizure-weighted mean position;
# area and density are measured in the metric SRID; arrests count when inside the outline and
# in the window (same sources). The figures computed in Python (busiest weekday and band,
# vehicle mix, Gi* bin and trend of the busiest cell) arrive per label. Keys are new here;
# services hand the previous run's keys on afterwards. MATERIALIZED: each outline is built
# once, not once per reference.
INSERT_HOTSPOTS = """
WITH figures AS (
    SELECT * FROM unnest(string_to_array(%(label)s, ',')::int[], string_to_array(%(weekday)s, ',')::int[],
                         string_to_array(%(band)s, ','), string_to_array(%(gi_bin)s, ',', '')::int[],
                         string_to_array(%(trend)s, ','))
        AS f(label, weekday, band, gi_bin, trend)
), mixes AS (
    SELECT key::int AS label, value AS vehicle_mix FROM jsonb_each(%(mixes)s::jsonb)
), outline AS MATERIALIZED (
    SELECT label, ST_Buffer(ST_ConcaveHull(ST_Collect(ST_SetSRID(ST_MakePoint(x, y), %(srid)s)), 0.8),
                            %(buffer_m)s) AS poly,
           sum(n) AS seizures, min(first_at) AS first_at, max(last_at) AS last_at,
           ST_SetSRID(ST_MakePoint(sum(x * n) / sum(n), sum(y * n) / sum(n)), %(srid)s) AS centre
    FROM hotspot_places WHERE label IS NOT NULL GROUP BY label
), shaped AS MATERIALIZED (
    SELECT o.*, ST_Area(o.poly) AS area_m2, ST_MakeValid(ST_Transform(o.poly, 4326)) AS poly4326 FROM outline o
)
INSERT INTO hotspots_hotspot (run_id, key, rank, geom, centroid, seizure_count, arrest_count, area_m2,
                              density_per_km2, first_seizure_at, last_seizure_at, busiest_weekday,
                              busiest_hour_band, vehicle_mix, share, gi_bin, trend_category)
SELECT %(run_id)s, gen_random_uuid(), sh.label + 1,
       -- Stored counterclockwise, so GeoJSON out keeps RFC 7946's right-hand rule as it is.
       ST_ForcePolygonCCW(CASE WHEN GeometryType(sh.poly4326) = 'POLYGON' THEN sh.poly4326
                               ELSE ST_ConvexHull(sh.poly4326) END),
       ST_Transform(sh.centre, 4326), sh.seizures,
       (SELECT count(*) FROM operations_arrest a
         WHERE ST_Intersects(ST_Transform(a.point, %(srid)s), sh.poly)
           AND a.arrested_at >= %(since)s AND a.arrested_at <= %(until)s
           AND (%(sources)s::text[] IS NULL OR a.source = ANY(%(sources)s::text[]))),
       sh.area_m2, CASE WHEN sh.area_m2 > 0 THEN sh.seizures / (sh.area_m2 / 1e6) ELSE 0 END,
       sh.first_at, sh.last_at, f.weekday, f.band, m.vehicle_mix,
       sh.seizures::float8 / %(total)s, f.gi_bin, f.trend
FROM shaped sh JOIN figures f USING (label) JOIN mixes m USING (label)
"""

# Pass 2 over the window's seizures, joined to their places, in one scan with two grouping
# sets: (kind 0) each cluster's seizures by vehicle type, ISO weekday and three-hour band
# (London time), and (kind 1) every Gi* cell's seizures per time slice. The slice key is the
# month (year * 12 + month - 1) or the week (Mondays since 2000-01-03), in London time.
PROFILES = _filtered("""
SELECT GROUPING(p.label, s.vehicle_type, t.day, t.band) AS kind,
       p.label, s.vehicle_type, t.day, t.band, p.cx, p.cy, t.slice, count(*) AS n
FROM operations_seizure s
JOIN hotspot_places p ON ST_X(s.point) = p.lon AND ST_Y(s.point) = p.lat
CROSS JOIN LATERAL (SELECT s.seized_at AT TIME ZONE %(tz)s AS local_at) z
CROSS JOIN LATERAL (
    SELECT date_part('isodow', z.local_at)::int AS day,
           date_part('hour', z.local_at)::int / 3 * 3 AS band,
           CASE WHEN %(slice)s = 'week'
                THEN floor((z.local_at::date - DATE '2000-01-03') / 7.0)::int
                ELSE date_part('year', z.local_at)::int * 12 + date_part('month', z.local_at)::int - 1 END AS slice
) t
WHERE {seizure_filters}
GROUP BY GROUPING SETS ((p.label, s.vehicle_type, t.day, t.band), (p.cx, p.cy, t.slice))
""")

# The grid cells of a run, written in one statement (outlines built in the metric SRID).
INSERT_CELLS = """
INSERT INTO hotspots_gistarcell (run_id, ix, iy, geom, count, z, p, p_fdr, gi_bin, category, trend_z, trend_p)
SELECT %(run_id)s, c.ix, c.iy,
       ST_ForcePolygonCCW(ST_Transform(ST_MakeEnvelope(c.ix * %(cell_m)s, c.iy * %(cell_m)s,
                                    (c.ix + 1) * %(cell_m)s, (c.iy + 1) * %(cell_m)s, %(srid)s), 4326)),
       c.n, c.z, c.p, c.p_fdr, c.gi_bin, c.category, c.trend_z, c.trend_p
FROM unnest(string_to_array(%(ix)s, ',')::int[], string_to_array(%(iy)s, ',')::int[],
            string_to_array(%(n)s, ',')::int[], string_to_array(%(z)s, ',')::float8[],
            string_to_array(%(p)s, ',')::float8[], string_to_array(%(p_fdr)s, ',')::float8[],
            string_to_array(%(gi_bin)s, ',')::int[], string_to_array(%(category)s, ','),
            string_to_array(%(trend_z)s, ',', '')::float8[], string_to_array(%(trend_p)s, ',', '')::float8[])
     AS c(ix, iy, n, z, p, p_fdr, gi_bin, category, trend_z, trend_p)
"""

# Overlap (square metres) of each new hotspot with the previous run's hotspots, largest first.
# The stored outlines' GiST index (SRID 4326) finds the candidate pairs. An outline that did
# not change (the usual case) overlaps by its own stored area; only changed pairs are
# transformed and intersected in the metric SRID (ten times faster on a city's recompute).
OVERLAPS = """
SELECT n.id, o.key::text,
       CASE WHEN ST_OrderingEquals(n.geom, o.geom) THEN n.area_m2
            ELSE ST_Area(ST_Intersection(ST_Transform(n.geom, %(srid)s), ST_Transform(o.geom, %(srid)s)))
       END AS overlap_m2
FROM hotspots_hotspot n
JOIN hotspots_hotspot o
  ON o.run_id = %(previous_run)s AND n.geom && o.geom
 AND (ST_OrderingEquals(n.geom, o.geom) OR ST_Intersects(n.geom, o.geom))
WHERE n.run_id = %(run_id)s
ORDER BY overlap_m2 DESC, n.id, o.key
"""

# The keys handed on, written in one statement.
UPDATE_KEYS = """
UPDATE hotspots_hotspot h SET key = u.key
FROM unnest(%(ids)s::bigint[], %(keys)s::uuid[]) AS u(id, key)
WHERE h.id = u.id
"""

# Back-test: of the seizures in a window (same filters), how many fall inside the run's
# hotspots; and the hotspots' merged area against the study area (borough or all boroughs).
BACKTEST_HITS = _filtered("""
SELECT count(*) AS seizures,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM hotspots_hotspot h WHERE h.run_id = %(run_id)s AND ST_Intersects(h.geom, s.point)
       )) AS hits
FROM operations_seizure s
WHERE {seizure_filters}
""")

BACKTEST_AREAS = """
SELECT (SELECT coalesce(ST_Area(ST_Union(ST_Transform(h.geom, %(srid)s))), 0)
          FROM hotspots_hotspot h WHERE h.run_id = %(run_id)s) AS hotspot_m2,
       (SELECT coalesce(sum(ST_Area(ST_Transform(b.geom, %(srid)s))), 0)
          FROM areas_borough b WHERE %(borough_id)s::bigint IS NULL OR b.id = %(borough_id)s::bigint) AS study_m2
"""

BACKTEST_CELL_HITS = _filtered("""
SELECT count(*) AS seizures,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM hotspots_gistarcell c
           WHERE c.run_id = %(run_id)s AND c.gi_bin >= %(min_bin)s AND ST_Intersects(c.geom, s.point)
       )) AS hits
FROM operations_seizure s
WHERE {seizure_filters}
""")

BACKTEST_CELL_AREA = """
SELECT coalesce(sum(ST_Area(ST_Transform(c.geom, %(srid)s))), 0)
FROM hotspots_gistarcell c WHERE c.run_id = %(run_id)s AND c.gi_bin >= %(min_bin)s
"""
