"""Overload and outage handling for every request (API, pages, tiles).

- A request that waited in the server's queue longer than REQUEST_QUEUE_TIMEOUT_SECONDS is
  answered at once with 503 and Retry-After, before any database work: under a burst the
  server spends its time on requests whose clients are still waiting.
- An admitted request runs no query once REQUEST_DEADLINE_SECONDS have passed since it
  arrived, or once its client has closed the connection (ebikeops.core.deadline).
- While the database is unreachable, every endpoint answers 503 problem+json with
  Retry-After instead of Django's HTML 500; with CONN_HEALTH_CHECKS, the first request
  after the database returns opens a fresh connection and succeeds.
"""

import contextlib
import json
import logging
import sys
import time
from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.views.defaults import server_error as django_server_error

from . import messages
from .deadline import Deadline, Unavailable, request_started_at
from .problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE

logger = logging.getLogger(__name__)

# Connection-level failures: refused, reset, terminated by the server, timed out connecting.
DATABASE_DOWN = (OperationalError, InterfaceError)
TITLE = "Service unavailable"


def unavailable_response(detail: str, *, retry_after_s: int) -> HttpResponse:
    """503 problem details (RFC 9457) with Retry-After, built without touching the database."""
    body = {"type": PROBLEM_BASE + "service-unavailable", "title": TITLE, "status": 503, "detail": detail}
    response = HttpResponse(json.dumps(body), status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(retry_after_s)
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable_response() -> HttpResponse:
    return unavailable_response(messages.DATABASE_UNAVAILABLE, retry_after_s=settings.DATABASE_DOWN_RETRY_AFTER_SECONDS)


class OverloadMiddleware:
    """First in MIDDLEWARE: sheds late requests, sets the deadline, maps outages to 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = time.time()
        started = request_started_at(request.META, now=now)
        if started is not None and now - started > settings.REQUEST_QUEUE_TIMEOUT_SECONDS:
            logger.warning("Shed %s %s after %.2f s in the queue", request.method, request.path, now - started)
            return unavailable_response(messages.OVERLOADED, retry_after_s=settings.OVERLOAD_RETRY_AFTER_SECONDS)
        deadline = Deadline(
            started_at=started if started is not None else now,
            budget_s=settings.REQUEST_DEADLINE_SECONDS,
            retry_after_s=settings.OVERLOAD_RETRY_AFTER_SECONDS,
            sock=request.META.get("gunicorn.socket"),
        )
        request.deadline = deadline
        with contextlib.ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(deadline.before_query))
            response = self.get_response(request)
        took = time.time() - deadline.started_at
        if took > settings.REQUEST_SLOW_SECONDS:
            # Counted from arrival, queue included: what the client waited (make loadtest reads these).
            logger.warning(
                "Slow answer: %s %s %s after %.2f s", request.method, request.path, response.status_code, took
            )
        return response

    def process_exception(self, request, exception):
        """Views' uncaught exceptions (DRF re-raises what its handler does not know)."""
        if isinstance(exception, Unavailable):
            return unavailable_response(str(exception.detail), retry_after_s=exception.wait)
        if isinstance(exception, DATABASE_DOWN):
            logger.error("Database unavailable for %s %s: %s", request.method, request.path, exception)
            return database_unavailable_response()
        return None


def server_error(request, *args, **kwargs):
    """handler500: a database outage met outside a view (in another middleware, or while
    a response is finished) is still a 503 problem document; anything else is Django's 500."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_DOWN):
        return database_unavailable_response()
    if isinstance(exception, Unavailable):
        return unavailable_response(str(exception.detail), retry_after_s=exception.wait)
    return django_server_error(request, *args, **kwargs)


# Attributes django-csp's decorators set on a response to change or drop its policy.
_PER_RESPONSE_POLICY = tuple(
    f"_csp_{kind}{suffix}" for kind in ("exempt", "config", "update", "replace") for suffix in ("", "_ro")
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header of a response that nothing customises (no
    nonce asked for, no per-view decorator) built once per policy setting, not per response:
    django-csp rebuilt the same string every time (7 % of the Python calls of a short list).
    Anything else, and DEBUG's error pages, go through django-csp itself, unchanged."""

    # The header text by report-only or not; emptied when a test overrides a policy setting.
    _built: dict[bool, str] = {}

    @classmethod
    def forget_policies(cls, *, setting: str, **kwargs) -> None:
        if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
            cls._built.clear()

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE_POLICY)
            or settings.DEBUG
        ):
            return super().process_response(request, response)
        for header, setting, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        ):
            policy = getattr(settings, setting, None)
            text = self._built.get(report_only)
            if text is None:
                text = self._built[report_only] = build_policy(**asdict(PolicyParts()), report_only=report_only)
            prefixes = tuple((policy or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
            if text and header not in response and not request.path_info.startswith(prefixes):
                response[header] = text
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


setting_changed.connect(ContentSecurityPolicyMiddleware.forget_policies)
