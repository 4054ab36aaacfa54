"""Reads that tolerate lag go to the read replica (DATABASES["replica"], when configured).

A replica lags its primary by a little, so only reads whose answers may be seconds old use it:
summaries, map layers, exports and tiles (REPLICA_READ_PATHS). `ReplicaReadsMiddleware` marks
a GET to one of those paths; inside it, the ORM reads from the replica. Writes, and every
other read, stay on the primary. `replica_alias()` names the database a raw-SQL selector
should open its cursor on (`connections[replica_alias()]`).
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_lag_tolerant: ContextVar[bool] = ContextVar("lag_tolerant_reads", default=False)


def replica_alias() -> str:
    """`replica` inside `lag_tolerant_reads()` when one is configured, else `default`."""
    return REPLICA if _lag_tolerant.get() and REPLICA in connections else "default"


@contextlib.contextmanager
def lag_tolerant_reads() -> Iterator[None]:
    token = _lag_tolerant.set(True)
    try:
        yield
    finally:
        _lag_tolerant.reset(token)


class ReplicaRouter:
    """Django database router: lag-tolerant reads to the replica, everything else to default."""

    def db_for_read(self, model, **hints):
        return replica_alias()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadsMiddleware:
    """Marks GET/HEAD requests to REPLICA_READ_PATHS as lag-tolerant."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path.startswith(tuple(settings.REPLICA_READ_PATHS)):
            with lag_tolerant_reads():
                return self.get_response(request)
        return self.get_response(request)
