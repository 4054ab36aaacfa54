"""The published HTTP API, as the officer's app sees it (httpx; nothing from the server's code)."""

from typing import Any

import httpx

USER_AGENT = "ebikeops-mobile-client-stub/1.0"


class ApiError(Exception):
    """The server answered, and refused: retrying the same request will not help."""

    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body
        detail = body.get("detail") if isinstance(body, dict) else None
        super().__init__(f"HTTP {status}: {detail or body}")


class Transient(Exception):
    """No answer, or an answer that says "try again later" (5xx, 429, 409 in flight)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


class Api:
    def __init__(self, server: str, token: str | None, *, timeout: float = 10.0, transport=None):
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        self.client = httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Send one request. Raises Transient for no answer or a retryable status, ApiError
        for any other 4xx/5xx; returns the response otherwise."""
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TransportError as exc:  # connect/read/write errors, timeouts, cut connections
            raise Transient(f"{type(exc).__name__}: {exc or 'connection failed'}") from exc
        # 409 is "try again" only while the first request with the same Idempotency-Key is
        # still being processed (it carries Retry-After); otherwise it is a lasting conflict,
        # such as a photo id already used for other bytes.
        in_flight = response.status_code == 409 and "Retry-After" in response.headers
        if response.status_code in RETRYABLE_STATUSES or in_flight:
            raise Transient(f"HTTP {response.status_code}", retry_after=_retry_after(response))
        if response.status_code >= 400:
            raise ApiError(response.status_code, _body(response))
        return response

    def info(self) -> dict[str, Any]:
        return self.request("GET", "/api/v1/sync/").json()

    def sync(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        return self.request("POST", "/api/v1/sync/", json={"items": items}).json()

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
        etag = response.headers.get("ETag", "").strip('"')
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
