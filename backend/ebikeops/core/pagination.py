from rest_framework_gis.pagination import GeoJsonPagination


class FeaturePagination(GeoJsonPagination):
    """Page-number pagination whose every page is a valid GeoJSON FeatureCollection."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, view):
        schema = super().get_paginated_response_schema(view)
        # The parent renames `results` to `features` but leaves `results` as required.
        schema["required"] = ["type", "count", "features"]
        return schema
