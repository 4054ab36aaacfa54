"""One exception handler: every error leaves the API as RFC 9457 problem details.

Services raise domain errors (ebikeops.core.errors) and Django ValidationErrors; this is the
one place that gives them HTTP statuses.

Validation errors carry `errors`, a map from field path (`seizures[2].point`) to messages,
whether they came from an input serializer or from a service.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from . import errors as domain

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://ebike-ops.example/problems/"
UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


# The one mapping from domain errors (ebikeops.core.errors) to HTTP statuses.
DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.NotFound: status.HTTP_404_NOT_FOUND,
    domain.Gone: status.HTTP_410_GONE,
    domain.Conflict: status.HTTP_409_CONFLICT,
    domain.Forbidden: status.HTTP_403_FORBIDDEN,
    domain.VersionConflict: status.HTTP_412_PRECONDITION_FAILED,
    domain.PayloadTooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    domain.UnsupportedMedia: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}


class DomainProblem(exceptions.APIException):
    """A domain error on its way out as problem details."""

    def __init__(self, error: domain.DomainError):
        super().__init__(error.message)
        self.status_code = next(code for cls, code in DOMAIN_STATUS.items() if isinstance(error, cls))


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into {"field.sub[2].leaf": ["message", ...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                name = f"{prefix}[{key}]"  # DRF keys list-item errors by index
            else:
                name = key if not prefix else f"{prefix}.{key}"
            flat.update(flatten_errors(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, value in enumerate(detail):
                flat.update(flatten_errors(value, f"{prefix}[{index}]"))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return {k: v for k, v in flat.items() if v}


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, domain.DomainError):
        return DomainProblem(exc)
    if isinstance(exc, RequestDataTooBig):
        return DomainProblem(domain.PayloadTooLarge())
    if isinstance(exc, IntegrityError) and getattr(exc.__cause__, "sqlstate", None) == UNIQUE_VIOLATION:
        # Two requests created the same client-supplied id at the same moment; the other one
        # won. Sent again, this one is answered as the duplicate it now is.
        return DomainProblem(
            domain.Conflict("A record with this id was written by another request at the same moment; send it again.")
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def problem_response(status_code: int, title: str, detail: str, **extra: Any) -> Response:
    body = {
        "type": PROBLEM_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status_code,
        "detail": detail,
        **extra,
    }
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    view = context.get("view")
    if isinstance(exc, domain.VersionConflict) and hasattr(view, "precondition_failed"):
        return view.precondition_failed(exc.instance)  # 412 carrying the record as it is now
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        fields = ", ".join(sorted(errors))
        problem = problem_response(
            response.status_code,
            "Invalid input",
            f"Check these fields: {fields}.",
            errors=errors,
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        title = response.status_text if hasattr(response, "status_text") else "Error"
        extra = {}
        if isinstance(detail, dict):  # e.g. a 412 carrying the current state
            extra = {k: v for k, v in detail.items() if k != "detail"}
            detail = detail.get("detail", title)
        problem = problem_response(response.status_code, title, str(detail), **extra)
    for header in ("WWW-Authenticate", "Retry-After", "Allow", "ETag"):
        if header in response:
            problem[header] = response[header]
    return problem
