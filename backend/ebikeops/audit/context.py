"""Who is asking, from where: the request context every audit event carries.

`AuditMiddleware` captures it for each request (IP, user agent, request id, token or
session) and makes it current, so a service deep below a view records its event without the
request being passed down. Commands and tasks make their own with `command_context()`.
"""

import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .models import ClientKind

REQUEST_ID_HEADER = "X-Request-ID"
PURPOSE_HEADER = "X-Purpose"
PURPOSE_MAX_LENGTH = 500
USER_AGENT_MAX_LENGTH = 500
# A caller's request id is kept if it looks like one (a proxy's, a client's); else we make one.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_IP = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")


def fingerprint(secret: str) -> str:
    """An identifier for a token or session that cannot be turned back into it."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass
class AuditContext:
    """Where an event comes from. `request` (the Django request, if any) is read when the
    event is recorded, because DRF authenticates a token only once the view runs."""

    client_kind: str
    request_id: str
    endpoint: str = ""
    ip: str | None = None
    user_agent: str = ""
    purpose: str = ""
    client_ref: str = ""
    user: Any = None
    request: Any = field(default=None, repr=False)
    # What a view tells the consultation event (see `audit_note`).
    note: dict[str, Any] = field(default_factory=dict)

    def actor(self) -> Any:
        if self.request is not None:
            user = getattr(self.request, "user", None)
            return user if user is not None and user.is_authenticated else None
        return self.user

    def client(self) -> tuple[str, str]:
        """(client kind, fingerprint) for the event: token or session, decided as DRF does
        (a token header is tried first)."""
        if self.request is None:
            return self.client_kind, self.client_ref
        authorization = self.request.META.get("HTTP_AUTHORIZATION", "")
        if authorization.startswith("Token "):
            return ClientKind.TOKEN, fingerprint(authorization[6:].strip())
        session_key = getattr(getattr(self.request, "session", None), "session_key", None)
        return ClientKind.SESSION, fingerprint(session_key) if session_key else ""


_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current_context() -> AuditContext | None:
    return _current.get()


def client_ip(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or, behind a proxy named in AUDIT_PROXY_IP_HEADER
    (e.g. X-Forwarded-For), the address that proxy saw (the header's last entry; the entries
    before it are the client's own claims)."""
    header = settings.AUDIT_PROXY_IP_HEADER
    if header:
        forwarded = [part.strip() for part in request.headers.get(header, "").split(",") if part.strip()]
        if forwarded and _IP.match(forwarded[-1]):
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR") or None


def request_context(request) -> AuditContext:
    """The context of one HTTP request (the middleware calls this)."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    return AuditContext(
        client_kind=ClientKind.SESSION,
        request_id=request_id,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:USER_AGENT_MAX_LENGTH],
        purpose=request.headers.get(PURPOSE_HEADER, "").strip()[:PURPOSE_MAX_LENGTH],
        request=request,
    )


@contextmanager
def use_context(context: AuditContext) -> Iterator[AuditContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


@contextmanager
def command_context(name: str, *, user: Any = None, purpose: str = "") -> Iterator[AuditContext]:
    """The context for a management command or task: events name the command as endpoint
    and, where given, the user who ran it."""
    context = AuditContext(
        client_kind=ClientKind.COMMAND, request_id=uuid.uuid4().hex, endpoint=name, user=user, purpose=purpose
    )
    with use_context(context):
        yield context


def audit_note(
    request,
    *,
    records: list[str] | None = None,
    count: int | None = None,
    filters: dict[str, Any] | None = None,
    action: str | None = None,
) -> None:
    """Tell the request's consultation event what the view read, where the middleware cannot
    see it in the response (streamed exports, tiles, layers built in SQL). `request` may be
    DRF's or Django's. One event per request: later notes update earlier ones."""
    django_request = getattr(request, "_request", request)
    context = getattr(django_request, "audit_context", None)
    if context is None:
        return
    for key, value in (("records", records), ("count", count), ("filters", filters), ("action", action)):
        if value is not None:
            context.note[key] = value
