"""django-axes' answer to a locked-out login (`AXES_LOCKOUT_CALLABLE`)."""

import json
import math

from django.conf import settings
from django.http import HttpResponse

from .problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (`AXES_LOCKOUT_CALLABLE`): 429 with Retry-After,
    as problem details under /api/ and as a plain page elsewhere (the login forms)."""
    minutes = settings.AXES_COOLOFF_MINUTES
    detail = f"Too many failed logins: this account is locked on this address for {minutes:g} minutes."
    if request.path.startswith("/api/"):
        body = {
            "type": PROBLEM_BASE + "too-many-requests",
            "title": "Too Many Requests",
            "status": 429,
            "detail": detail,
        }
        response = HttpResponse(json.dumps(body), status=429, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = HttpResponse(detail, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(math.ceil(minutes * 60))
    return response
