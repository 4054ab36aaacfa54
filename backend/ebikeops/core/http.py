"""HTTP preconditions and idempotency, shared by every endpoint that writes a versioned record.

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
from rest_framework import exceptions, status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .errors import PayloadTooLarge
from .idempotency import fingerprint, idempotency_key_get, idempotency_key_store, idempotency_lock
from .models import IdempotencyScope
from .problems import problem_response

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
STORED_HEADERS = ("Location", "ETag")
_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')  # visible ASCII, optionally quoted (sf-string)
_ETAG = re.compile(r'^"(\d{1,10})"$|^(\d{1,10})$')

KEY_MALFORMED = "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is ideal)."
KEY_REUSED = "This Idempotency-Key was already used for a different request. Use a new key for a new request."
KEY_IN_FLIGHT = "A request with this Idempotency-Key is still being processed; retry shortly."
IF_MATCH_REQUIRED = (
    'Send If-Match with the ETag you last read (e.g. If-Match: "3") so a stale change cannot overwrite someone else\'s.'
)
IF_MATCH_MALFORMED = 'If-Match must be an ETag as sent by this API (e.g. "3") or *.'
PRECONDITION_FAILED = "This {type} has changed since you read it: it is now at version {version}."
BODY_TOO_LARGE = "The request body is {size} bytes; this endpoint accepts at most {limit}."


class KeyInFlight(exceptions.APIException):
    """409: an earlier request with the same Idempotency-Key is still being processed."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = KEY_IN_FLIGHT
    default_code = "idempotency_key_in_flight"
    wait = 1  # DRF turns `wait` into a Retry-After header


class PreconditionRequired(exceptions.APIException):
    """428: a change to a versioned record must say which version it was based on."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = IF_MATCH_REQUIRED
    default_code = "precondition_required"


def refuse_large_body(request: Request, limit: int) -> None:
    """Raise PayloadTooLarge (413) before parsing a body whose Content-Length exceeds `limit`."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise PayloadTooLarge(BODY_TOO_LARGE.format(size=length, limit=limit))


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
            raise PreconditionRequired(IF_MATCH_REQUIRED)
        return None
    if raw.strip() == "*":
        return None
    versions = []
    for part in raw.split(","):
        match = _ETAG.match(part.strip())
        if match is None:
            raise ValidationError({"If-Match": [IF_MATCH_MALFORMED]})
        versions.append(int(match.group(1) or match.group(2)))
    return versions


def expected_version(request: Request, current: int, *, required: bool) -> int | None:
    """The version the client based its change on, from If-Match: the current one if If-Match
    names it, else the first named (which then fails the service's check). None means "any
    version" (`If-Match: *`, or no header where it is optional)."""
    versions = if_match_versions(request, required=required)
    if versions is None:
        return None
    return current if current in versions else versions[0]


def precondition_failed(*, record_type: str, version: int, current: dict) -> Response:
    """412 with the record's current state and ETag, for the client to merge and retry."""
    response = problem_response(
        412,
        "Precondition Failed",
        PRECONDITION_FAILED.format(type=record_type, version=version),
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
        raise ValidationError({IDEMPOTENCY_HEADER: [KEY_MALFORMED]})
    return match.group(1)


def _replay(stored) -> Response:
    replay = Response(json.loads(stored.response_body) if stored.response_body else None, status=stored.response_status)
    for name, value in stored.response_headers.items():
        replay[name] = value
    replay[REPLAYED_HEADER] = "true"
    return replay


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
            raise KeyInFlight()
        stored = idempotency_key_get(user=request.user, scope=scope, key=key, now=now)
        if stored is not None:
            if stored.fingerprint != request_fingerprint:
                return problem_response(422, "Idempotency key reused", KEY_REUSED)
            return _replay(stored)
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
