"""Conditional GET for summaries, exports and tiles.

The entity tag is derived from the data version (models.DataVersion: bumped at every commit
that changed operations, seizures, arrests or boroughs), the request's path and query, and
whatever else picks the representation (CSV or JSON, the role's sensitive fields, the
rolling window's end). Reading it costs one primary-key read, so a client polling with
If-None-Match is answered 304 without running the query it polls. Last-Modified is the
time of the latest change; it has one-second resolution, so the ETag is the validator to
rely on (If-None-Match takes precedence, RFC 9110 13.2.2).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from .. import selectors

# Bump when an endpoint's output changes for the same data (a new column, say), so that
# clients holding an old ETag get the new representation.
REPRESENTATION_VERSION = "1"

REVALIDATE = "private, no-cache"  # store, but ask every time (304s are cheap)
VARY = ("Accept", "Authorization", "Cookie")


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime | None
    cache_control: str = REVALIDATE

    def apply(self, response: HttpResponseBase) -> HttpResponseBase:
        response["ETag"] = self.etag
        if self.last_modified is not None:
            response["Last-Modified"] = http_date(self.last_modified.timestamp())
        response["Cache-Control"] = self.cache_control
        patch_vary_headers(response, VARY)
        return response


def _canonical_query(request) -> str:
    pairs = sorted((key, value) for key in request.GET for value in request.GET.getlist(key))
    return "&".join(f"{key}={value}" for key, value in pairs)


def validators(
    request,
    *,
    variant: Sequence[object] = (),
    cache_control: str = REVALIDATE,
    state: tuple[object, datetime | None] | None = None,
) -> Validators:
    """The ETag and Last-Modified of what this request would get now: from the data version
    (one query), or from `state` (what the answer depends on, and when that last changed:
    a hotspot run, say) when given."""
    version, changed_at = state if state is not None else selectors.data_version()
    parts = (
        REPRESENTATION_VERSION,
        version,
        changed_at.isoformat() if changed_at else "",
        request.path,
        _canonical_query(request),
        *variant,
    )
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return Validators(etag=f'"{digest}"', last_modified=changed_at, cache_control=cache_control)


def not_modified(request, current: Validators) -> HttpResponseBase | None:
    """304 (carrying the validators) when the request's If-None-Match / If-Modified-Since
    still hold, 412 when its If-Match fails; None when the full answer is due."""
    probe = current.apply(HttpResponse())
    last_modified = int(current.last_modified.timestamp()) if current.last_modified else None
    response = get_conditional_response(request, etag=current.etag, last_modified=last_modified, response=probe)
    return None if response is probe else response
