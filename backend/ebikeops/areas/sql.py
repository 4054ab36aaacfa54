"""Spatial SQL of the areas app (parameterised constants; run by ebikeops.areas.selectors)."""

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
