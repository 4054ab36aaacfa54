"""Reads of public-context incidents. Every reader passes filters as a dict (views, commands)."""

from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Count, QuerySet

from ebikeops.areas.selectors import borough_by_name_or_code
from ebikeops.core.filters import parse_bbox

from . import sql
from .models import Incident

GROUPS = ("crime_type", "month", "borough")


class FilterError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _month(raw: str, field: str) -> date:
    try:
        year, month = (int(part) for part in raw.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise FilterError({field: ["Use a month as YYYY-MM, e.g. 2025-03."]}) from None


def incident_list(*, filters: dict | None = None) -> QuerySet[Incident]:
    """Incidents filtered by `crime_type` (comma-separated), `month_from`/`month_to`
    (YYYY-MM, inclusive), `borough` (name or GSS code) and `bbox` (min_lon,min_lat,max_lon,max_lat).
    Raises FilterError for a malformed filter."""
    filters = filters or {}
    queryset = Incident.objects.select_related("borough").order_by("-month", "id")
    if filters.get("crime_type"):
        queryset = queryset.filter(crime_type__in=[t.strip() for t in filters["crime_type"].split(",") if t.strip()])
    if filters.get("month_from"):
        queryset = queryset.filter(month__gte=_month(filters["month_from"], "month_from"))
    if filters.get("month_to"):
        queryset = queryset.filter(month__lte=_month(filters["month_to"], "month_to"))
    if filters.get("borough"):
        boroughs = list(borough_by_name_or_code(filters["borough"]))
        if not boroughs:
            raise FilterError({"borough": [f"No borough named {filters['borough']!r}."]})
        queryset = queryset.filter(borough__in=boroughs)
    if filters.get("bbox"):
        try:
            queryset = queryset.filter(point__intersects=parse_bbox(filters["bbox"]))
        except Exception as exc:  # DRF's ValidationError from parse_bbox
            raise FilterError({"bbox": [str(m) for m in getattr(exc, "detail", {}).get("bbox", [exc])]}) from None
    return queryset


def incident_summary(*, group_by: list[str], filters: dict | None = None) -> list[dict]:
    """Counts of the filtered incidents grouped by `group_by` (crime_type, month, borough),
    largest first within each group's natural order."""
    queryset = incident_list(filters=filters).order_by()
    fields = []
    for group in group_by:
        if group == "month":
            fields.append("month")
        elif group == "borough":
            fields.append("borough__name")
        else:
            fields.append("crime_type")
    rows = queryset.values(*fields).annotate(count=Count("id")).order_by(*fields)
    out = []
    for row in rows:
        item = {"count": row["count"]}
        if "crime_type" in row:
            item["crime_type"] = row["crime_type"]
        if "month" in row:
            item["month"] = row["month"].strftime("%Y-%m")
        if "borough__name" in row:
            item["borough"] = row["borough__name"]
        out.append(item)
    return out


def incident_layer(*, filters: dict | None = None, limit: int | None = None) -> tuple[list[str], bool]:
    """GeoJSON Features (as text), one per police.uk map point of the filtered incidents, with
    their count and counts per crime type, most incidents first; and whether more points were
    left out than `limit` (INCIDENTS_LAYER_MAX_FEATURES)."""
    limit = limit or settings.INCIDENTS_LAYER_MAX_FEATURES
    inner, params = incident_list(filters=filters).order_by().values("point", "crime_type").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql.LAYER.replace("{filtered}", inner), [*params, limit + 1])
        features = [row[0] for row in cursor.fetchall()]
    return features[:limit], len(features) > limit
