"""GeoJSON's own media type (RFC 7946 registers `application/geo+json`).

Views that answer GeoJSON list `GEOJSON_RENDERERS`: a client that asks for nothing in
particular (or for application/geo+json) gets `application/geo+json`; one that asks for
`application/json` gets the same body labelled as such. Views that send a body built
elsewhere (in PostgreSQL, or cached) pick the label with `geojson_media_type(request)`.
"""

from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

GEOJSON = "application/geo+json"
JSON = "application/json"


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "geojson"


GEOJSON_RENDERERS = [GeoJSONRenderer, JSONRenderer]


def geojson_media_type(request) -> str:
    """`application/json` if the client asked for it and not for GeoJSON's own type, else
    `application/geo+json`."""
    accept = request.META.get("HTTP_ACCEPT", "")
    if JSON in accept and GEOJSON not in accept:
        return JSON
    return GEOJSON


def geojson_response(request, body: bytes | str) -> HttpResponse:
    """A prebuilt GeoJSON body, labelled as the client asked (see `geojson_media_type`)."""
    return HttpResponse(body, content_type=geojson_media_type(request))


def geojson_content(schema) -> dict:
    """An OpenAPI response body under both media types (for `extend_schema(responses=...)`)."""
    return {GEOJSON: schema, JSON: schema}
