from django.core.paginator import EmptyPage, InvalidPage, PageNotAnInteger, Paginator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import _positive_int
from rest_framework_gis.pagination import GeoJsonPagination

MAX_OFFSET = 2**63 - 1
BAD_PAGE_SIZE = "A whole number of at least 1 is required (more than {maximum} is served as {maximum})."


class CountWhenNeededPaginator(Paginator):
    """Django's paginator, reading the page before counting: a page shorter than the page size
    is the last one, so the total is known without `COUNT(*)` (a filtered map view, a small
    operation's seizures, the last page). A full page still counts, exactly.

    Django's own validates the page number against the count first, so every page of every
    list cost a COUNT over all the rows its filters match.
    """

    def page(self, number):
        if "count" in self.__dict__:  # counted already (e.g. `?page=last`)
            return super().page(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        bottom = (number - 1) * self.per_page
        if bottom + self.per_page > MAX_OFFSET:  # beyond any table; PostgreSQL's OFFSET is a bigint
            raise EmptyPage(self.error_messages["no_results"])
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        if len(rows) < self.per_page:
            self.__dict__["count"] = bottom + len(rows)  # the cached_property `count`
        return self._get_page(rows, number, self)


class FeaturePagination(GeoJsonPagination):
    """Page-number pagination whose every page is a valid GeoJSON FeatureCollection; it counts
    the matching rows only when the page is full (`CountWhenNeededPaginator`)."""

    django_paginator_class = CountWhenNeededPaginator
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

    def paginate_queryset(self, queryset, request, view=None):
        """The page's rows (a list), as DRF's, except that the count is left to the paginator
        (DRF's asks for it after every page, for the browsable API's page links)."""
        self.request = request
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=page_number, message=str(exc))) from exc
        renderer = getattr(request, "accepted_renderer", None)
        if self.template is not None and getattr(renderer, "format", None) == "api" and paginator.num_pages > 1:
            self.display_page_controls = True
        return list(self.page)

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
