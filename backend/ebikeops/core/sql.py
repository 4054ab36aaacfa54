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
# Many locks, waiting for each, in the order given (callers sort the ids, so that two
# transactions wanting overlapping sets always take them in the same order: no deadlock).
ADVISORY_XACT_LOCKS = "SELECT count(pg_advisory_xact_lock(id)) FROM unnest(%s::bigint[]) AS id"


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
