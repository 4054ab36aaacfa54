"""Core raw SQL: PostgreSQL advisory locks, which the ORM does not expose.

A transaction-level advisory lock is held until the transaction ends, so "claim the key in
the same transaction as the work" needs nothing else: a second request with the same key
either waits for the first (batch items) or is refused at once (HTTP Idempotency-Key).
"""

# Waits until the lock is free; released at commit or rollback.
ADVISORY_XACT_LOCK = "SELECT pg_advisory_xact_lock(%s)"
# Returns false at once when another transaction holds the lock.
TRY_ADVISORY_XACT_LOCK = "SELECT pg_try_advisory_xact_lock(%s)"
