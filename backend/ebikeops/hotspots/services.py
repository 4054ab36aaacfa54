"""Writes for hotspots: compute a run (synchronously, or queued for the worker).

A computation groups the window's seizures by coordinate in PostGIS (metric SRID), clusters
the places with a weighted DBSCAN (fast: grid cells; exact: distinct coordinates), reads the
seizures a second time for each cluster's vehicle and time profile and each grid cell's time
slices, computes Gi* and the emerging-hotspot trend, writes the hotspots (outlines built in
PostGIS) and cells, hands the previous run's keys on by overlap, and records how the run was
produced. The run row is written before the computation and outside its transaction, so a
failure stays recorded on it; everything the computation writes is one atomic block.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ebikeops.areas.models import Borough
from ebikeops.audit.models import Action
from ebikeops.audit.services import event_record

# tasks imports this module too: both import the other as a module and resolve names at call time.
from . import engine, selectors, sql, tasks
from .models import HotspotRun, RunStatus, TimeSlice, TrendCategory
from .params import (
    MAX_GISTAR_CELLS,
    MAX_SLICES,
    MIN_GISTAR_POINTS,
    MSG_TOO_MANY_CELLS,
    MSG_TOO_MANY_SLICES,
    HotspotFilters,
    HotspotParams,
    Window,
)

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


def _prepare(
    *,
    since,
    until,
    now,
    eps_m,
    min_points,
    mode,
    grid_m,
    cell_m,
    band_m,
    slice,
    buffer_m,
    vehicle_types,
    borough,
    reasons,
    sources,
) -> tuple[HotspotParams, HotspotFilters, Window]:
    params = HotspotParams.build(
        eps_m=eps_m,
        min_points=min_points,
        mode=mode,
        grid_m=grid_m,
        cell_m=cell_m,
        band_m=band_m,
        slice=slice,
        buffer_m=buffer_m,
    )
    filters = HotspotFilters.build(vehicle_types=vehicle_types, borough=borough, reasons=reasons, sources=sources)
    window = Window.build(since=since, until=until, now=now)
    slices = len(slice_starts(window, params.slice))
    if slices > MAX_SLICES:
        raise ValidationError(
            {"slice": [MSG_TOO_MANY_SLICES.format(slices=slices, slice=params.slice, limit=MAX_SLICES)]}
        )
    return params, filters, window


def _new_run(
    params: HotspotParams, filters: HotspotFilters, window: Window, *, status: str, requested_by=None
) -> HotspotRun:
    return HotspotRun.objects.create(
        method=params.method,
        parameters=params.as_dict(),
        since=window.since,
        until=window.until,
        filters=filters.as_dict(),
        code_version=engine.code_version(),
        status=status,
        started_at=timezone.now() if status == RunStatus.RUNNING else None,
        requested_by=requested_by,
    )


def hotspots_compute(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    eps_m: float | None = None,
    min_points: int | None = None,
    vehicle_types=None,
    borough: Borough | str | None = None,
    reasons=None,
    sources=None,
    mode: str = "fast",
    grid_m: float | None = None,
    cell_m: float | None = None,
    band_m: float | None = None,
    slice: str = TimeSlice.MONTH,
    buffer_m: float | None = None,
    now: datetime | None = None,
    requested_by=None,
    progress: Progress | None = None,
) -> HotspotRun:
    """Compute hotspots, Gi* cells and trends now, in this process, and return the completed run.

    Window [since, until] (inclusive; default: the HOTSPOT_WINDOW_DAYS before `now`). eps_m in
    metres (EPSG:27700); min_points seizures within eps_m, the place's own included; filters as
    lists of values (None = all); borough as a Borough, name or GSS code. Raises a field-keyed
    django ValidationError for bad parameters; any failure while computing marks the run
    `failed` (with the error) and is re-raised.
    """
    params, filters, window = _prepare(
        since=since,
        until=until,
        now=now,
        eps_m=eps_m,
        min_points=min_points,
        mode=mode,
        grid_m=grid_m,
        cell_m=cell_m,
        band_m=band_m,
        slice=slice,
        buffer_m=buffer_m,
        vehicle_types=vehicle_types,
        borough=borough,
        reasons=reasons,
        sources=sources,
    )
    run = _new_run(params, filters, window, status=RunStatus.RUNNING, requested_by=requested_by)
    hotspots_run_execute(run=run, progress=progress)
    return run


@transaction.atomic
def hotspots_recompute_enqueue(*, requested_by=None, now: datetime | None = None, **question) -> HotspotRun:
    """Validate a recompute request, store it as a `queued` run (the job a client polls) and
    hand it to the Celery worker once the transaction commits. Same arguments as
    `hotspots_compute`; raises field-keyed ValidationError for bad parameters."""
    keys = (
        "since", "until", "eps_m", "min_points", "mode", "grid_m", "cell_m", "band_m", "slice", "buffer_m",
        "vehicle_types", "borough", "reasons", "sources",
    )  # fmt: skip
    unknown = set(question) - set(keys)
    if unknown:
        raise TypeError(f"unexpected arguments {sorted(unknown)}")
    params, filters, window = _prepare(now=now, **{k: question.get(k) for k in keys})
    run = _new_run(params, filters, window, status=RunStatus.QUEUED, requested_by=requested_by)
    run_id = str(run.pk)
    transaction.on_commit(lambda: _enqueue(tasks.recompute_hotspots, run_id))
    return run


def _enqueue(task, run_id: str) -> None:
    try:
        task.delay(run_id)
    except Exception as exc:  # broker down: the job must not stay "queued" for ever
        HotspotRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED, error=f"Could not reach the task queue: {exc}", finished_at=timezone.now()
        )


def hotspots_run_execute(*, run: HotspotRun, progress: Progress | None = None) -> HotspotRun:
    """Compute a stored run (queued or running) in this process: the worker's and the
    command's entry point. Marks it completed, or failed with the error (then re-raises)."""
    progress = progress or _quiet
    params = HotspotParams(**run.parameters)
    stored = run.filters
    filters = HotspotFilters.build(
        vehicle_types=stored.get("vehicle_types"),
        borough=stored.get("borough"),
        reasons=stored.get("reasons"),
        sources=stored.get("sources"),
    )
    window = Window(since=run.since, until=run.until)
    if run.status != RunStatus.RUNNING:
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        _compute(run, params=params, filters=filters, window=window, progress=progress)
    except Exception as exc:
        run.status = RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    return run


def _execute(query: str, params: dict | None = None) -> int:
    """Run one of sql.py's writes; returns the rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(query, params or {})
        return cursor.rowcount


@transaction.atomic
def _compute(run: HotspotRun, *, params: HotspotParams, filters: HotspotFilters, window: Window, progress) -> None:
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    _execute(sql.JIT_OFF)
    _execute(sql.WORK_MEM)
    _execute(sql.PLACES_DROP)
    _execute(
        sql.PLACES_CREATE,
        {
            "since": window.since,
            "until": window.until,
            "srid": settings.METRIC_SRID,
            "cell_m": params.cell_m,
            **filters.sql_params(),
        },
    )
    summary = selectors.input_summary()
    lap("read_s")
    progress(f"{summary.count} seizures in the window {window.since:%Y-%m-%d} .. {window.until:%Y-%m-%d}")

    stats: dict = {"slices": [], "noise_seizures": 0}
    stored = 0
    gistar: engine.GiStarResult | None = None
    if summary.count:
        site_a, site_b, weights = selectors.input_sites(params)
        if params.mode == "exact":
            labels = engine.dbscan_exact(
                np.column_stack([site_a, site_b]), weights, eps_m=params.eps_m, min_points=params.min_points
            )
        else:
            labels = engine.dbscan_grid(
                site_a, site_b, weights, grid_m=params.grid_m, eps_m=params.eps_m, min_points=params.min_points
            )
        stats["sites"] = int(site_a.size)
        stats["noise_seizures"] = int(weights[labels < 0].sum())
        clustered = labels >= 0
        if clustered.any():
            _execute(
                sql.LABEL_PLACES_EXACT if params.mode == "exact" else sql.LABEL_PLACES_GRID,
                {
                    "site_a": _text_list(site_a[clustered]),
                    "site_b": _text_list(site_b[clustered]),
                    "label": _text_list(labels[clustered]),
                    "grid_m": params.grid_m,
                },
            )
        # The planner needs the labels' statistics: without them it expects one labelled place.
        _execute(sql.PLACES_ANALYZE)
        lap("cluster_s")
        clusters = int(labels.max()) + 1 if clustered.any() else 0
        progress(f"{clusters} clusters over {site_a.size} {'places' if params.mode == 'exact' else 'grid cells'}")

        profiles = selectors.profiles(params=params, window=window, filters=filters)
        lap("profile_s")
        if summary.count >= MIN_GISTAR_POINTS:
            gistar, stats["slices"], stats["grid"] = _gistar(params, window, summary, profiles.cell_slices)
            lap("gistar_s")
            progress(f"Gi* over {stats['grid']['rows']} x {stats['grid']['cols']} cells of {params.cell_m:g} m")
        else:
            stats["gistar"] = "too_little_data"
        if clusters:
            stored = _store_hotspots(run, params, window, filters, profiles, gistar, total=summary.count)
        lap("hotspots_s")

    if gistar is not None:
        _store_cells(run, params, gistar)
        lap("cells_s")
    if stored:
        stats["keys_handed_on"] = _hand_on_keys(run, params=params, filters=filters)
        lap("identity_s")
    run.input_count = summary.count
    run.status = RunStatus.COMPLETED
    run.finished_at = timezone.now()
    run.stats = {**stats, "hotspots": stored, "timings": timings}
    run.save(update_fields=["input_count", "status", "finished_at", "stats"])
    # A run combines the seizures it read into hotspots: one audit event, in its transaction.
    event_record(
        action=Action.COMBINE,
        actor=run.requested_by,
        records=[("hotspot_run", run.pk)],
        filters={"filters": run.filters, "parameters": run.parameters, "since": run.since, "until": run.until},
        count=summary.count,
    )
    progress(f"{stored} hotspots stored (run {run.pk})")


def slice_starts(window: Window, slice: str) -> list[datetime]:
    """Local (naive, settings.TIME_ZONE) starts of the weeks (Monday) or months that the window
    touches, oldest first; the first and last may be partly outside the window."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first = window.since.astimezone(zone).replace(tzinfo=None)
    last = window.until.astimezone(zone).replace(tzinfo=None)
    midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
    if slice == TimeSlice.WEEK:
        start = midnight - timedelta(days=first.weekday())
        starts = []
        while start <= last:
            starts.append(start)
            start += timedelta(days=7)
        return starts
    start = midnight.replace(day=1)
    starts = []
    while start <= last:
        starts.append(start)
        start = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return starts


_WEEK_ZERO = date(2000, 1, 3)  # a Monday: week keys count from it (as sql.PROFILES does)


def slice_key(start: datetime, slice: str) -> int:
    """The key sql.PROFILES gives the slice starting at `start` (local time)."""
    if slice == TimeSlice.WEEK:
        return (start.date() - _WEEK_ZERO).days // 7
    return start.year * 12 + start.month - 1


def _gistar(
    params: HotspotParams, window: Window, summary: selectors.InputSummary, cell_slices: list
) -> tuple[engine.GiStarResult, list[str], dict]:
    cols = int(np.floor(summary.max_x / params.cell_m) - np.floor(summary.min_x / params.cell_m)) + 1
    rows = int(np.floor(summary.max_y / params.cell_m) - np.floor(summary.min_y / params.cell_m)) + 1
    if rows * cols > MAX_GISTAR_CELLS:
        raise ValidationError({"cell_m": [MSG_TOO_MANY_CELLS.format(cells=rows * cols, limit=MAX_GISTAR_CELLS)]})
    starts = slice_starts(window, params.slice)
    index = {slice_key(start, params.slice): i for i, start in enumerate(starts)}
    found = np.asarray(cell_slices, dtype=np.int64).reshape(-1, 4)
    slice_index = np.fromiter((index[k] for k in found[:, 2].tolist()), dtype=np.int64, count=len(found))
    kernel = engine.band_kernel(cell_m=params.cell_m, band_m=params.band_m)
    result = engine.gistar_analysis(
        found[:, 0], found[:, 1], slice_index, found[:, 3].astype(np.float64), slices=len(starts), kernel=kernel
    )
    grid = {"rows": rows, "cols": cols, "ix0": result.ix0, "iy0": result.iy0, "neighbours": int(kernel.sum())}
    return result, [s.date().isoformat() for s in starts], grid


def _busiest(counts: dict[int, int]) -> int:
    """The key with the most seizures; ties go to the smallest key."""
    return min(counts, key=lambda k: (-counts[k], k))


def _store_hotspots(
    run: HotspotRun,
    params: HotspotParams,
    window: Window,
    filters: HotspotFilters,
    profiles: selectors.Profiles,
    gistar: engine.GiStarResult | None,
    *,
    total: int,
) -> int:
    """Write the run's hotspots (one statement, outlines built in PostGIS); returns how many."""
    cells = selectors.busiest_cells()
    labels = sorted(cells)
    weekday, band, gi_bin, trend = [], [], [], []
    for label in labels:
        weekday.append(_busiest(profiles.weekdays[label]))
        start = _busiest(profiles.bands[label])
        band.append(f"{start:02d}-{start + 3:02d}")
        if gistar is None:
            gi_bin.append("")
            trend.append(TrendCategory.NO_PATTERN.value)
        else:
            cx, cy = cells[label]
            gi_bin.append(str(int(gistar.bins[cy - gistar.iy0, cx - gistar.ix0])))
            trend.append(str(gistar.category[cy - gistar.iy0, cx - gistar.ix0]))
    mixes = {str(label): dict(sorted(profiles.vehicles[label].items())) for label in labels}
    return _execute(
        sql.INSERT_HOTSPOTS,
        {
            "run_id": run.pk,
            "label": ",".join(map(str, labels)),
            "weekday": ",".join(map(str, weekday)),
            "band": ",".join(band),
            "gi_bin": ",".join(gi_bin),
            "trend": ",".join(trend),
            "mixes": json.dumps(mixes),
            "buffer_m": params.buffer_m,
            "srid": settings.METRIC_SRID,
            "since": window.since,
            "until": window.until,
            "sources": filters.sql_params()["sources"],
            "total": total,
        },
    )


def _hand_on_keys(run: HotspotRun, *, params: HotspotParams, filters: HotspotFilters) -> int:
    """Each stored hotspot of `run` takes the key of the previous run's hotspot it overlaps
    most, one to one, largest overlaps first; the rest keep their new keys. Returns how many
    keys were handed on."""
    previous = selectors.previous_run(filters=filters, params=params, exclude=run)
    if previous is None:
        return 0
    handed: dict[int, str] = {}
    taken: set[str] = set()
    for hotspot_id, key, overlap_m2 in selectors.overlaps(run=run, previous=previous):
        if overlap_m2 <= 0 or hotspot_id in handed or key in taken:
            continue
        handed[hotspot_id] = key
        taken.add(key)
    if handed:
        _execute(sql.UPDATE_KEYS, {"ids": list(handed), "keys": list(handed.values())})
    return len(handed)


def _store_cells(run: HotspotRun, params: HotspotParams, result: engine.GiStarResult) -> None:
    mask = result.stored_mask()
    rr, cc = np.nonzero(mask)
    if rr.size == 0:
        return

    _execute(
        sql.INSERT_CELLS,
        {
            "run_id": run.pk,
            "cell_m": params.cell_m,
            "srid": settings.METRIC_SRID,
            "ix": _text_list(cc + result.ix0),
            "iy": _text_list(rr + result.iy0),
            "n": _text_list(result.counts[mask].astype(np.int64)),
            "z": _text_list(result.z[mask]),
            "p": _text_list(result.p[mask]),
            "p_fdr": _text_list(result.p_fdr[mask]),
            "gi_bin": _text_list(result.bins[mask].astype(np.int64)),
            "category": ",".join(str(c) for c in result.category[mask]),
            "trend_z": _text_list(result.trend_z[mask]),
            "trend_p": _text_list(result.trend_p[mask]),
        },
    )


def _text_list(values: np.ndarray) -> str:
    """Numbers as one comma-separated parameter for `string_to_array` (see sql.py); floats keep
    every bit (repr round-trips), NaN becomes an empty item (NULL)."""
    return ",".join("" if v != v else repr(v) for v in values.tolist())
