"""SQL of the police.uk importer: staging by COPY, classification and one upsert.

Every file is COPYed into `incident_stage` (text columns in the official order; `row_no`
numbers the data rows of all files in turn, `incident_files` says which rows came from which
file). Each row is then one of: no location (counted, skipped), invalid (month or coordinates
unreadable), outside Greater London (no borough polygon covers it; rejected unless kept),
or accepted. Accepted rows are keyed by their crime ID, or, without one (anti-social
behaviour), by a hash of the whole row and its occurrence among identical rows of its file,
so that importing a month again updates it instead of adding it twice. Rows of one import
sharing a crime ID become one incident: the last row wins (police.uk lists a crime again
with a later outcome).
"""

CLEANUP = """
DROP TABLE IF EXISTS incident_stage, incident_files, incident_borough_pieces, incident_rows, incident_places,
    incident_classified, incident_keyed;
"""

STAGE_CREATE = """
CREATE TEMPORARY TABLE incident_stage (
    row_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    crime_id text, month text, reported_by text, falls_within text, longitude text, latitude text,
    location text, lsoa_code text, lsoa_name text, crime_type text, last_outcome text, context text
) ON COMMIT DROP;
CREATE TEMPORARY TABLE incident_files (first_row bigint, last_row bigint, name text) ON COMMIT DROP;
"""

STAGE_COPY = """
COPY incident_stage (crime_id, month, reported_by, falls_within, longitude, latitude, location, lsoa_code,
    lsoa_name, crime_type, last_outcome, context)
FROM STDIN WITH (FORMAT csv, HEADER true)
"""

STAGE_LAST_ROW = "SELECT coalesce(max(row_no), 0) FROM incident_stage"
FILE_ADD = "INSERT INTO incident_files VALUES (%(first)s, %(last)s, %(name)s)"

BOROUGH_PIECES = """
CREATE TEMPORARY TABLE incident_borough_pieces ON COMMIT DROP AS
SELECT id, gss_code, ST_Subdivide(geom, 64) AS geom FROM areas_borough;
CREATE INDEX ON incident_borough_pieces USING gist (geom);
ANALYZE incident_borough_pieces;
"""

CLASSIFY = r"""
CREATE TEMPORARY TABLE incident_rows ON COMMIT DROP AS
SELECT s.row_no, f.name AS source_file, s.row_no - f.first_row + 1 AS file_row,
       btrim(coalesce(s.crime_id, '')) AS crime_id,
       CASE WHEN s.month ~ '^\d{4}-(0[1-9]|1[0-2])$' THEN to_date(s.month || '-01', 'YYYY-MM-DD') END AS month,
       coalesce(s.reported_by, '') AS reported_by, coalesce(s.falls_within, '') AS falls_within,
       CASE WHEN s.longitude ~ '^\s*-?\d{1,3}(\.\d+)?\s*$' THEN s.longitude::float8 END AS lon,
       CASE WHEN s.latitude ~ '^\s*-?\d{1,2}(\.\d+)?\s*$' THEN s.latitude::float8 END AS lat,
       coalesce(nullif(btrim(s.longitude), ''), nullif(btrim(s.latitude), '')) IS NULL AS no_location,
       coalesce(s.location, '') AS location, coalesce(s.lsoa_code, '') AS lsoa_code,
       coalesce(s.lsoa_name, '') AS lsoa_name, coalesce(btrim(s.crime_type), '') AS crime_type,
       coalesce(s.last_outcome, '') AS last_outcome, coalesce(s.context, '') AS context,
       concat_ws(',', s.crime_id, s.month, s.reported_by, s.falls_within, s.longitude, s.latitude, s.location,
                 s.lsoa_code, s.lsoa_name, s.crime_type, s.last_outcome, s.context) AS line
FROM incident_stage s
JOIN incident_files f ON s.row_no BETWEEN f.first_row AND f.last_row
"""

PLACES = r"""
CREATE TEMPORARY TABLE incident_places ON COMMIT DROP AS
SELECT u.lon, u.lat,
       (SELECT b.id FROM incident_borough_pieces b
        WHERE ST_Covers(b.geom, ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326))
        ORDER BY b.gss_code LIMIT 1) AS borough_id
FROM (SELECT DISTINCT lon, lat FROM incident_rows WHERE lon IS NOT NULL AND lat IS NOT NULL) u;
CREATE UNIQUE INDEX ON incident_places (lon, lat);
"""

CLASSIFIED = r"""
CREATE TEMPORARY TABLE incident_classified ON COMMIT DROP AS
SELECT r.*, p.borough_id,
       CASE
           WHEN r.no_location THEN 'no_location'
           WHEN r.month IS NULL THEN 'invalid_month'
           WHEN r.lon IS NULL OR r.lat IS NULL OR r.lon NOT BETWEEN -180 AND 180 OR r.lat NOT BETWEEN -90 AND 90
               THEN 'invalid_point'
           WHEN r.crime_type = '' THEN 'no_crime_type'
           WHEN p.borough_id IS NULL THEN 'outside_london'
           ELSE 'ok'
       END AS outcome
FROM incident_rows r
LEFT JOIN incident_places p ON p.lon = r.lon AND p.lat = r.lat;
"""

COUNTS = """
SELECT count(*),
       count(*) FILTER (WHERE outcome = 'no_location'),
       count(*) FILTER (WHERE outcome IN ('invalid_month', 'invalid_point', 'no_crime_type')),
       count(*) FILTER (WHERE outcome = 'outside_london'),
       count(*) FILTER (WHERE outcome = 'ok' OR (outcome = 'outside_london' AND %(keep_outside)s))
FROM incident_classified
"""

REJECTS_READ = """
SELECT source_file, file_row, outcome, crime_id, lon, lat, location FROM incident_classified
WHERE outcome NOT IN ('ok', 'no_location') AND NOT (outcome = 'outside_london' AND %(keep_outside)s)
ORDER BY row_no
"""

# One row per key: the crime ID, or the row's hash and its occurrence among identical rows.
KEYED = """
CREATE TEMPORARY TABLE incident_keyed ON COMMIT DROP AS
SELECT DISTINCT ON (k.key) k.key, k.row_no, k.crime_id, k.month, k.reported_by, k.falls_within, k.lon, k.lat,
       k.location, k.lsoa_code, k.lsoa_name, k.crime_type, k.last_outcome, k.context, k.borough_id, k.source_file
FROM (
    SELECT c.*, c.crime_id AS key
    FROM incident_classified c
    WHERE c.crime_id <> '' AND (c.outcome = 'ok' OR (c.outcome = 'outside_london' AND %(keep_outside)s))
    UNION ALL
    SELECT c.*, 'sha256:' || encode(sha256(convert_to(
               c.line || '#' || row_number() OVER (PARTITION BY c.source_file, c.line ORDER BY c.row_no), 'UTF8')),
               'hex')
    FROM incident_classified c
    WHERE c.crime_id = '' AND (c.outcome = 'ok' OR (c.outcome = 'outside_london' AND %(keep_outside)s))
) k
ORDER BY k.key, k.row_no DESC
"""

KEYED_COUNT = "SELECT count(*) FROM incident_keyed"

WRITE = """
WITH written AS (
    INSERT INTO incidents_incident AS i (key, crime_id, month, reported_by, falls_within, point, location, lsoa_code,
        lsoa_name, crime_type, last_outcome, context, borough_id, source_file, imported_at)
    SELECT k.key, k.crime_id, k.month, k.reported_by, k.falls_within, ST_SetSRID(ST_MakePoint(k.lon, k.lat), 4326),
           left(k.location, 200), left(k.lsoa_code, 12), left(k.lsoa_name, 100), left(k.crime_type, 60),
           left(k.last_outcome, 120), k.context, k.borough_id, left(k.source_file, 200), %(now)s
    FROM incident_keyed k
    ON CONFLICT (key) DO UPDATE SET
        crime_id = EXCLUDED.crime_id, month = EXCLUDED.month, reported_by = EXCLUDED.reported_by,
        falls_within = EXCLUDED.falls_within, point = EXCLUDED.point, location = EXCLUDED.location,
        lsoa_code = EXCLUDED.lsoa_code, lsoa_name = EXCLUDED.lsoa_name, crime_type = EXCLUDED.crime_type,
        last_outcome = EXCLUDED.last_outcome, context = EXCLUDED.context, borough_id = EXCLUDED.borough_id,
        source_file = EXCLUDED.source_file, imported_at = EXCLUDED.imported_at
    WHERE (i.month, i.point, i.location, i.lsoa_code, i.lsoa_name, i.crime_type, i.last_outcome, i.context,
           i.borough_id)
          IS DISTINCT FROM (EXCLUDED.month, EXCLUDED.point, EXCLUDED.location, EXCLUDED.lsoa_code,
           EXCLUDED.lsoa_name, EXCLUDED.crime_type, EXCLUDED.last_outcome, EXCLUDED.context, EXCLUDED.borough_id)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
"""

# The layer: one feature per map point (police.uk snaps many crimes to one), with the count
# and the count per crime type, built as GeoJSON in the database. {filtered} is the filtered
# queryset's own SQL (its values stay parameters; see selectors.incident_layer).
LAYER = """
SELECT json_build_object(
    'type', 'Feature',
    'geometry', ST_AsGeoJSON(g.point, 6)::json,
    'properties', json_build_object('count', g.n, 'crime_types', g.types)
)::text
FROM (
    SELECT t.point, sum(t.n)::int AS n, json_object_agg(t.crime_type, t.n ORDER BY t.crime_type) AS types
    FROM (SELECT point, crime_type, count(*) AS n FROM ({filtered}) f GROUP BY point, crime_type) t
    GROUP BY t.point
    ORDER BY sum(t.n) DESC, ST_X(t.point), ST_Y(t.point)
    LIMIT %s
) g
"""
