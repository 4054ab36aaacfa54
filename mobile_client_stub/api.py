"""The published HTTP API, as the officer's app sees it (httpx; nothing from the server's code).

An answer counts as the API's only when it looks like the API: a JSON (or problem+json)
body that parses. Anything else (a hotel Wi-Fi sign-in page, a proxy's 404, a load
balancer's HTML 502, a redirect) is a transport failure: it is retried later and never
marks a queued record as refused.
"""

import email.utils
from datetime import UTC, datetime
from typing import Any

import httpx

USER_AGENT = "ebikeops-mobile-client-stub/2.0"
API_CONTENT_TYPES = ("application/json", "application/problem+json", "application/geo+json")
# Statuses that say "try again later" even when the API itself gives them.
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 300.0  # a server asking for longer is asked again on the next sync


class ApiError(Exception):
    """The API answered and refused: sending the same request again will not help."""

    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body
        super().__init__(f"HTTP {status}: {problem_text(body)}")


class LoginNeeded(ApiError):
    """401 from the API: the token has expired or was revoked. Nothing queued is touched."""


class Transient(Exception):
    """No answer, an answer that is not the API's, or one that says "try again later"."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def problem_text(body: Any) -> str:
    """One line from a problem document: its detail, then each field's messages."""
    if not isinstance(body, dict):
        return str(body)[:200]
    parts = [str(body.get("detail") or body.get("title") or "")]
    for field, messages in (body.get("errors") or {}).items():
        text = " ".join(messages) if isinstance(messages, list) else str(messages)
        parts.append(f"{field}: {text}")
    return " ".join(p for p in parts if p) or str(body)[:200]


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After as seconds (RFC 9110: delay-seconds or an HTTP date), capped."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def api_body(response: httpx.Response) -> Any | None:
    """The parsed body when the answer is the API's (JSON content type and valid JSON)."""
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in API_CONTENT_TYPES:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def describe_foreign(response: httpx.Response) -> str:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    hint = ""
    if response.is_redirect:
        hint = f" (redirected to {response.headers.get('Location', '?')}: a Wi-Fi sign-in page?)"
    elif "html" in content_type:
        hint = " (a Wi-Fi sign-in page or a proxy?)"
    return f"HTTP {response.status_code} from something that is not the API, {content_type}{hint}"


class Api:
    def __init__(self, server: str, token: str | None, *, timeout: float = 10.0, transport=None):
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json, application/problem+json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        self.client = httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Send one request. Raises Transient for no answer, a foreign answer or a retryable
        status; LoginNeeded for 401; ApiError for any other refusal; returns the response."""
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TransportError as exc:  # connect/read/write errors, timeouts, cut connections
            raise Transient(f"no connection ({type(exc).__name__})") from exc
        body = api_body(response)
        wait = retry_after(response)
        if body is None:
            # Not the API. Even 503/429 from a proxy: honour its Retry-After, keep everything.
            raise Transient(describe_foreign(response), retry_after=wait)
        # 409 is "try again" only while the first request with the same Idempotency-Key is
        # still being processed (it carries Retry-After); otherwise it is a lasting conflict,
        # such as a photo id already used for other bytes.
        in_flight = response.status_code == 409 and "Retry-After" in response.headers
        if response.status_code in RETRYABLE_STATUSES or in_flight:
            raise Transient(f"HTTP {response.status_code}: {problem_text(body)}", retry_after=wait)
        if response.status_code == 401:
            raise LoginNeeded(401, body)
        if response.status_code >= 400:
            raise ApiError(response.status_code, body)
        return response

    def info(self) -> dict[str, Any]:
        return self.request("GET", "/api/v1/sync/").json()

    def sync(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        answer = self.request("POST", "/api/v1/sync/", json={"items": items}).json()
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(items):
            raise Transient("an answer without one result per item (not the sync API?)")
        return answer

    def upload_photo(self, *, seizure_id: str, photo_id: str, filename: str, content_type: str, content: bytes):
        response = self.request(
            "POST",
            f"/api/v1/seizures/{seizure_id}/photos/",
            data={"id": photo_id},
            files={"file": (filename, content, content_type)},
        )
        return response.json()

    def operation(self, operation_id: str) -> tuple[dict[str, Any], int]:
        """An operation's Feature and its version (from the ETag)."""
        response = self.request("GET", f"/api/v1/operations/{operation_id}/")
        etag = response.headers.get("ETag", "").strip('W/"')
        feature = response.json()
        version = int(etag) if etag.isdigit() else int(feature["properties"]["version"])
        return feature, version

    def suggestions(self, *, lon: float, lat: float, radius_m: float, at: str | None = None, hours: int | None = None):
        params = {"lon": lon, "lat": lat, "radius_m": radius_m, "at": at, "hours": hours}
        params = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", "/api/v1/suggestions/", params=params).json()

    def bundle(self, **params: Any) -> dict[str, Any]:
        """The next shift's suggestions, compact, to keep for when there is no signal."""
        params = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", "/api/v1/suggestions/bundle/", params=params).json()
