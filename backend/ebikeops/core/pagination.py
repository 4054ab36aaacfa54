from rest_framework_gis.pagination import GeoJsonPagination


class FeaturePagination(GeoJsonPagination):
    """Page-number pagination whose every page is a valid GeoJSON FeatureCollection."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, schema):
        """The page: a FeatureCollection with `count`, `next`, `previous` and `features`.

        `schema` is the schema of the page's list: an array of Feature components (see
        `ebikeops.core.schema.PaginatedFeatureListExtension`).
        """
        page = super().get_paginated_response_schema(schema)
        # The parent renames `results` to `features` but leaves `results` as required.
        page["required"] = ["type", "count", "features"]
        return page
