"""Core raw SQL: PostgreSQL advisory locks, which the ORM does not expose; the API token lookup.

A transaction-level advisory lock is held until the transaction ends, so "claim the key in
the same transaction as the work" needs nothing else: a second request with the same key
either waits for the first (batch items) or is refused at once (HTTP Idempotency-Key).
"""

from django.db import connection

# Waits until the lock is free; released at commit or rollback.
ADVISORY_XACT_LOCK = "SELECT pg_advisory_xact_lock(%s)"
# Returns false at once when another transaction holds the lock.
TRY_ADVISORY_XACT_LOCK = "SELECT pg_try_advisory_xact_lock(%s)"
# A list's page and its total (ebikeops.core.statements): `rows` is the ORM's own compiled
# SELECT (its values in params); LIMIT and OFFSET are parameters too.
PAGE_OF = "{rows} LIMIT %s OFFSET %s"
COUNT_ROWS_OF = "SELECT COUNT(*) FROM ({rows}) AS counted"

# Many locks, waiting for each, in the order given (callers sort the ids, so that two
# transactions wanting overlapping sets always take them in the same order: no deadlock).
ADVISORY_XACT_LOCKS = "SELECT count(pg_advisory_xact_lock(id)) FROM unnest(%s::bigint[]) AS id"

# Many stored answers (idempotency_keys_store) in one statement: the rows as one JSON array
# of {key, fingerprint, status, body}, which orjson writes and psycopg quotes once (an ORM
# bulk_create of 100 answers cost ~10 ms of CPU building instances and 900 placeholders).
# An answer already stored under the same key (an expired one) is replaced.
IDEMPOTENCY_KEYS_STORE = """INSERT INTO sync_idempotencykey
    (user_id, scope, key, fingerprint, response_status, response_body, response_headers, created_at, expires_at)
SELECT %(user_id)s, %(scope)s, r.key, r.fingerprint, r.status, r.body, '{}'::jsonb, %(now)s, %(expires_at)s
FROM json_to_recordset(%(answers)s::json) AS r(key text, fingerprint text, status smallint, body text)
ON CONFLICT (user_id, scope, key) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint,
    response_status = EXCLUDED.response_status,
    response_body = EXCLUDED.response_body,
    response_headers = EXCLUDED.response_headers,
    created_at = EXCLUDED.created_at,
    expires_at = EXCLUDED.expires_at
"""

# The unexpired stored answers among many keys of one user (idempotency_keys_get). One index
# probe per key, whatever the planner believes: with `key IN (...)` and statistics that lag
# a fast-growing table (a fresh database under sync load), PostgreSQL read every answer the
# user has stored and filtered them (30,000 answers: 264 ms a batch, against 1 ms).
IDEMPOTENCY_KEYS_GET = """SELECT i.* FROM unnest(%(keys)s::text[]) AS k(key)
CROSS JOIN LATERAL (
    SELECT * FROM sync_idempotencykey s
    WHERE s.user_id = %(user_id)s AND s.scope = %(scope)s AND s.key = k.key AND s.expires_at > %(now)s
    LIMIT 1
) AS i"""


def token_with_user_sql(token_model, user_model) -> str:
    """The API tokens whose key (first characters) is %s, each with its user's columns, in one
    statement (ebikeops.core.tokens). Built once from the models' own tables and columns
    (names only, never values): the ORM compiled the same join for every request."""
    quote = connection.ops.quote_name
    user_fk = token_model._meta.get_field("user").column
    selected = [f"t.{quote(f.column)}" for f in token_model._meta.concrete_fields]
    selected += [f"u.{quote(f.column)}" for f in user_model._meta.concrete_fields]
    return (
        f"SELECT {', '.join(selected)} FROM {quote(token_model._meta.db_table)} t "  # noqa: S608 - names, not values
        f"JOIN {quote(user_model._meta.db_table)} u ON u.{quote(user_model._meta.pk.column)} = t.{quote(user_fk)} "
        f"WHERE t.{quote('token_key')} = %s"
    )
