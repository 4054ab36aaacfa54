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
