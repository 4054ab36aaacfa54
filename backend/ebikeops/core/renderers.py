"""GeoJSON's own media type (RFC 7946 registers `application/geo+json`).

Views that answer GeoJSON list `GEOJSON_RENDERERS`: a client that asks for nothing in
particular (or for application/geo+json) gets `application/geo+json`; one that asks for
`application/json` gets the same body labelled as such. Views that send a body built
elsewhere (in PostgreSQL, or cached) pick the label with `geojson_media_type(request)`.
"""

import orjson
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

GEOJSON = "application/geo+json"
JSON = "application/json"


class FastJSONRenderer(JSONRenderer):
    """DRF's JSONRenderer written by orjson (a page of 100 Features: several times faster).

    Same output once parsed: what orjson does not write itself (timestamps, lazy strings,
    decimals, geometries) goes through DRF's own encoder, and a body orjson refuses (a dict
    with non-string keys, an integer beyond 64 bits) or an indented one asked for
    (`Accept: application/json; indent=4`) is written by DRF's renderer.
    """

    encoder = JSONRenderer.encoder_class()
    options = orjson.OPT_PASSTHROUGH_DATETIME  # DRF's encoder writes datetimes its own way

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is None:
            try:
                return orjson.dumps(data, default=self.encoder.default, option=self.options)
            except orjson.JSONEncodeError:
                pass
        return super().render(data, accepted_media_type, renderer_context)


class GeoJSONRenderer(FastJSONRenderer):
    media_type = GEOJSON
    format = "geojson"


GEOJSON_RENDERERS = [GeoJSONRenderer, FastJSONRenderer]


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
