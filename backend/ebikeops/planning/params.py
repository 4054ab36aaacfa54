"""What a suggestion depends on: its parameters, the area asked about, the time it is for.

`SuggestionParams` holds every tunable number with its default (see README, "Deployment
suggestions"); all of them are stored with each run. `LIMITS` bounds the ones the API
accepts; services check the same bounds, so programmatic callers get the same 400s.
"""

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError

from ebikeops.areas.models import Borough
from ebikeops.core.models import Source

from . import errors
from .signals import SIGNALS, default_weights


@dataclass(frozen=True)
class SuggestionParams:
    # Stop points
    k: int = 3  # stop points per suggestion (at most)
    spacing_m: float = 400.0  # stop points at least this far apart
    section_length_m: float = 3000.0  # first to last stop point of one suggestion, at most
    min_stop_ratio: float = 0.2  # a stop point needs this fraction of its section's best stop
    # A team's 2nd, 3rd ... stop point only when it is as strong as the next team's first
    # (candidates.trim_extras); off, every team keeps up to k stop points.
    earned_stops: bool = True
    # Demand along a corridor
    distance_m: float = 75.0  # events this close to a corridor count for it
    bandwidth_m: float = 200.0  # Gaussian kernel along the road
    step_m: float = 25.0  # density sampled every step_m metres
    # A year of history with a 60-day half-life, chosen on the calibration folds only (Met
    # burglary, July 2023 to February 2024; half-lives 30, 60, 90, 180, 365 days), then
    # evaluated on the later folds (docs/methods/suggestions.md, docs/BACKTEST_SUGGESTIONS.md).
    half_life_days: float = 60.0  # recency weight halves every half_life_days
    window_days: int = 365  # history used
    weights: dict[str, float] = field(default_factory=default_weights)
    sources: tuple[str, ...] = tuple(Source.values)
    # police.uk crime types read by the "incidents" signal (off by default: weights has no
    # "incidents" key). The example, the phone-snatch proxy; the back-test tried others.
    context_types: tuple[str, ...] = ("Theft from the person", "Robbery")
    # Off-corridor places
    hotspot_eps_m: float = 100.0
    hotspot_min_points: int = 5
    hotspot_reach_m: float = 200.0  # events this close to an off-corridor suggestion count in its evidence
    # Every stop point's score: recency- and signal-weighted events this close to it, times
    # its time fit and cool-down. Spacing, sections and ranking all use that one score.
    stop_reach_m: float = 150.0
    # Time
    band_hours: int = 4  # time windows are weekday + bands of this many hours from 02:00
    time_prior_events: float = 5.0  # smoothing of the requested-hours share (pseudo-events)
    # Coverage and cool-down
    cooldown_days: float = 14.0
    cooldown_strength: float = 0.6  # an operation at a place just now lowers its score by this much
    cooldown_radius_m: float = 300.0  # an operation this close to a stop point was "here"
    max_week_share: float = 0.4  # of the last 7 days' operations in the area, at most this many here
    week_min_operations: int = 5  # the weekly share applies from this many operations (with this shift)
    # Dwell and rotation (Koper 1995: 10-15 minutes, then move on)
    dwell_min_minutes: int = 10
    dwell_max_minutes: int = 15
    max_sections_per_corridor: int = 3

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = list(self.sources)
        data["context_types"] = list(self.context_types)
        return data

    def with_changes(self, **changes: Any) -> "SuggestionParams":
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in changes.items() if k in known and v is not None})

    def check(self) -> None:
        """Raise ValidationError keyed by field for any value out of its bounds."""
        problems: dict[str, list[str]] = {}
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if not low <= value <= high:
                problems[name] = [errors.OUT_OF_RANGE.format(low=low, high=high)]
        if self.dwell_min_minutes > self.dwell_max_minutes:
            problems["dwell_min_minutes"] = [errors.DWELL_ORDER]
        problems.update(self._weight_problems())
        for source in self.sources:
            if source not in Source.values:
                problems["sources"] = [errors.UNKNOWN_SOURCE.format(value=source)]
        if self.weights.get("incidents", 0) > 0 and not _context_types_ok(self.context_types):
            problems["context_types"] = [
                errors.CONTEXT_TYPES.format(most=MAX_CONTEXT_TYPES, length=MAX_CRIME_TYPE_LENGTH)
            ]
        if problems:
            raise ValidationError(problems)

    def _weight_problems(self) -> dict[str, list[str]]:
        for key, weight in self.weights.items():
            if key not in SIGNALS:
                return {"weights": [errors.UNKNOWN_SIGNAL.format(key=key, known=", ".join(SIGNALS))]}
            if weight < 0:
                return {"weights": [errors.NEGATIVE_WEIGHT]}
        if not any(weight > 0 for weight in self.weights.values()):
            return {"weights": [errors.NEGATIVE_WEIGHT]}
        return {}


# Bounds of the values callers may set (inclusive).
LIMITS: dict[str, tuple[float, float]] = {
    "k": (1, 8),
    "spacing_m": (100, 5000),
    "section_length_m": (200, 20000),
    "distance_m": (10, 500),
    "bandwidth_m": (25, 2000),
    "half_life_days": (1, 365),
    "window_days": (7, 730),
    "cooldown_days": (0, 90),
    "cooldown_strength": (0, 1),
    "cooldown_radius_m": (0, 5000),
    "max_week_share": (0.05, 1),
    "dwell_min_minutes": (1, 60),
    "dwell_max_minutes": (1, 60),
    "hotspot_eps_m": (10, 1000),
    "hotspot_min_points": (2, 1000),
    "stop_reach_m": (25, 1000),
}
MAX_RADIUS_M = 20_000
MAX_CONTEXT_TYPES = 20
MAX_CRIME_TYPE_LENGTH = 60  # Incident.crime_type's max_length


def _context_types_ok(types: tuple[str, ...]) -> bool:
    return 1 <= len(types) <= MAX_CONTEXT_TYPES and all(
        isinstance(t, str) and 1 <= len(t.strip()) <= MAX_CRIME_TYPE_LENGTH for t in types
    )


MAX_SHIFT_HOURS = 24
MAX_DAYS_AHEAD = 28
# The earliest time a suggestion can be asked for: police.uk street-level data begins in
# December 2010, and nothing this product holds is older. Any later past moment is answered
# from the records before it.
EARLIEST = datetime(2010, 12, 1, tzinfo=UTC)
# The latest date any planning input may carry (suggestions themselves go MAX_DAYS_AHEAD).
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_TEAMS = 12


@dataclass(frozen=True)
class Area:
    """Where suggestions are wanted: a point and radius, a borough, a box, or all of London."""

    point: Point | None = None
    radius_m: float | None = None
    borough: Borough | None = None
    bbox: Polygon | None = None

    def sql_params(self) -> dict[str, Any]:
        if self.point is not None:
            return {"area_borough_id": None, "area_ewkt": self.point.ewkt, "area_reach_m": self.radius_m}
        if self.borough is not None:
            return {"area_borough_id": self.borough.pk, "area_ewkt": None, "area_reach_m": 0.0}
        if self.bbox is not None:
            return {"area_borough_id": None, "area_ewkt": self.bbox.ewkt, "area_reach_m": 0.0}
        return {"area_borough_id": None, "area_ewkt": None, "area_reach_m": 0.0}

    def describe(self) -> str:
        if self.point is not None:
            return f"within {self.radius_m:g} m of this point"
        if self.borough is not None:
            return f"in {self.borough.name}"
        if self.bbox is not None:
            return "in this box"
        return "in London"

    def as_json(self) -> dict[str, Any]:
        if self.point is not None:
            return {"type": "point", "lon": self.point.x, "lat": self.point.y, "radius_m": self.radius_m}
        if self.borough is not None:
            return {"type": "borough", "name": self.borough.name, "gss_code": self.borough.gss_code}
        if self.bbox is not None:
            return {"type": "bbox", "bbox": list(self.bbox.extent)}
        return {"type": "london"}


def check_window(
    *, start: datetime, end: datetime, now: datetime, start_field: str = "start", end_field: str = "end"
) -> None:
    """Raise ValidationError keyed by field unless start < end, the window is at most
    MAX_SHIFT_HOURS long and starts between EARLIEST and MAX_DAYS_AHEAD days ahead."""
    if end <= start:
        raise ValidationError({end_field: errors.END_BEFORE_START})
    if end - start > timedelta(hours=MAX_SHIFT_HOURS):
        raise ValidationError({end_field: errors.WINDOW_TOO_LONG.format(hours=MAX_SHIFT_HOURS)})
    if start > now + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({start_field: errors.TOO_FAR_AHEAD.format(days=MAX_DAYS_AHEAD)})
    if start < EARLIEST:
        raise ValidationError({start_field: errors.TOO_FAR_BACK.format(earliest=f"{EARLIEST:%d %B %Y}")})
