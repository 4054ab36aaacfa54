"""Django's PostGIS backend (settings.DATABASES' ENGINE), whose per-request health check
(CONN_HEALTH_CHECKS) first looks at the connection instead of asking the server.

Django checks a kept connection before its first use in every request with `SELECT 1`: a
round trip, a statement for the server to parse and run, for each request of every thread.
A connection the server has dropped (a restart, `pg_terminate_backend`, PgBouncer recycling
it, a proxy cutting it) has something to read: the server's FATAL message, or the end of the
stream. So an idle connection whose socket has nothing to read, whose libpq status is OK and
which is in no transaction is usable as it is; any other connection gets Django's `SELECT 1`,
which decides as before. A server that vanishes without closing the socket is not seen by
either check until the next statement fails (503, docs/scaling.md).
"""

import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper
from psycopg import pq

_UNREAD = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


def quietly_idle(connection) -> bool:
    """Whether a psycopg connection is open, idle outside any transaction, and has nothing
    waiting on its socket (no message from the server, no end of stream)."""
    if connection.closed or connection.broken:
        return False
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, _UNREAD)
    return not poller.poll(0)


class DatabaseWrapper(PostGISDatabaseWrapper):
    def is_usable(self):
        if self.connection is not None and quietly_idle(self.connection):
            return True
        return super().is_usable()
