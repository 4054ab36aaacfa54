"""The audit app's SQL: the chains' walk, their heads and partition upkeep (creating months,
laying closed ones out by actor), and collection events. Values only ever go in params.

The digest functions, the triggers and `audit_event_partition_ensure` live in the database
(migrations 0001 to 0005); these statements call them.
"""

from functools import cache

from django.db import connection

# One batch of a chain's walk: the first row with seq in (after, after + size] of chain
# %(chain)s whose content does not match its hash, or whose prev_hash is not the hash of the
# row before it in the chain, or whose seq does not follow that row's; and the batch's last
# seq, id and hash to carry into the next batch. The LIMIT sits below the window so that only
# this batch's rows are digested (index audit_event_chain_seq). Each row's digest is
# recomputed by its own version (audit_event_stored_digest, migration 0005: the literal
# formula for rows without `content`).
CHAIN_BATCH = """
WITH raw AS (
    SELECT id, seq, prev_hash, hash, audit_event_stored_digest(e) AS digest FROM audit_event AS e
    WHERE chain = %(chain)s AND seq > %(after)s ORDER BY seq LIMIT %(size)s
), batch AS (
    SELECT id, seq, prev_hash, hash, digest,
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
    SELECT id, prev_hash, hash, audit_event_stored_digest(e) AS digest FROM audit_event AS e
    WHERE chain IS NULL AND id > %(after)s ORDER BY id LIMIT %(size)s
), batch AS (
    SELECT id, prev_hash, hash, digest,
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

# The closed months' partitions: those whose upper bound (UTC, as audit_event_partition_ensure
# sets it) is at or before %(now)s, oldest first, never the DEFAULT partition (no bound). For
# each: its index attached to the parent's `audit_event_actor_time` (found through the
# catalogue, whatever name PostgreSQL generated for it), whether CLUSTER marked that index
# (pg_index.indisclustered), the bound, and what audit_partition_clustered noted when the
# step last laid it out. The bound is read back from its own text (pg_get_expr), which
# round-trips in this session's time zone and DateStyle.
CLOSED_PARTITIONS = r"""
SELECT part.relname, idx.relname, ind.indisclustered, bound.upper, done.clustered_at, done.last_id
FROM pg_inherits AS child
JOIN pg_class AS part ON part.oid = child.inhrelid
CROSS JOIN LATERAL (
    SELECT (regexp_match(pg_get_expr(part.relpartbound, part.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper
) AS bound
JOIN pg_index AS ind ON ind.indrelid = part.oid
JOIN pg_inherits AS attached
  ON attached.inhrelid = ind.indexrelid AND attached.inhparent = 'audit_event_actor_time'::regclass
JOIN pg_class AS idx ON idx.oid = ind.indexrelid
LEFT JOIN audit_partition_clustered AS done ON done.partition = part.relname
WHERE child.inhparent = 'audit_event'::regclass AND bound.upper <= %(now)s
ORDER BY bound.upper
"""

# One partition's upkeep; {partition} and {index} are names read from the catalogue above and
# quoted by `on_partition`. CLUSTER holds an ACCESS EXCLUSIVE lock on that partition (and
# its indexes) until its transaction ends; inserts into other months never need it.
CLUSTER_PARTITION = "CLUSTER {partition} USING {index}"
# The highest id (the primary key's index, one probe): the trigger numbers events from one
# sequence, so a row that arrives after the partition was laid out has a higher id.
PARTITION_LAST_ID = "SELECT max(id) FROM {partition}"
PARTITION_TALLY = "SELECT count(*), max(id) FROM {partition}"
# The month will not change again: freeze it once now (no anti-wraparound vacuum rewrites it
# later), set its visibility map (index-only scans skip the heap), and ANALYZE, because the
# planner's idea of the physical order (correlation) is now wrong. Not in a transaction.
VACUUM_PARTITION = "VACUUM (FREEZE, ANALYZE) {partition}"
LOCK_TIMEOUT = "SELECT set_config('lock_timeout', %(timeout)s, true)"


def on_partition(statement: str, *, partition: str, index: str = "") -> str:
    """`statement` with the partition's (and index's) names quoted in: identifiers cannot go
    in params. Both come from the catalogue (CLOSED_PARTITIONS), never from a caller."""
    quote = connection.ops.quote_name
    return statement.format(partition=quote(partition), index=quote(index) if index else "")


# --- Collection events built by PostgreSQL (services.collection_record) ---------------------
# A collection event's content is every stored field of each new record: stored per model as
# {"<model>": {"fields": [names], "rows": {"<pk>": [values]}}}, read as {"type:id": {"field":
# [null, value]}} (AuditEvent.from_db). PostgreSQL reads it from the rows just written, so
# Python never builds, encodes or ships it (some 200 KB for a 500-seizure sync, where the
# per-record form was 450 KB). Each value is written as `services.jsonable` writes the
# field's Python value (tests/audit/test_collection.py holds them equal, digit for digit):
# times in UTC to the millisecond with "Z" (DjangoJSONEncoder), floats as their shortest
# exact text with ".0" when whole (Python's repr), points from their own doubles.
#
# The content is written as JSON text and stored as that text (`content json`, migration
# 0005): for 500 seizures building it takes about 4 ms where nesting jsonb_build_object/
# jsonb_build_array per field took 17 ms, and it is never parsed into jsonb on the way in
# (EXPLAIN ANALYZE, docs/BENCHMARKS.md). Every value expression is NULL for a NULL column, and
# the row then says null.

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
    """The SQL expression of one field's JSON text, as text or json (NULL for a NULL column).
    concat() writes a json value out as its text, so to_json(...) needs no ::text (a copy
    fewer per value)."""
    kind = field.get_internal_type()
    if kind == "FloatField":
        return _FLOAT.format(c=column)
    if kind == "DateTimeField":
        return _TIME.format(c=column)
    if kind == "DateField":
        return f"('\"' || to_char({column}, 'YYYY-MM-DD') || '\"')"
    if kind == "DecimalField":  # DjangoJSONEncoder writes a Decimal as its text
        return f"to_json({column}::text)"
    if kind == "PointField":
        x, y = (_FLOAT.format(c=f"ST_{axis}({column})") for axis in "XY")
        return _POINT.format(c=column, x=x, y=y)
    if kind == "MultiPointField":
        x, y = (_FLOAT.format(c=f"ST_{axis}(d.geom)") for axis in "XY")
        return _MULTIPOINT.format(c=column, x=x, y=y)
    if getattr(field, "geom_type", None) or kind in ("DurationField", "TimeField", "BinaryField"):
        raise ValueError(f"No SQL form of a {kind} for a collection event; add one to audit/sql.py.")
    # text, numbers, booleans, uuids, foreign keys, json, arrays, file names
    return f"to_json({column})"


def collection_content_sql(model, index: int) -> str:
    """SELECT of `body`, the member `"<model_name>": {"fields": [...], "rows": {"<pk>": [value,
    ...], ...}}` for the stored rows of `model` named in `named.records` with the prefix
    %(key_<index>)s, as JSON text (NULL if none), and `found`, how many rows. Each row is its
    values in the order of `fields` (as `services.jsonable` writes them): the names are written
    once per model, not once per record as `{"field": [null, value]}` would (three quarters of
    a 500-seizure collection's text was those names and pairs). Readers get the per-record form
    back (`models.AuditEvent.from_db`). Names and columns come from the model; values go in params."""
    quote = connection.ops.quote_name
    # In jsonb's key order (attnames are ASCII identifiers: no escaping, bytes = characters), the
    # order a reader's per-record form has them in.
    fields = sorted(model._meta.concrete_fields, key=lambda field: (len(field.attname), field.attname))
    values = ", ', ', ".join(f"coalesce({_value(field, f't.{quote(field.column)}')}, 'null')" for field in fields)
    row = f"concat(to_json(t.{quote(model._meta.pk.column)}::text), ': [', {values}, ']')"  # one concat, no copies
    names = ", ".join(f'"{field.attname}"' for field in fields)
    head = f'"{model._meta.model_name}": {{"fields": [{names}], "rows": {{'
    table, pk, pk_type = quote(model._meta.db_table), quote(model._meta.pk.column), model._meta.pk.db_type(connection)
    key = f"%(key_{index})s"
    # Each key probes the primary key: LIMIT 1 keeps the subquery from being flattened into a
    # join the planner may answer with a scan of the table, as it did for `pk = ANY(...)` (a Seq
    # Scan of 70,000 seizures to find 500); the probes cost the same at any table size. The
    # rows come in the order of the sorted keys the probes follow, which an ORDER BY in
    # string_agg would sort again with their text (0.3 ms for 500 seizures); nothing relies on
    # that order (the hash is over the text as stored, readers go through jsonb). No rows: the
    # string_agg is NULL, and so is the body.
    return (
        f"SELECT '{head}' || string_agg({row}, ', ') || '}}}}' AS body, "  # noqa: S608
        "count(*) AS found "
        f"FROM (SELECT DISTINCT substr(k.key, length({key}) + 1)::{pk_type} AS id "
        f"FROM named, unnest(named.records) AS k(key) WHERE starts_with(k.key, {key}) ORDER BY 1) AS k "
        f"CROSS JOIN LATERAL (SELECT * FROM {table} AS r WHERE r.{pk} = k.id LIMIT 1) AS t"
    )


# The event's columns, each given as the param of its name by services.collection_record
# (`records` as one text, the keys separated by spaces: psycopg quotes a list's elements one
# by one in Python, 1.4 ms for a 500-seizure collection's keys and ids, where one string costs
# nothing, and the ids are read from the keys); `content` is the text above, one sub-select
# per model. The INSERT trigger sets the rest.
COLLECTION_COLUMNS = (
    "actor_id",
    "actor_username",
    "actor_role",
    "client_kind",
    "client_ref",
    "ip",
    "user_agent",
    "request_id",
    "action",
    "endpoint",
    "records",
    "purpose",
)
_VALUES = {"ip": "%(ip)s::inet", "records": "named.records"}


@cache
def collection_insert_sql(models: tuple) -> str:
    """INSERT of one collection event for rows of `models` (params: each of COLLECTION_COLUMNS
    by name, and key_<i>, the i-th model's key prefix); returns its id and how many records
    its content holds. The content goes into `content` (json) as the text built here:
    PostgreSQL checks that it is JSON but never parses it into jsonb, and the trigger hashes
    that text as it is (migration 0005)."""
    columns = ", ".join(COLLECTION_COLUMNS)
    values = ", ".join(_VALUES.get(column, f"%({column})s") for column in COLLECTION_COLUMNS)
    parts = [f"({collection_content_sql(model, index)}) AS m{index}" for index, model in enumerate(models)]
    bodies = ", ".join(f"m{index}.body" for index in range(len(models)))
    found = " + ".join(f"m{index}.found" for index in range(len(models)))
    return (
        "WITH named AS (SELECT string_to_array(%(records)s, ' ')::varchar(80)[] AS records), "  # noqa: S608 - names from the models
        f"made AS (SELECT '{{' || concat_ws(', ', {bodies}) || '}}' AS content, {found} AS found "
        f"FROM {', '.join(parts)}) "
        f"INSERT INTO audit_event ({columns}, content) SELECT {values}, made.content::json FROM named, made "
        "RETURNING id, (SELECT found FROM made)"
    )
