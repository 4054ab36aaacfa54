"""Reads for planning. Each raw query in `sql.py` is run by exactly one function here; no
other module opens a cursor. Distances are metres (metric SRID); points are lon/lat (4326).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, LineString
from django.db import connection
from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Extract

from ebikeops.areas.models import Corridor
from ebikeops.areas.selectors import corridors_crossing, corridors_near
from ebikeops.core.models import Source
from ebikeops.operations.models import Disposition, Operation, Seizure, SeizurePower, SeizureReason, VehicleType

from . import sql
from .models import RunKind, Suggestion, SuggestionRun
from .params import Area, SuggestionParams
from .signals import Signal


@dataclass(frozen=True)
class Window:
    """The history a computation reads: events in [since, until), weighted for recency at `at`."""

    since: datetime
    until: datetime
    at: datetime


def _fetch(query: str, params: dict[str, Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _common(window: Window, params: SuggestionParams) -> dict[str, Any]:
    return {
        "srid": settings.METRIC_SRID,
        "tz": settings.TIME_ZONE,
        "since": window.since,
        "until": window.until,
        "at": window.at,
        "half_life_days": params.half_life_days,
        "sources": list(params.sources),
        "context_types": list(params.context_types),
    }


# --- Corridors ------------------------------------------------------------------------------


def corridors_for_area(area: Area) -> dict[int, Corridor]:
    """The corridors an area's suggestions may use, by id: within the radius of a point,
    crossing a borough or box, or all of them. One query."""
    if area.point is not None:
        queryset = corridors_near(area.point, area.radius_m or 0)
    elif area.borough is not None:
        queryset = corridors_crossing(area.borough.geom)
    elif area.bbox is not None:
        queryset = corridors_crossing(area.bbox)
    else:
        queryset = Corridor.objects.all()
    return {c.pk: c for c in queryset.defer("geom", "route").order_by("slug")}


def corridor_profiles(
    signal: Signal, *, corridor_ids: Sequence[int], window: Window, params: SuggestionParams
) -> list[tuple[int, int, float, float, int, float]]:
    """Rows (corridor_id, sample index, metres along, density per metre, corridor's event
    count, corridor's recency-weighted total) of `signal`'s kernel density along each corridor;
    only samples with events within four bandwidths."""
    if not corridor_ids:
        return []
    return _fetch(
        signal.profile_sql,
        {
            **_common(window, params),
            "corridor_ids": list(corridor_ids),
            "distance_m": params.distance_m,
            "bandwidth_m": params.bandwidth_m,
            "step_m": params.step_m,
        },
    )


def stops_on_corridors(
    wanted: Sequence[tuple[int, int, float]], *, area: Area
) -> dict[int, tuple[float, float, str | None, bool]]:
    """For (idx, corridor_id, metres along) triples: idx -> (lon, lat, borough name, in area)."""
    if not wanted:
        return {}
    idx, corridor_ids, along = zip(*wanted, strict=True)
    rows = _fetch(
        sql.STOPS_ON_CORRIDORS,
        {
            "srid": settings.METRIC_SRID,
            **area.sql_params(),
            "idx": list(idx),
            "corridor_ids": list(corridor_ids),
            "along_m": list(along),
        },
    )
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}


def corridor_sections(wanted: Sequence[tuple[int, int, float, float]]) -> dict[int, LineString]:
    """For (idx, corridor_id, from metres, to metres): idx -> that stretch of the route (4326)."""
    if not wanted:
        return {}
    idx, corridor_ids, from_m, to_m = zip(*wanted, strict=True)
    rows = _fetch(
        sql.SECTIONS,
        {
            "srid": settings.METRIC_SRID,
            "idx": list(idx),
            "corridor_ids": list(corridor_ids),
            "from_m": list(from_m),
            "to_m": list(to_m),
        },
    )
    return {row[0]: GEOSGeometry(row[1]) for row in rows}


# --- Evidence, clusters, operations ----------------------------------------------------------


def candidate_evidence(
    signal: Signal, *, reaches: Sequence[tuple[int, str, float]], window: Window, params: SuggestionParams
) -> list[tuple[int, int, int, int, float]]:
    """For (idx, footprint EWKT, reach metres): rows (idx, ISO weekday, local hour, events,
    recency-weighted events) of `signal`'s events within reach of each footprint."""
    if not reaches:
        return []
    idx, ewkt, reach = zip(*reaches, strict=True)
    return _fetch(
        signal.evidence_sql,
        {
            **_common(window, params),
            "idx": list(idx),
            "ewkt": list(ewkt),
            "reach_m": list(reach),
        },
    )


def event_clusters(
    signal: Signal, *, area: Area, window: Window, params: SuggestionParams, limit: int = 50
) -> list[tuple[int, int, float, float]]:
    """DBSCAN clusters of `signal`'s events in the area and window, biggest first: rows
    (cluster, events, centre lon, centre lat). The back-test's raw-count baseline."""
    return _fetch(
        signal.clusters_sql,
        {
            **_common(window, params),
            **area.sql_params(),
            "eps_m": params.hotspot_eps_m,
            "min_points": params.hotspot_min_points,
            "limit": limit,
        },
    )


def off_corridor_places(
    signal: Signal, *, area: Area, window: Window, params: SuggestionParams, pool: int, limit: int
) -> list[tuple[float, float, float, int, str | None]]:
    """Places off every corridor where `signal`'s events repeat, best first: rows (lon, lat,
    recency-weighted events within `params.stop_reach_m`, events, borough). Of the window's
    events further than `params.distance_m` from every corridor, the `pool` locations with
    most weight of their own are scored; the best `limit` come back."""
    return _fetch(
        signal.places_sql,
        {
            **_common(window, params),
            **area.sql_params(),
            "distance_m": params.distance_m,
            "reach_m": params.stop_reach_m,
            "pool": pool,
            "limit": limit,
        },
    )


def recent_operations(
    stops: Sequence[tuple[int, float, float]],
    *,
    at: datetime,
    since: datetime,
    week_since: datetime,
    radius_m: float,
) -> dict[int, tuple[datetime, list[str]]]:
    """For (idx, lon, lat) stop points: idx -> (start of the latest operation within
    `radius_m` that started in [since, at), ids of those that started from `week_since`)."""
    if not stops:
        return {}
    idx, lon, lat = zip(*stops, strict=True)
    rows = _fetch(
        sql.RECENT_OPERATIONS,
        {
            "srid": settings.METRIC_SRID,
            "idx": list(idx),
            "lon": list(lon),
            "lat": list(lat),
            "at": at,
            "since": since,
            "week_since": week_since,
            "radius_m": radius_m,
        },
    )
    return {row[0]: (row[1], list(row[2])) for row in rows}


def operations_in_area(area: Area, *, at: datetime, week_since: datetime) -> int:
    """How many operations started in the area in [week_since, at)."""
    rows = _fetch(
        sql.OPERATIONS_IN_AREA,
        {
            "srid": settings.METRIC_SRID,
            **area.sql_params(),
            "at": at,
            "week_since": week_since,
        },
    )
    return int(rows[0][0])


def close_pairs(footprints: Sequence[tuple[int, str]], *, min_m: float) -> list[tuple[int, int]]:
    """Pairs (idx a < idx b) of footprints (EWKT, 4326) closer than `min_m` metres."""
    if len(footprints) < 2:
        return []
    idx, ewkt = zip(*footprints, strict=True)
    rows = _fetch(
        sql.CLOSE_PAIRS,
        {
            "srid": settings.METRIC_SRID,
            "idx": list(idx),
            "ewkt": list(ewkt),
            "min_m": min_m,
        },
    )
    return [(a, b) for a, b in rows]


# --- Back-test -------------------------------------------------------------------------------


def backtest_methods(
    stops: Iterable[tuple[str, float, float]],
    *,
    since: datetime,
    until: datetime,
    radius_m: float,
    sources: Sequence[str],
) -> dict[str, tuple[int, int, float]]:
    """For (method, lon, lat) stop points: method -> (stop points, seizures in [since, until)
    within `radius_m` of any of them, area in m2 of the merged circles)."""
    stops = list(stops)
    if not stops:
        return {}
    method, lon, lat = zip(*stops, strict=True)
    rows = _fetch(
        sql.BACKTEST_METHODS,
        {
            "srid": settings.METRIC_SRID,
            "method": list(method),
            "lon": list(lon),
            "lat": list(lat),
            "since": since,
            "until": until,
            "radius_m": radius_m,
            "sources": list(sources),
        },
    )
    return {row[0]: (int(row[1]), int(row[2]), float(row[3])) for row in rows}


def backtest_insert(rows: Sequence[tuple[float, float]], *, operation_id, seized_at: datetime) -> None:
    """Insert (lon, lat) rows as imported seizures at `seized_at` (back-test data only; the
    one write in this module, kept beside the back-test's other SQL). One statement."""
    if not rows:
        return
    lon, lat = zip(*rows, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.BACKTEST_INSERT,
            {
                "lon": list(lon),
                "lat": list(lat),
                "seized_at": seized_at,
                "operation_id": operation_id,
                "source": Source.IMPORT,
                "vehicle_type": VehicleType.E_BIKE,
                "reason": SeizureReason.PRIVATE_E_SCOOTER,
                "power": SeizurePower.RTA_1988_S165A,
                "disposition": Disposition.HELD,
            },
        )


def backtest_analyze() -> None:
    """Refresh the planner's statistics of seizures and incidents after the back-test's loads."""
    with connection.cursor() as cursor:
        cursor.execute(sql.BACKTEST_ANALYZE)


def operations_started(*, since: datetime, until: datetime) -> bool:
    """Whether any operation started in [since, until)."""
    return Operation.objects.filter(started_at__gte=since, started_at__lt=until).exists()


def seizures_between(*, since: datetime, until: datetime, sources: Sequence[str]) -> int:
    rows = _fetch(sql.SEIZURES_BETWEEN, {"since": since, "until": until, "sources": list(sources)})
    return int(rows[0][0])


def seizure_summary() -> dict[str, Any]:
    """Seizures in the database by source, with the first and last seizure time (one query)."""
    rows = (
        Seizure.objects.order_by()
        .values("source")
        .annotate(n=Count("pk"), first=Min("seized_at"), last=Max("seized_at"))
    )
    rows = list(rows)
    return {
        "by_source": {row["source"]: row["n"] for row in sorted(rows, key=lambda r: r["source"])},
        "first": min((row["first"] for row in rows), default=None),
        "last": max((row["last"] for row in rows), default=None),
    }


# --- Stored suggestions ----------------------------------------------------------------------


def suggestion_list() -> QuerySet[Suggestion]:
    """Stored suggestions with their run and corridor (one joined query)."""
    return Suggestion.objects.select_related("run", "corridor").order_by("-run__created_at", "rank")


def operations_with_effort(*, since: datetime, until: datetime, borough=None) -> QuerySet[Operation]:
    """Operations that started in [since, until) with `seizure_count`, `officer_hours`
    (officer_count x hours, None when either is unknown) and `suggestion_id` (the suggestion
    they followed, or None). One query."""
    seizures = Subquery(
        Seizure.objects.filter(operation=OuterRef("pk"))
        .order_by()
        .values("operation")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    hours = ExpressionWrapper(Extract(F("ended_at") - F("started_at"), "epoch") / 3600.0, output_field=FloatField())
    queryset = Operation.objects.filter(started_at__gte=since, started_at__lt=until)
    if borough is not None:
        queryset = queryset.filter(borough=borough)
    return queryset.annotate(
        seizure_count=Coalesce(seizures, 0),
        officer_hours=ExpressionWrapper(F("officer_count") * hours, output_field=FloatField()),
        suggestion_id=F("followed_suggestion__suggestion_id"),
    ).order_by("started_at", "id")


def _rate(operations: int, seizures: int, officer_hours: float) -> dict[str, Any]:
    return {
        "operations": operations,
        "seizures": seizures,
        "officer_hours": round(officer_hours, 1),
        "seizures_per_officer_hour": round(seizures / officer_hours, 3) if officer_hours else None,
    }


def follow_report(*, since: datetime, until: datetime, borough=None) -> dict[str, Any]:
    """Seizures per officer-hour of operations that followed a suggestion (in all and per
    suggestion) against operations that followed none, for operations started in
    [since, until). Operations without an officer count or an end are left out and counted
    in `excluded_operations`. One query."""
    rows = operations_with_effort(since=since, until=until, borough=borough).values_list(
        "seizure_count",
        "officer_hours",
        "suggestion_id",
        "followed_suggestion__suggestion__title",
        "followed_suggestion__suggestion__rank",
        "followed_suggestion__suggestion__run__kind",
    )
    followed = [0, 0, 0.0]
    not_followed = [0, 0, 0.0]
    per: dict[Any, dict[str, Any]] = {}
    excluded = 0
    for seizures, hours, suggestion_id, title, rank, kind in rows:
        if not hours:
            excluded += 1
            continue
        bucket = followed if suggestion_id else not_followed
        bucket[0] += 1
        bucket[1] += seizures
        bucket[2] += hours
        if suggestion_id:
            entry = per.setdefault(
                suggestion_id,
                {
                    "suggestion": str(suggestion_id),
                    "title": title,
                    "rank": rank,
                    "run_kind": kind,
                    "totals": [0, 0, 0.0],
                },
            )
            entry["totals"][0] += 1
            entry["totals"][1] += seizures
            entry["totals"][2] += hours
    followed_rate = _rate(*followed)
    other_rate = _rate(*not_followed)
    ratio = None
    if followed_rate["seizures_per_officer_hour"] is not None and other_rate["seizures_per_officer_hour"]:
        ratio = round(followed_rate["seizures_per_officer_hour"] / other_rate["seizures_per_officer_hour"], 3)
    return {
        "since": since,
        "until": until,
        "borough": getattr(borough, "name", None),
        "followed": followed_rate,
        "not_followed": other_rate,
        "ratio": ratio,
        "excluded_operations": excluded,
        "per_suggestion": [
            {k: v for k, v in entry.items() if k != "totals"} | _rate(*entry["totals"])
            for entry in sorted(per.values(), key=lambda e: (-e["totals"][1], e["suggestion"]))
        ],
    }


def sent_plan(*, start: datetime, end: datetime) -> SuggestionRun | None:
    """The shift plan a commander sent (stored: POST /plans/) for a shift that overlaps
    [start, end): the newest one, with its suggestions, best first, as `run.ranked` (two
    queries). None when no plan was sent for it."""
    run = (
        SuggestionRun.objects.filter(kind=RunKind.PLAN, valid_from__lt=end, valid_until__gt=start)
        .order_by("-created_at", "id")
        .first()
    )
    if run is None:
        return None
    run.ranked = list(run.suggestions.select_related("corridor").order_by("rank"))
    run.kept = True
    return run
