"""HTTP preconditions and idempotency for the single-record endpoints of the operations API.

- ETag is the record's version as a strong entity tag: `ETag: "3"`.
- A PATCH must send `If-Match` with that tag (428 without it); a stale tag gets 412 with the
  record's current state; `If-Match: *` explicitly accepts any version. A DELETE may send
  If-Match and is then checked the same way.
- A POST may send `Idempotency-Key` (IETF httpapi idempotency-key draft): the key is claimed
  in the same transaction as the work; the same key with the same request answers the stored
  response (plus `Idempotent-Replayed: true`); with a different request, 422; while the first
  is still being processed, 409 with Retry-After. Only successful (2xx) answers are stored:
  a request that failed changed nothing, so its retry simply runs again.
"""

import json
import re
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ebikeops.core.problems import problem_response

from . import errors
from .exceptions import KeyInFlight, PreconditionRequired
from .models import IdempotencyScope
from .selectors import idempotency_key_get
from .services import fingerprint, idempotency_key_store, idempotency_lock

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
STORED_HEADERS = ("Location", "ETag")
_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')  # visible ASCII, optionally quoted (sf-string)
_ETAG = re.compile(r'^"(\d{1,10})"$|^(\d{1,10})$')


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag(version)
    return response


def if_match_versions(request: Request, *, required: bool) -> list[int] | None:
    """The versions an If-Match header names; None for `*` (or for an absent optional header).

    Raises PreconditionRequired (428) when `required` and the header is missing, and a
    400 when it is not a list of this API's ETags. Weak tags (W/"3") never match (RFC 9110).
    """
    raw = request.headers.get("If-Match")
    if raw is None:
        if required:
            raise PreconditionRequired(errors.IF_MATCH_REQUIRED)
        return None
    if raw.strip() == "*":
        return None
    versions = []
    for part in raw.split(","):
        match = _ETAG.match(part.strip())
        if match is None:
            raise ValidationError({"If-Match": [errors.IF_MATCH_MALFORMED]})
        versions.append(int(match.group(1) or match.group(2)))
    return versions


def expected_from(versions: list[int] | None, current: int) -> int | None:
    """The version to check against: the current one if If-Match names it, else the
    first named (which then fails the check); None means "any version"."""
    if versions is None:
        return None
    return current if current in versions else versions[0]


def precondition_failed(*, record_type: str, version: int, current: dict) -> Response:
    """412 with the record's current state and ETag, for the client to merge and retry."""
    response = problem_response(
        412,
        "Precondition Failed",
        errors.PRECONDITION_FAILED.format(type=record_type, version=version),
        current_version=version,
        current=current,
    )
    return with_etag(response, version)


def _idempotency_key(request: Request) -> str | None:
    raw = request.headers.get(IDEMPOTENCY_HEADER)
    if raw is None:
        return None
    match = _KEY.match(raw.strip())
    if match is None:
        raise ValidationError({IDEMPOTENCY_HEADER: [errors.KEY_MALFORMED]})
    return match.group(1)


def idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    """Run `handler` (which does the work and returns the response) at most once per
    Idempotency-Key, or simply run it when the request carries no key."""
    key = _idempotency_key(request)
    if key is None:
        return handler()
    now = timezone.now()
    request_fingerprint = fingerprint({"method": request.method, "path": request.path, "body": request.data})
    scope = IdempotencyScope.HTTP
    with transaction.atomic():
        if not idempotency_lock(user=request.user, scope=scope, key=key, wait=False):
            raise KeyInFlight(errors.KEY_IN_FLIGHT)
        stored = idempotency_key_get(user=request.user, scope=scope, key=key, now=now)
        if stored is not None:
            if stored.fingerprint != request_fingerprint:
                return problem_response(422, "Idempotency key reused", errors.KEY_REUSED)
            replay = Response(
                json.loads(stored.response_body) if stored.response_body else None, status=stored.response_status
            )
            for name, value in stored.response_headers.items():
                replay[name] = value
            replay[REPLAYED_HEADER] = "true"
            return replay
        response = handler()
        if 200 <= response.status_code < 300:
            body = (
                ""
                if response.data is None
                else json.dumps(json.loads(JSONRenderer().render(response.data)), separators=(",", ":"))
            )
            idempotency_key_store(
                user=request.user,
                scope=scope,
                key=key,
                request_fingerprint=request_fingerprint,
                status=response.status_code,
                body=body,
                headers={h: response[h] for h in STORED_HEADERS if h in response},
                now=now,
            )
        return response


__all__ = [
    "etag",
    "expected_from",
    "idempotent",
    "if_match_versions",
    "precondition_failed",
    "with_etag",
]
