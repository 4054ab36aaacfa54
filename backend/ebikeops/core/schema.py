"""OpenAPI extensions that keep drf-spectacular's schema true to what the API sends.

Loaded by `CoreConfig.ready()`: drf-spectacular finds extensions by subclass registration.
"""

from drf_spectacular.contrib.rest_framework_gis import GeoFeatureModelListSerializerExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_array_type, build_bearer_security_scheme_object
from rest_framework_gis.pagination import GeoJsonPagination


class PaginatedFeatureListExtension(GeoFeatureModelListSerializerExtension):
    """The list inside a GeoJSON page is a plain array of Features.

    drf-spectacular maps a list of `GeoFeatureModelSerializer`s to a FeatureCollection
    component, which is right for an unpaginated list. A `GeoJsonPagination` page is itself
    the FeatureCollection and puts the list under `features`, so wrapping the collection
    again would describe `features` as an object holding another `features`. For a
    paginated view this returns the array of Feature components; the paginator then wraps
    it (see `FeaturePagination.get_paginated_response_schema`).
    """

    priority = 1  # over drf-spectacular's own extension for the same class

    def map_serializer(self, auto_schema, direction):
        # drf-spectacular asks a list serializer's extension only for a list view's
        # response, which it then hands to the view's paginator (if any).
        pagination_class = getattr(auto_schema.view, "pagination_class", None)
        if direction == "response" and pagination_class and issubclass(pagination_class, GeoJsonPagination):
            return build_array_type(auto_schema.resolve_serializer(self.target.child, direction).ref)
        return super().map_serializer(auto_schema, direction)


class ShiftTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>` (knox tokens, ebikeops.core.tokens), under the name the
    schema has always used for it."""

    target_class = "ebikeops.core.tokens.ShiftTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")  # noqa: S106 - the scheme name


PROBLEM_COMPONENT = {
    "type": "object",
    "description": "RFC 9457 problem details. `errors` maps each refused field to its messages.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "additionalProperties": True,  # e.g. a 412 carries the record's current state
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each field and what is wrong with it.",
    "401": "No valid credentials: send `Authorization: Token <token>` (expired tokens too: log in again).",
    "403": "Your role may not do this (or a browser session's CSRF check failed).",
    "404": "No such resource (or page).",
    "409": "Conflicts with the current state (e.g. a record that still has seizures).",
    "410": "The record was deleted.",
    "412": "`If-Match` is stale: the body carries the record's current state and version.",
    "413": "The body is larger than this server accepts.",
    "415": "Unsupported media type for the body.",
    "428": "`If-Match` is required for this change.",
    "429": "Too many requests: wait the seconds in `Retry-After`.",
}


def _error_codes(path: str, method: str, operation: dict) -> list[str]:
    """The error statuses an operation can answer, from what it is (method, path, security)."""
    secured = any(requirement for requirement in operation.get("security", []))
    anonymous = not secured or {} in operation.get("security", [])
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    codes = ["429"]  # every endpoint is throttled
    if has_input:
        codes.append("400")
    if secured:
        codes += ["401", "403"] if not anonymous else []
    if "{" in path or method == "get":
        codes.append("404")
    if method in ("post", "put", "patch", "delete") and secured:
        codes += ["409", "413", "415"]
    if "{" in path and method in ("get", "put", "patch", "delete"):
        codes.append("410")
    if method in ("put", "patch", "delete") and "{" in path:
        codes += ["412", "428"]
    return codes


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation lists the problem-details errors it
    can answer (400/401/403/404/409/410/412/413/415/428/429), as `application/problem+json`
    with the `Problem` component, unless the view documented that status itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_COMPONENT
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code in _error_codes(path, method, operation):
                responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code], "content": problem})
            for code, response in responses.items():
                # Errors a view documented by description only are problem details too.
                if code.isdigit() and int(code) >= 400 and "content" not in response:
                    response["content"] = problem
    return result
