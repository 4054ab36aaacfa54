"""Stored answers, so that a retried request (an `Idempotency-Key` POST or a sync batch item)
answers the same and changes nothing. Claimed with a transaction-level advisory lock, so
"claim the key in the same transaction as the work" needs nothing else.

Times are aware datetimes; `now` is passed in by the caller (the server's clock).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from . import sql
from .models import IdempotencyKey, User


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False)


def fingerprint(value: Any) -> str:
    """SHA-256 (hex) of `value`'s canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def _lock_id(*, user_id: int, scope: str, key: str) -> int:
    """A signed 64-bit advisory-lock id for one user's key. A collision between two keys
    only makes one of them wait (or get a 409); it never mixes up their answers."""
    digest = hashlib.sha256(f"{scope}\x00{user_id}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def idempotency_lock(*, user: User, scope: str, key: str, wait: bool) -> bool:
    """Hold the advisory lock of (`user`, `scope`, `key`) until the current transaction ends.

    With `wait`, block until it is free and return True; without, return False at once when
    another transaction holds it. Must run inside `transaction.atomic()`.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_lock() needs a transaction to hold the lock for.")
    statement = sql.ADVISORY_XACT_LOCK if wait else sql.TRY_ADVISORY_XACT_LOCK
    with connection.cursor() as cursor:
        cursor.execute(statement, [_lock_id(user_id=user.pk, scope=scope, key=key)])
        row = cursor.fetchone()
    return True if wait else bool(row[0])


def idempotency_locks(*, user: User, scope: str, keys: Iterable[str]) -> None:
    """`idempotency_lock(wait=True)` for many keys in one round trip, taken in lock-id order
    so that transactions wanting overlapping keys cannot deadlock on them. Held until the
    current transaction ends; must run inside `transaction.atomic()`."""
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_locks() needs a transaction to hold the locks for.")
    ids = sorted({_lock_id(user_id=user.pk, scope=scope, key=key) for key in keys})
    with connection.cursor() as cursor:
        cursor.execute(sql.ADVISORY_XACT_LOCKS, [ids])


def idempotency_keys_get(*, user: User, scope: str, keys: Iterable[str], now: datetime) -> dict[str, IdempotencyKey]:
    """The unexpired stored answers among `keys`, by key. One query (sql.IDEMPOTENCY_KEYS_GET)."""
    params = {"keys": sorted(set(keys)), "user_id": user.pk, "scope": scope, "now": now}
    return {stored.key: stored for stored in IdempotencyKey.objects.raw(sql.IDEMPOTENCY_KEYS_GET, params)}


def idempotency_keys_store(
    *, user: User, scope: str, answers: Sequence[tuple[str, str, int, str]], now: datetime
) -> None:
    """`idempotency_key_store` for many (key, request fingerprint, status, body) at once, with
    no headers: one INSERT ... ON CONFLICT that replaces expired answers under the same keys
    (sql.IDEMPOTENCY_KEYS_STORE). The keys must differ from one another."""
    rows = [
        {"key": key, "fingerprint": request_fingerprint, "status": status, "body": body}
        for key, request_fingerprint, status, body in answers
    ]
    params = {
        "user_id": user.pk,
        "scope": scope,
        "now": now,
        "expires_at": now + timedelta(days=settings.IDEMPOTENCY_KEY_RETENTION_DAYS),
        "answers": orjson.dumps(rows).decode(),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql.IDEMPOTENCY_KEYS_STORE, params)


def idempotency_key_get(*, user: User, scope: str, key: str, now: datetime) -> IdempotencyKey | None:
    """The unexpired stored answer for (`user`, `scope`, `key`), or None."""
    return IdempotencyKey.objects.filter(user=user, scope=scope, key=key, expires_at__gt=now).first()


def idempotency_key_store(
    *,
    user: User,
    scope: str,
    key: str,
    request_fingerprint: str,
    status: int,
    body: str,
    headers: Mapping[str, str],
    now: datetime,
) -> IdempotencyKey:
    """Store the answer to a request for IDEMPOTENCY_KEY_RETENTION_DAYS (replacing an
    expired answer under the same key). Call in the transaction that did the work."""
    expires_at = now + timedelta(days=settings.IDEMPOTENCY_KEY_RETENTION_DAYS)
    stored, _ = IdempotencyKey.objects.update_or_create(
        user=user,
        scope=scope,
        key=key,
        defaults={
            "fingerprint": request_fingerprint,
            "response_status": status,
            "response_body": body,
            "response_headers": dict(headers),
            "created_at": now,
            "expires_at": expires_at,
        },
    )
    return stored


@transaction.atomic
def idempotency_keys_purge(*, now: datetime) -> int:
    """Delete expired stored answers; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    return deleted
