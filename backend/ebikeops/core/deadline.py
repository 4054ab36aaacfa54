"""When a request arrived, how long it may run, and whether its client is still there.

The arrival time comes from `X-Request-Start` (set by the proxy, or by gunicorn's worker in
config/gunicorn_worker.py), in the `t=<seconds since the epoch>` form nginx writes with
`t=${msec}`; milli- and microsecond forms are accepted too. Work for a request stops when
its deadline passes or its client has closed the connection: nobody would read the answer.
"""

import logging
import socket
import time
from dataclasses import dataclass

from rest_framework import status
from rest_framework.exceptions import APIException

from . import messages

logger = logging.getLogger(__name__)


def request_started_at(meta: dict, *, now: float) -> float | None:
    """The arrival time (unix seconds) from X-Request-Start, or None when absent or absurd
    (unparseable, in the future, or more than a day ago)."""
    raw = meta.get("HTTP_X_REQUEST_START")
    if not raw:
        return None
    text = raw.strip().removeprefix("t=")
    try:
        value = float(text)
    except ValueError:
        return None
    for scale in (1.0, 1e3, 1e6):  # seconds, milliseconds, microseconds
        started = value / scale
        if now - 86_400 < started <= now + 1:
            return started
    return None


def client_gone(sock: socket.socket | None) -> bool:
    """Whether the peer has closed (or reset) this connection. Never blocks: a connection with
    nothing to read is a client still waiting for its answer."""
    if sock is None:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True


class Unavailable(APIException):
    """503 with Retry-After: this server will not (or cannot) do the work now; try later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = messages.OVERLOADED
    default_code = "unavailable"

    def __init__(self, detail: str | None = None, *, retry_after_s: int):
        super().__init__(detail)
        self.wait = retry_after_s  # DRF's exception handler turns `wait` into Retry-After


class ClientGone(Unavailable):
    """The client closed the connection: the work stops (the answer reaches nobody)."""

    default_detail = messages.CLIENT_GONE


@dataclass
class Deadline:
    """The time budget of one request, checked before each database query."""

    started_at: float  # unix seconds
    budget_s: float
    retry_after_s: int
    sock: socket.socket | None = None

    @property
    def expires_at(self) -> float:
        return self.started_at + self.budget_s

    def check(self) -> None:
        """Raise Unavailable when the deadline has passed, ClientGone when the client left."""
        if time.time() > self.expires_at:
            raise Unavailable(messages.DEADLINE_PASSED, retry_after_s=self.retry_after_s)
        if client_gone(self.sock):
            logger.warning("Stopped a request: the client closed the connection before its answer was ready")
            raise ClientGone(retry_after_s=self.retry_after_s)

    def before_query(self, execute, sql, params, many, context):
        """A `connection.execute_wrapper`: no query starts for a request past its deadline."""
        self.check()
        return execute(sql, params, many, context)
