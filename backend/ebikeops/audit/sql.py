"""The audit app's SQL: the chains' walk, their heads and partition upkeep. Values only ever
go in params.

The digest function, the triggers and `audit_event_partition_ensure` live in the database
(migrations 0001 to 0003); these statements call them.
"""

from functools import cache

from django.db import connection

# One batch of a chain's walk: the first row with seq in (after, after + size] of chain
# %(chain)s whose content does not match its hash, or whose prev_hash is not the hash of the
# row before it in the chain, or whose seq does not follow that row's; and the batch's last
# seq, id and hash to carry into the next batch. The LIMIT sits below the window so that only
# this batch's rows are digested (index audit_event_chain_seq).
CHAIN_BATCH = """
WITH raw AS (
    SELECT * FROM audit_event WHERE chain = %(chain)s AND seq > %(after)s ORDER BY seq LIMIT %(size)s
), batch AS (
    SELECT id, seq, prev_hash, hash,
           audit_event_digest(to_jsonb(raw)) AS digest,
           coalesce(lag(hash) OVER w, %(carry)s) AS expected_prev,
           coalesce(lag(seq) OVER w, %(after)s) AS seq_before,
           coalesce(lag(id) OVER w, %(after_id)s) AS id_before
    FROM raw WINDOW w AS (ORDER BY seq)
), tail AS (
    SELECT seq, id, hash FROM batch ORDER BY seq DESC LIMIT 1
)
SELECT (SELECT count(*) FROM batch) AS rows,
       (SELECT seq FROM tail), (SELECT id FROM tail), (SELECT hash FROM tail),
       bad.id, bad.id_before, bad.digest <> bad.hash AS altered
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT * FROM batch WHERE digest <> hash OR prev_hash <> expected_prev OR seq <> seq_before + 1
    ORDER BY seq LIMIT 1
) AS bad ON true
"""

# The same for the legacy chain (events from before migration 0002, chain NULL), in id order;
# its position is the id, so seq and id are the same column here.
LEGACY_CHAIN_BATCH = """
WITH raw AS (
    SELECT * FROM audit_event WHERE chain IS NULL AND id > %(after)s ORDER BY id LIMIT %(size)s
), batch AS (
    SELECT id, prev_hash, hash,
           audit_event_digest(to_jsonb(raw)) AS digest,
           coalesce(lag(hash) OVER (ORDER BY id), %(carry)s) AS expected_prev,
           coalesce(lag(id) OVER (ORDER BY id), %(after_id)s) AS id_before
    FROM raw
), tail AS (
    SELECT id, hash FROM batch ORDER BY id DESC LIMIT 1
)
SELECT (SELECT count(*) FROM batch) AS rows,
       (SELECT id FROM tail), (SELECT id FROM tail), (SELECT hash FROM tail),
       bad.id, bad.id_before, bad.digest <> bad.hash AS altered
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT * FROM batch WHERE digest <> hash OR prev_hash <> expected_prev ORDER BY id LIMIT 1
) AS bad ON true
"""

# Every chain to walk: those with a head, and those with events (a loose index scan over
# audit_event_chain_seq, one probe per chain, so that a head deleted with its chain's
# events still leaves the events to be found). 0 is the legacy chain (chain NULL).
CHAINS = """
WITH RECURSIVE found AS (
    (SELECT chain FROM audit_event WHERE chain IS NOT NULL ORDER BY chain LIMIT 1)
    UNION ALL
    SELECT (SELECT e.chain FROM audit_event AS e WHERE e.chain > found.chain ORDER BY e.chain LIMIT 1)
    FROM found WHERE found.chain IS NOT NULL
)
SELECT chain FROM found WHERE chain IS NOT NULL
UNION SELECT 0 WHERE EXISTS (SELECT 1 FROM audit_event WHERE chain IS NULL)
UNION SELECT id FROM audit_chain_head
ORDER BY 1
"""

CHAIN_HEADS = "SELECT id, last_seq, last_id, hash FROM audit_chain_head ORDER BY id"

# Open heads 1..%(chains)s (creating the missing ones) and close those above; the legacy
# head (0) stays closed.
CHAINS_ENSURE = """
WITH made AS (
    INSERT INTO audit_chain_head (id, last_id, last_seq, hash, open)
    SELECT g, 0, 0, '', true FROM generate_series(1, %(chains)s) AS g
    ON CONFLICT (id) DO UPDATE SET open = true WHERE NOT audit_chain_head.open
    RETURNING id
), closed AS (
    UPDATE audit_chain_head SET open = false WHERE id > %(chains)s AND open RETURNING id
)
SELECT (SELECT count(*) FROM made), (SELECT count(*) FROM closed)
"""

# Creates the partition for the UTC month holding %(month)s unless it exists; returns its
# name, or NULL if it was there already.
PARTITION_ENSURE = "SELECT audit_event_partition_ensure(%(month)s::date)"

# Rows waiting in the DEFAULT partition for the month [start, stop): a month partition
# cannot be created over them (PostgreSQL refuses), so `audit_partitions` reports them.
DEFAULT_ROWS_IN_MONTH = """
SELECT count(*) FROM audit_event_default
WHERE occurred_at >= (%(month)s::date)::timestamp AT TIME ZONE 'UTC'
  AND occurred_at < ((%(month)s::date) + interval '1 month')::timestamp AT TIME ZONE 'UTC'
"""

PARTITIONS = """
SELECT child.relname, pg_get_expr(child.relpartbound, child.oid)
FROM pg_inherits JOIN pg_class AS parent ON parent.oid = pg_inherits.inhparent
JOIN pg_class AS child ON child.oid = pg_inherits.inhrelid
WHERE parent.relname = 'audit_event' ORDER BY child.relname
"""


# --- Collection events built by PostgreSQL (services.collection_record) ---------------------
# A collection event's content is every stored field of each new record, {"field": [null,
# value]}, keyed "type:id". PostgreSQL reads it from the rows just written, so Python never
# builds, encodes or ships it (some 450 KB for a 500-seizure sync). Each value is written as
# `services.jsonable` writes the field's Python value (tests/audit/test_collection.py holds
# them equal, digit for digit): times in UTC to the millisecond with "Z" (DjangoJSONEncoder),
# floats as their shortest exact text with ".0" when whole (Python's repr), points from
# their own doubles.
#
# The content is written as JSON text and cast to jsonb once: for 500 seizures that is 10 ms
# where nesting jsonb_build_object/jsonb_build_array per field took 17 ms (EXPLAIN ANALYZE,
# docs/BENCHMARKS.md). Keys go in jsonb's own order (shorter first, then bytewise), which
# spares the cast most of its sorting. Every value expression is NULL for a NULL column, and
# the pair then says null.

# A float8 as Python's json writes it: 5.0 not 5 (PostgreSQL's float8out is the shortest exact
# text too, like repr; 1e15 and above it writes as an exponent, which needs no ".0").
_FLOAT = "CASE WHEN {c} = trunc({c}) AND abs({c}) < 1e15 THEN {c}::text || '.0' ELSE {c}::text END"
# One to_char; ".MS" only when the time has a fraction (DjangoJSONEncoder drops ".000000" but
# keeps ".000" for 1 to 999 microseconds; MS truncates, as Python's [:23] does).
_TIME = (
    "('\"' || to_char({c} AT TIME ZONE 'UTC', CASE WHEN date_trunc('second', {c}) = {c}"
    " THEN 'YYYY-MM-DD\"T\"HH24:MI:SS' ELSE 'YYYY-MM-DD\"T\"HH24:MI:SS.MS' END) || 'Z\"')"
)
_POINT = (
    '(\'{{"type": "Point", "coordinates": \' || CASE WHEN ST_IsEmpty({c}) THEN \'[]\''
    " ELSE '[' || {x} || ', ' || {y} || ']' END || '}}')"
)
_MULTIPOINT = (
    'CASE WHEN {c} IS NULL THEN NULL ELSE \'{{"type": "MultiPoint", "coordinates": [\' || coalesce('
    "(SELECT string_agg('[' || {x} || ', ' || {y} || ']', ', ' ORDER BY d.path) FROM ST_Dump({c}) AS d), '')"
    " || ']}}' END"
)


def _value(field, column: str) -> str:
    """The SQL expression of one field's JSON text (NULL for a NULL column)."""
    kind = field.get_internal_type()
    if kind == "FloatField":
        return _FLOAT.format(c=column)
    if kind == "DateTimeField":
        return _TIME.format(c=column)
    if kind == "DateField":
        return f"('\"' || to_char({column}, 'YYYY-MM-DD') || '\"')"
    if kind == "DecimalField":  # DjangoJSONEncoder writes a Decimal as its text
        return f"to_json({column}::text)::text"
    if kind == "PointField":
        x, y = (_FLOAT.format(c=f"ST_{axis}({column})") for axis in "XY")
        return _POINT.format(c=column, x=x, y=y)
    if kind == "MultiPointField":
        x, y = (_FLOAT.format(c=f"ST_{axis}(d.geom)") for axis in "XY")
        return _MULTIPOINT.format(c=column, x=x, y=y)
    if getattr(field, "geom_type", None) or kind in ("DurationField", "TimeField", "BinaryField"):
        raise ValueError(f"No SQL form of a {kind} for a collection event; add one to audit/sql.py.")
    # text, numbers, booleans, uuids, foreign keys, json, arrays, file names
    return f"to_json({column})::text"


def collection_content_sql(model) -> str:
    """SELECT of one jsonb: {"<model_name>:<pk>": {"field": [null, value], ...}} over the rows
    of `model` whose pk is in the array parameter (params: the key prefix, the pks); {} if
    none. Field names and columns come from the model; values go in params."""
    quote = connection.ops.quote_name
    # In jsonb's key order (attnames are ASCII identifiers: no escaping, bytes = characters).
    fields = sorted(model._meta.concrete_fields, key=lambda field: (len(field.attname), field.attname))
    parts = []
    for position, field in enumerate(fields):
        parts.append("'{}\"{}\": [null, '".format("{" if position == 0 else "], ", field.attname))
        parts.append(f"coalesce({_value(field, f't.{quote(field.column)}')}, 'null')")
    row = f"concat({', '.join(parts)}, ']}}')"  # one concat: a chain of || copies the row over and over
    table, pk, pk_type = quote(model._meta.db_table), quote(model._meta.pk.column), model._meta.pk.db_type(connection)
    # Each key probes the primary key: LIMIT 1 keeps the subquery from being flattened into a
    # join the planner may answer with a scan of the table, as it did for `pk = ANY(...)` (a Seq
    # Scan of 70,000 seizures to find 500); the probes cost the same at any table size.
    return (
        f"SELECT coalesce(('{{' || string_agg(to_json(%s || t.{pk}::text)::text || ': ' || {row}, ', ' "  # noqa: S608
        f"ORDER BY t.{pk}) || '}}')::jsonb, '{{}}'::jsonb) "
        f"FROM unnest(%s::{pk_type}[]) AS k(id) CROSS JOIN LATERAL "
        f"(SELECT * FROM {table} AS r WHERE r.{pk} = k.id LIMIT 1) AS t"
    )


# The event's columns, in the order services.collection_record gives them; `changes` is the
# content above, one sub-select per model joined with ||. The INSERT trigger sets the rest.
_COLLECTION_COLUMNS = (
    "actor_id, actor_username, actor_role, client_kind, client_ref, ip, user_agent, request_id, action, "
    "endpoint, records, purpose"
)


@cache
def collection_insert_sql(models: tuple) -> str:
    """INSERT of one collection event for rows of `models` (params: the event's columns as in
    _COLLECTION_COLUMNS, then a key prefix and a pk array per model); returns its id and how
    many records its content holds."""
    content = " || ".join(f"({collection_content_sql(model)})" for model in models)
    return (
        f"INSERT INTO audit_event ({_COLLECTION_COLUMNS}, changes) "  # noqa: S608 - columns from the models
        f"VALUES (%s, %s, %s, %s, %s, %s::inet, %s, %s, %s, %s, %s::varchar(80)[], %s, {content}) "
        "RETURNING id, (SELECT count(*) FROM jsonb_object_keys(changes))"
    )
