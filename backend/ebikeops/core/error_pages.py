"""Django's 404 and 500 handlers (`handler404`, `handler500` in config.urls): problem details
(RFC 9457) under /api/ and /tiles/, Django's HTML pages elsewhere.

DRF's exception handler only sees errors raised inside a DRF view; a URL that matches no
route, or an error that escapes a view, reaches these instead.
"""

import json

from django.http import HttpResponse
from django.views import defaults

from .problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE

# Where the API lives: everything in /api/schema/ (the vector tiles sit at /tiles/ for short
# map URLs, but are API operations all the same).
API_PREFIXES = ("/api/", "/tiles/")


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def _problem(status: int, title: str, detail: str) -> HttpResponse:
    body = {"type": PROBLEM_BASE + title.lower().replace(" ", "-"), "title": title, "status": status, "detail": detail}
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _problem(404, "Not Found", "No API resource at this address; see /api/docs/.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return _problem(500, "Internal Server Error", "The server failed to answer; the error is in its log.")
    return defaults.server_error(request)
