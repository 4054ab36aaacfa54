from rest_framework.exceptions import ValidationError
from rest_framework.pagination import _positive_int
from rest_framework_gis.pagination import GeoJsonPagination

BAD_PAGE_SIZE = "A whole number of at least 1 is required (more than {maximum} is served as {maximum})."


class FeaturePagination(GeoJsonPagination):
    """Page-number pagination whose every page is a valid GeoJSON FeatureCollection."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_size_query_description = f"Features per page, 1 to {max_page_size} (default {page_size})."

    def get_page_size(self, request):
        """The `page_size` asked for, capped at `max_page_size`; a 400 naming `page_size` for
        anything but a positive whole number (DRF's own would silently serve the default)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            return _positive_int(raw, strict=True, cutoff=self.max_page_size)
        except ValueError:
            raise ValidationError(
                {self.page_size_query_param: [BAD_PAGE_SIZE.format(maximum=self.max_page_size)]}
            ) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param or parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def get_paginated_response_schema(self, schema):
        """The page: a FeatureCollection with `count`, `next`, `previous` and `features`.

        `schema` is the schema of the page's list: an array of Feature components (see
        `ebikeops.core.schema.PaginatedFeatureListExtension`).
        """
        page = super().get_paginated_response_schema(schema)
        # The parent renames `results` to `features` but leaves `results` as required.
        page["required"] = ["type", "count", "features"]
        return page
