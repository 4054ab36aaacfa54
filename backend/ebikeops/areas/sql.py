"""The areas app's raw SQL, as parameterised module constants (values only in `params`),
run by ebikeops.areas.selectors."""

from .models import NamedStop

# For each point: the distinct names of the named stops within %(within_m)s metres, nearest
# first (the nearest stop of each name counts), measured in the metric SRID on the
# functional GiST index of named stops.
_NEAREST_NAMED_STOPS = """
WITH point AS (
    SELECT p.idx, ST_Transform(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), %(srid)s) AS point_m
    FROM unnest(%(idx)s::int[], %(lon)s::float8[], %(lat)s::float8[]) AS p(idx, lon, lat)
),
near AS (
    SELECT p.idx, s.name, min(ST_Distance(ST_Transform(s.point, %(srid)s), p.point_m)) AS distance_m
    FROM point p
    JOIN {named_stop_table} s ON ST_DWithin(ST_Transform(s.point, %(srid)s), p.point_m, %(within_m)s)
    GROUP BY p.idx, s.name
)
SELECT idx, name, distance_m FROM near ORDER BY idx, distance_m, name
"""

NEAREST_NAMED_STOPS = _NEAREST_NAMED_STOPS.format(named_stop_table=NamedStop._meta.db_table)


# The covering borough of each of many points (lon, lat arrays, SRID 4326), in input order:
# the same rule as `borough_for_point` (ST_Covers, the smaller GSS code on a shared boundary),
# in one round trip. Params: lons, lats.
BOROUGH_IDS_FOR_POINTS = """
SELECT (
    SELECT b.id FROM areas_borough b
    WHERE ST_Covers(b.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    ORDER BY b.gss_code
    LIMIT 1
)
FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, n)
ORDER BY p.n
"""
