"""The audit app's SQL: the chain walk and partition upkeep. Values only ever go in params.

The digest function, the triggers and `audit_event_partition_ensure` live in the database
(migrations/0001); these statements call them.
"""

# One batch of the chain walk: the first row in ids (after, after + size] whose content does
# not match its hash or whose prev_hash does not match the hash of the row before it, and the
# batch's last id and hash to carry into the next batch. The LIMIT sits below the window so
# that only this batch's rows are digested.
CHAIN_BATCH = """
WITH raw AS (
    SELECT * FROM audit_event WHERE id > %(after)s ORDER BY id LIMIT %(size)s
), batch AS (
    SELECT id, prev_hash, hash,
           audit_event_digest(to_jsonb(raw)) AS digest,
           coalesce(lag(hash) OVER (ORDER BY id), %(carry)s) AS expected_prev,
           coalesce(lag(id) OVER (ORDER BY id), %(after)s) AS id_before
    FROM raw
), tail AS (
    SELECT id, hash FROM batch ORDER BY id DESC LIMIT 1
)
SELECT (SELECT count(*) FROM batch) AS rows,
       (SELECT id FROM tail) AS last_id,
       (SELECT hash FROM tail) AS last_hash,
       bad.id, bad.id_before, bad.digest <> bad.hash AS altered, bad.prev_hash <> bad.expected_prev AS unlinked
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT * FROM batch WHERE digest <> hash OR prev_hash <> expected_prev ORDER BY id LIMIT 1
) AS bad ON true
"""

CHAIN_HEAD = "SELECT last_id, hash FROM audit_chain_head WHERE id = 1"

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
