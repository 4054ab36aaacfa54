"""Reads for hotspots: the newest run for a question, its hotspots and Gi* cells, and the
engine's inputs. Each read in `sql.py` is run by exactly one function here (the writes by
`services`). Distances and areas are metres in the metric SRID; geometries leave as SRID 4326.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from . import sql
from .models import GiStarCell, Hotspot, HotspotRun, RunStatus
from .params import HotspotFilters, HotspotParams, Window

# The parameters a reader may pin; any other parameter of a stored run is accepted.
MATCHED_PARAMETERS = ("eps_m", "min_points", "mode", "grid_m", "cell_m", "band_m", "slice", "buffer_m")


def _fetch(query: str, params: dict[str, Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


# --- Runs and their results ----------------------------------------------------------------------


def run_list(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    vehicle_types=None,
    borough=None,
    reasons=None,
    sources=None,
    **parameters: Any,
) -> QuerySet[HotspotRun]:
    """Completed runs that answer a question, best first.

    Filters (vehicle types, borough, reasons, sources) must equal the run's exactly: no
    filter means a run over all seizures. Each parameter given (eps_m, min_points, mode,
    cell_m, ...) must equal the run's; parameters not given match any value. With a window,
    the run's data window must overlap it; a run over exactly that window comes first, then
    the newest. Raises field-keyed ValidationError for unknown filter values.
    """
    unknown = set(parameters) - set(MATCHED_PARAMETERS)
    if unknown:
        raise TypeError(f"run_list() got unexpected parameters {sorted(unknown)}")
    filters = HotspotFilters.build(vehicle_types=vehicle_types, borough=borough, reasons=reasons, sources=sources)
    runs = HotspotRun.objects.filter(status=RunStatus.COMPLETED, filters=filters.as_dict())
    for name, value in parameters.items():
        if value is not None:
            runs = runs.filter(**{f"parameters__{name}": value})
    exact = Value(0, output_field=IntegerField())
    if since is not None:
        runs = runs.filter(until__gte=since)
    if until is not None:
        runs = runs.filter(since__lte=until)
    if since is not None and until is not None:
        exact = Case(When(Q(since=since, until=until), then=Value(1)), default=Value(0), output_field=IntegerField())
    return runs.annotate(exact_window=exact).order_by("-exact_window", "-finished_at", "-created_at")


def latest_run(**question: Any) -> HotspotRun | None:
    """The best completed run for the question (see `run_list`), or None."""
    return run_list(**question).first()


def latest_hotspots(**question: Any) -> QuerySet[Hotspot]:
    """Hotspots of the newest completed run matching the filters and parameters (see
    `run_list` for the matching rules), largest first; an empty queryset if none. One query."""
    best = run_list(**question).values("id")[:1]
    return Hotspot.objects.filter(run_id__in=best).order_by("rank")


def run_get(run_id) -> HotspotRun | None:
    return HotspotRun.objects.filter(pk=run_id).first()


def answering_run(*, question: Mapping[str, Any], run_id=None) -> HotspotRun | None:
    """The completed run a hotspot read shows: `run_id` when given (None unless it is a
    completed run), else the best run for the question (`latest_run`). One query. The one
    choice behind the hotspots API, reporting's hotspot layer and its tiles."""
    if run_id is not None:
        return HotspotRun.objects.filter(pk=run_id, status=RunStatus.COMPLETED).first()
    return latest_run(**question)


def answering_hotspots(*, question: Mapping[str, Any], run_id=None) -> QuerySet[Hotspot]:
    """The hotspots of `answering_run`, largest first, the run chosen inside the same query."""
    if run_id is not None:
        return Hotspot.objects.filter(run_id=run_id, run__status=RunStatus.COMPLETED).order_by("rank")
    return latest_hotspots(**question)


def run_hotspots(run: HotspotRun) -> QuerySet[Hotspot]:
    """A run's hotspots, largest first."""
    return Hotspot.objects.filter(run=run).order_by("rank")


def run_cells(run: HotspotRun, *, significant_only: bool = False) -> QuerySet[GiStarCell]:
    """A run's stored Gi* cells (with seizures, significant, or with a trend), south to north."""
    cells = GiStarCell.objects.filter(run=run).order_by("iy", "ix")
    if significant_only:
        cells = cells.exclude(gi_bin=0)
    return cells


def previous_run(*, filters: HotspotFilters, params: HotspotParams, exclude: HotspotRun) -> HotspotRun | None:
    """The newest completed run with the same filters and clustering parameters (eps_m,
    min_points; any window or mode), whose hotspots hand their keys on."""
    return (
        HotspotRun.objects.filter(
            status=RunStatus.COMPLETED,
            filters=filters.as_dict(),
            parameters__eps_m=params.eps_m,
            parameters__min_points=params.min_points,
        )
        .exclude(pk=exclude.pk)
        .order_by("-finished_at", "-created_at")
        .first()
    )


# --- Engine inputs (the temporary table `hotspot_places` built by services) ---------------------------


@dataclass(frozen=True)
class InputSummary:
    count: int
    min_x: float | None
    max_x: float | None
    min_y: float | None
    max_y: float | None


def input_summary() -> InputSummary:
    """Seizures in the engine's input and their metric extent."""
    count, min_x, max_x, min_y, max_y = _fetch(sql.PLACES_SUMMARY, {})[0]
    return InputSummary(int(count), min_x, max_x, min_y, max_y)


def input_sites(params: HotspotParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The clustering's sites: (a, b, weight) arrays. Exact mode: distinct coordinates
    (metres) and how many seizures share each; fast mode: occupied grid cells (column, row
    of side grid_m) and their seizure counts. Ordered by (a, b)."""
    if params.mode == "exact":
        rows = _fetch(sql.SITES_EXACT, {})
        dtype: type = np.float64
    else:
        rows = _fetch(sql.SITES_GRID, {"grid_m": params.grid_m})
        dtype = np.int64
    if not rows:
        return np.zeros(0, dtype), np.zeros(0, dtype), np.zeros(0)
    a, b, n = zip(*rows, strict=True)
    return np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype), np.asarray(n, dtype=np.float64)


def busiest_cells() -> dict[int, tuple[int, int]]:
    """For each cluster of the labelled places: the Gi* cell (column, row) holding most of
    its seizures."""
    return {label: (cx, cy) for label, cx, cy in _fetch(sql.BUSIEST_CELLS, {})}


@dataclass
class Profiles:
    """From the second pass: per cluster, seizures by vehicle type, ISO weekday and three-hour
    band (London time); per Gi* cell and slice key, seizures."""

    vehicles: dict[int, dict[str, int]]
    weekdays: dict[int, dict[int, int]]
    bands: dict[int, dict[int, int]]
    cell_slices: list[tuple[int, int, int, int]]  # (cx, cy, slice key, seizures)


def profiles(*, params: HotspotParams, window: Window, filters: HotspotFilters) -> Profiles:
    """The second pass over the window's seizures (see sql.PROFILES)."""
    rows = _fetch(
        sql.PROFILES,
        {
            "tz": settings.TIME_ZONE,
            "slice": params.slice,
            "since": window.since,
            "until": window.until,
            **filters.sql_params(),
        },
    )
    out = Profiles(vehicles={}, weekdays={}, bands={}, cell_slices=[])
    for kind, label, vehicle, day, band, cx, cy, slice_key, n in rows:
        if kind != 0:
            out.cell_slices.append((cx, cy, slice_key, n))
        elif label is not None:  # label None: noise
            for marginal, value in ((out.vehicles, vehicle), (out.weekdays, day), (out.bands, band)):
                counts = marginal.setdefault(label, {})
                counts[value] = counts.get(value, 0) + n
    return out


def overlaps(*, run: HotspotRun, previous: HotspotRun) -> list[tuple[int, str, float]]:
    """(new hotspot id, previous hotspot key, overlap m2) for every overlapping pair of the
    two runs' hotspots, largest overlap first (ties by id, then key)."""
    return _fetch(sql.OVERLAPS, {"run_id": run.pk, "previous_run": previous.pk, "srid": settings.METRIC_SRID})


def backtest_hits(*, run: HotspotRun, window: Window, filters: HotspotFilters) -> tuple[int, int]:
    """(seizures in the window matching the filters, of them inside the run's hotspots)."""
    seizures, hits = _fetch(
        sql.BACKTEST_HITS,
        {"run_id": run.pk, "since": window.since, "until": window.until, **filters.sql_params()},
    )[0]
    return int(seizures), int(hits)


def backtest_areas(*, run: HotspotRun, filters: HotspotFilters) -> tuple[float, float]:
    """(merged hotspot area, study area) in square metres: the study area is the borough
    filtered on, else all loaded boroughs."""
    hotspot_m2, study_m2 = _fetch(
        sql.BACKTEST_AREAS,
        {"run_id": run.pk, "srid": settings.METRIC_SRID, "borough_id": filters.sql_params()["borough_id"]},
    )[0]
    return float(hotspot_m2), float(study_m2)


def backtest_cell_hits(*, run: HotspotRun, window: Window, filters: HotspotFilters, min_bin: int) -> tuple[int, int]:
    """(seizures in the window matching the filters, of them inside the run's Gi* cells with
    gi_bin >= min_bin)."""
    seizures, hits = _fetch(
        sql.BACKTEST_CELL_HITS,
        {"run_id": run.pk, "min_bin": min_bin, "since": window.since, "until": window.until, **filters.sql_params()},
    )[0]
    return int(seizures), int(hits)


def backtest_cell_area(*, run: HotspotRun, min_bin: int) -> float:
    """Area in square metres of the run's Gi* cells with gi_bin >= min_bin."""
    return float(
        _fetch(sql.BACKTEST_CELL_AREA, {"run_id": run.pk, "min_bin": min_bin, "srid": settings.METRIC_SRID})[0][0]
    )
