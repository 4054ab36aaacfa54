"""The parameters and filters of a hotspot run: defaults, limits and field-keyed validation.

Names carrying metres end in `_m`. Errors are Django ValidationErrors keyed by the API field
name, with the message constants below (tests import them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from ebikeops.areas.models import Borough
from ebikeops.areas.selectors import borough_by_name_or_code
from ebikeops.core.models import Source
from ebikeops.operations.models import SeizureReason, VehicleType

from .models import Mode, TimeSlice

MSG_RANGE = "Must be between {low} and {high}."
MSG_WINDOW = "`since` must be before `until`."
MSG_NAIVE = "Give a time zone (for example 2025-11-29T13:00:00Z)."
MSG_CHOICE = "Unknown value {value!r}; choose from {choices}."
MSG_BOROUGH = "No London borough has the name or GSS code {value!r}."
MSG_GRID = "The fast mode's grid cell must be at most half of eps_m ({limit} m)."
MSG_BAND = "The Gi* neighbourhood band must be at least the cell size ({cell_m} m) and at most ten cells."
MSG_TOO_MANY_CELLS = (
    "The Gi* grid would have {cells} cells over these seizures' extent (limit {limit}); use a larger cell_m."
)
MSG_TOO_MANY_SLICES = "The window holds {slices} {slice}s (limit {limit}); use a shorter window or monthly slices."

# Inclusive limits of each numeric parameter.
LIMITS: dict[str, tuple[float, float]] = {
    "eps_m": (5.0, 5000.0),
    "min_points": (2, 100_000),
    "grid_m": (0.5, 2500.0),
    "cell_m": (25.0, 10_000.0),
    "buffer_m": (1.0, 500.0),
}
MAX_GISTAR_CELLS = 4_000_000
MAX_SLICES = 260
MIN_GISTAR_POINTS = 30  # fewer seizures than this: "too little data" instead of a Gi* map


def _range(field: str, value: float) -> None:
    low, high = LIMITS[field]
    if not (low <= value <= high):
        raise ValidationError({field: [MSG_RANGE.format(low=low, high=high)]})


@dataclass(frozen=True)
class HotspotParams:
    """How to compute: DBSCAN radius and density, engine mode, Gi* grid and time slices.

    eps_m       DBSCAN radius in metres (EPSG:27700)
    min_points  seizures (the place's own included) within eps_m that make a place "core"
    mode        "fast" (grid cells of grid_m, weighted) or "exact" (distinct coordinates)
    grid_m      fast mode's cell side in metres; default eps_m / 5
    cell_m      Gi* grid cell side in metres
    band_m      Gi* neighbourhood: cells whose centres lie within band_m (itself included);
                default 1.5 x cell_m, i.e. the cell and its 8 neighbours
    slice       time slice for the emerging-hotspot trend: "week" or "month"
    buffer_m    buffer around each hotspot's hull, in metres
    """

    eps_m: float
    min_points: int
    mode: str
    grid_m: float
    cell_m: float
    band_m: float
    slice: str
    buffer_m: float

    @classmethod
    def build(
        cls,
        *,
        eps_m: float | None = None,
        min_points: int | None = None,
        mode: str | None = None,
        grid_m: float | None = None,
        cell_m: float | None = None,
        band_m: float | None = None,
        slice: str | None = None,
        buffer_m: float | None = None,
    ) -> HotspotParams:
        """Defaults filled in (None = default) and every value checked; raises field-keyed
        ValidationError."""
        mode = Mode.FAST if mode is None else mode
        slice = TimeSlice.MONTH if slice is None else slice
        eps_m = float(settings.HOTSPOT_EPS_M if eps_m is None else eps_m)
        _range("eps_m", eps_m)
        min_points = int(settings.HOTSPOT_MIN_POINTS if min_points is None else min_points)
        _range("min_points", min_points)
        if mode not in Mode.values:
            raise ValidationError({"mode": [MSG_CHOICE.format(value=mode, choices=", ".join(Mode.values))]})
        grid_m = float(eps_m / 5 if grid_m is None else grid_m)
        _range("grid_m", grid_m)
        if grid_m > eps_m / 2:
            raise ValidationError({"grid_m": [MSG_GRID.format(limit=eps_m / 2)]})
        cell_m = float(settings.HOTSPOT_GISTAR_CELL_M if cell_m is None else cell_m)
        _range("cell_m", cell_m)
        band_m = float(cell_m * 1.5 if band_m is None else band_m)
        if not (cell_m <= band_m <= cell_m * 10):
            raise ValidationError({"band_m": [MSG_BAND.format(cell_m=cell_m)]})
        if slice not in TimeSlice.values:
            raise ValidationError({"slice": [MSG_CHOICE.format(value=slice, choices=", ".join(TimeSlice.values))]})
        buffer_m = float(settings.HOTSPOT_BUFFER_M if buffer_m is None else buffer_m)
        _range("buffer_m", buffer_m)
        return cls(
            eps_m=eps_m,
            min_points=min_points,
            mode=str(mode),
            grid_m=grid_m,
            cell_m=cell_m,
            band_m=band_m,
            slice=str(slice),
            buffer_m=buffer_m,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def method(self) -> str:
        return f"dbscan-{self.mode}"


@dataclass(frozen=True)
class HotspotFilters:
    """Which seizures: vehicle types, borough, reasons and sources (None = all)."""

    vehicle_types: tuple[str, ...] | None = None
    borough: Borough | None = None
    reasons: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None

    @classmethod
    def build(
        cls,
        *,
        vehicle_types=None,
        borough: Borough | str | None = None,
        reasons=None,
        sources=None,
    ) -> HotspotFilters:
        """Canonical filters (sorted, de-duplicated); raises field-keyed ValidationError."""
        if isinstance(borough, str):
            found = borough_by_name_or_code(borough.strip()).first() if borough.strip() else None
            if borough.strip() and found is None:
                raise ValidationError({"borough": [MSG_BOROUGH.format(value=borough)]})
            borough = found
        return cls(
            vehicle_types=_choices("vehicle_type", vehicle_types, VehicleType.values),
            borough=borough,
            reasons=_choices("reason", reasons, SeizureReason.values),
            sources=_choices("source", sources, Source.values),
        )

    def as_dict(self) -> dict[str, Any]:
        """The JSON stored on a run and matched by `latest_hotspots` (exact equality)."""
        return {
            "vehicle_types": list(self.vehicle_types) if self.vehicle_types else None,
            "borough": self.borough.gss_code if self.borough else None,
            "reasons": list(self.reasons) if self.reasons else None,
            "sources": list(self.sources) if self.sources else None,
        }

    def sql_params(self) -> dict[str, Any]:
        return {
            "vehicle_types": list(self.vehicle_types) if self.vehicle_types else None,
            "borough_id": self.borough.pk if self.borough else None,
            "reasons": list(self.reasons) if self.reasons else None,
            "sources": list(self.sources) if self.sources else None,
        }


def _choices(field: str, values, allowed: list[str]) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [v for v in values.split(",")]
    cleaned = sorted({str(v).strip() for v in values if str(v).strip()})
    for value in cleaned:
        if value not in allowed:
            raise ValidationError({field: [MSG_CHOICE.format(value=value, choices=", ".join(allowed))]})
    return tuple(cleaned) or None


@dataclass(frozen=True)
class Window:
    """The data window [since, until], both inclusive, time-zone aware."""

    since: datetime
    until: datetime

    @classmethod
    def build(cls, *, since: datetime | None, until: datetime | None, now: datetime | None = None) -> Window:
        """Defaults: until = now, since = until - HOTSPOT_WINDOW_DAYS. Raises field-keyed
        ValidationError for naive times or since >= until."""
        for name, value in (("since", since), ("until", until), ("now", now)):
            if value is not None and timezone.is_naive(value):
                raise ValidationError({name: [MSG_NAIVE]})
        until = until or now or timezone.now()
        since = since or until - timedelta(days=settings.HOTSPOT_WINDOW_DAYS)
        if since >= until:
            raise ValidationError({"since": [MSG_WINDOW]})
        return cls(since=since, until=until)
