"""The audit app's SQL: the chains' walk, their heads and partition upkeep. Values only ever
go in params.

The digest function, the triggers and `audit_event_partition_ensure` live in the database
(migrations 0001 and 0002); these statements call them.
"""

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
