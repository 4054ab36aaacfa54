"""Where a team could stand: stop points along corridors and at places off them, and the
suggestions (corridor sections, off-corridor places) built from the stop points kept.

Steps 1-3 and 6 of the method (see `engine`). Python only orders numbers PostGIS measured
(metres along a road, weighted counts); every distance and position comes from the database.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.contrib.gis.geos import LineString, MultiPoint, Point

from ebikeops.areas.models import Corridor

from . import selectors
from .params import Area, SuggestionParams
from .selectors import Window
from .signals import Signal

MAX_PEAKS_PER_CORRIDOR = 40
# Off-corridor places: the locations scored, and the best kept as stop points.
PLACE_POOL = 400
MAX_PLACES = 150


@dataclass(eq=False)
class Stop:
    lon: float
    lat: float
    mass: float  # where it came from: kernel mass along the road, or weighted events at the place
    share: float  # of its corridor's (or place's) demand
    along_m: float | None = None
    borough: str | None = None
    corridor: Corridor | None = None
    last_operation_at: datetime | None = None
    week_operations: frozenset[str] = frozenset()
    factor: float = 1.0  # cool-down multiplier
    weight: float = 0.0  # recency- and signal-weighted events within stop_reach_m
    events: int = 0
    histogram: Counter = field(default_factory=Counter)  # (isodow, hour) -> events within reach
    time_factor: float = 1.0
    score: float = 0.0  # weight x time_factor x factor: the one score for spacing and ranking
    name: str = ""

    def __post_init__(self) -> None:
        # 6 decimals is about 10 cm: the same numbers in the geometry and in `stops`.
        self.lon, self.lat = round(self.lon, 6), round(self.lat, 6)

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat, srid=4326)

    @property
    def tie_key(self) -> tuple:
        slug = self.corridor.slug if self.corridor else "~"
        return (-self.score, slug, self.along_m or 0.0, self.lon, self.lat)


@dataclass(eq=False)
class Candidate:
    kind: str  # "corridor" | "hotspot"
    stops: list[Stop]
    corridor: Corridor | None = None
    corridor_weight: float = 0.0
    section_from_m: float | None = None
    section_to_m: float | None = None
    section: LineString | None = None
    cluster_events: int = 0
    hotspot_key: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    demand: float = 0.0
    histogram: Counter = field(default_factory=Counter)  # (isodow, hour) -> events
    time_fit: float = 0.0  # smoothed share of the events in the requested hours
    in_hours: float = 0.0  # raw share of the events in the requested hours
    time_factor: float = 1.0
    cooldown_factor: float = 1.0
    score: float = 0.0
    held_back: str = ""
    title: str = ""

    @property
    def stop_points(self) -> MultiPoint:
        return MultiPoint([stop.point for stop in self.stops], srid=4326)

    @property
    def sort_key(self) -> tuple:
        slug = self.corridor.slug if self.corridor else "~"
        return (-self.score, slug, self.section_from_m or 0.0, self.stops[0].lon, self.stops[0].lat)


# --- Step 1: density along corridors and its peaks ----------------------------------------------


def _profiles(
    corridors: dict[int, Corridor], window: Window, params: SuggestionParams, signals: list[Signal]
) -> tuple[dict[int, np.ndarray], dict[int, float]]:
    """Signal-weighted density per corridor sample, and each corridor's weighted total."""
    densities: dict[int, np.ndarray] = {}
    totals: dict[int, float] = defaultdict(float)
    for signal in signals:
        weight = params.weights[signal.key]
        seen: set[int] = set()
        rows = selectors.corridor_profiles(signal, corridor_ids=list(corridors), window=window, params=params)
        for corridor_id, index, _at_m, density, _events, total in rows:
            if corridor_id not in densities:
                samples = math.ceil(corridors[corridor_id].length_m / params.step_m) + 1
                densities[corridor_id] = np.zeros(samples)
            densities[corridor_id][index] += weight * density
            if corridor_id not in seen:
                totals[corridor_id] += weight * total
                seen.add(corridor_id)
    return densities, dict(totals)


def peaks(density: np.ndarray, *, length_m: float, params: SuggestionParams) -> list[tuple[float, float]]:
    """(metres along, kernel mass within spacing/2) of the density's local maxima, highest
    first. No spacing here: stop points compete for space by their one score later
    (`spacing.spread`), so a weaker density peak with more evidence near it is not lost."""
    positions = np.minimum(np.arange(len(density)) * params.step_m, length_m)
    left = np.concatenate(([-np.inf], density[:-1]))
    right = np.concatenate((density[1:], [-np.inf]))
    maxima = np.flatnonzero((density > 0) & (density >= left) & (density > right))
    order = sorted(maxima, key=lambda i: (-density[i], i))[:MAX_PEAKS_PER_CORRIDOR]
    half = params.spacing_m / 2
    kept = []
    for i in order:
        at_m = float(positions[i])
        near = np.abs(positions - at_m) <= half
        kept.append((at_m, float(density[near].sum() * params.step_m)))
    return kept


def corridor_stops(
    area: Area, window: Window, params: SuggestionParams, signals: list[Signal]
) -> tuple[dict[int, Corridor], list[Stop], dict[int, float]]:
    """The corridors of the area, a stop point at each density peak on them (in the area),
    and each corridor's weighted total."""
    corridors = selectors.corridors_for_area(area)
    densities, totals = _profiles(corridors, window, params, signals)
    found = [
        (corridor_id, along_m, mass)
        for corridor_id in sorted(densities)
        for along_m, mass in peaks(densities[corridor_id], length_m=corridors[corridor_id].length_m, params=params)
    ]
    placed = selectors.stops_on_corridors(
        [(i, corridor_id, along_m) for i, (corridor_id, along_m, _) in enumerate(found)], area=area
    )
    stops = []
    for i, (corridor_id, along_m, mass) in enumerate(found):
        lon, lat, borough, in_area = placed[i]
        if in_area:
            total = totals.get(corridor_id)
            stops.append(
                Stop(
                    lon=lon,
                    lat=lat,
                    mass=mass,
                    share=mass / total if total else 0.0,
                    along_m=along_m,
                    borough=borough,
                    corridor=corridors[corridor_id],
                )
            )
    return corridors, stops, totals


# --- Step 2: places off the corridors ------------------------------------------------------------


def off_corridor_places(area: Area, window: Window, params: SuggestionParams, signals: list[Signal]) -> list[Stop]:
    """A stop point at each place off every corridor where events repeat, from the window's
    events only (never a stored hotspot run, which may have seen later data)."""
    places = []
    for signal in signals:
        if not signal.clusters:
            continue
        for lon, lat, mass, _events, borough in selectors.off_corridor_places(
            signal, area=area, window=window, params=params, pool=PLACE_POOL, limit=MAX_PLACES
        ):
            places.append(Stop(lon=lon, lat=lat, mass=mass, share=1.0, borough=borough))
    return places


# --- Step 6: sections along each corridor ---------------------------------------------------------


def _route(leader: Stop, remaining: list[Stop], params: SuggestionParams) -> list[Stop]:
    """The leader and, strongest first, up to k - 1 other stop points that keep the stretch
    within `section_length_m` and reach `min_stop_ratio` of the leader's score."""
    chosen = [leader]
    for stop in sorted(remaining, key=lambda s: s.tie_key):
        if len(chosen) >= params.k:
            break
        if stop is leader or stop.score < params.min_stop_ratio * leader.score:
            continue
        along = [s.along_m for s in chosen] + [stop.along_m]
        if max(along) - min(along) <= params.section_length_m:
            chosen.append(stop)
    return sorted(chosen, key=lambda s: s.along_m)


def sections(stops: list[Stop], params: SuggestionParams) -> list[list[Stop]]:
    """Up to `max_sections_per_corridor` stretches of one corridor, strongest first: each led
    by the strongest stop point not yet used (the global ranking of stop points), with the
    next strongest that fit in `section_length_m` of road beside it (up to `k`, none under
    `min_stop_ratio` of the leader). Whether those extra stops are kept at all is decided
    later, against the other teams' first stops (`trim_extras`)."""
    remaining = sorted((s for s in stops if s.score > 0), key=lambda s: s.tie_key)
    found: list[list[Stop]] = []
    while remaining and len(found) < params.max_sections_per_corridor:
        chosen = _route(remaining[0], remaining, params)
        found.append(chosen)
        low, high = chosen[0].along_m, chosen[-1].along_m
        remaining = [s for s in remaining if not low <= s.along_m <= high]
    return found


def leader_score(candidate: Candidate) -> float:
    """The score of a suggestion's strongest stop point: what puts a team on it at all."""
    return max((s.score for s in candidate.stops), default=0.0)


def trim_extras(chosen: list[Candidate], *, next_first: float, params: SuggestionParams) -> None:
    """Keep a team's 2nd, 3rd ... stop point only when it is at least as strong as the first
    stop point of the next team that was not sent (`next_first`): a weaker stop would watch
    road that a further team would watch better. With `earned_stops` off, nothing is trimmed."""
    if not params.earned_stops:
        return
    for candidate in chosen:
        lead = max(candidate.stops, key=lambda s: s.score)
        candidate.stops = [s for s in candidate.stops if s is lead or s.score >= next_first]


def place_sections(found: list[Candidate], params: SuggestionParams) -> None:
    """Each corridor suggestion's stretch of road (from its first to its last stop point,
    plus spacing/2 either side) and its geometry, from PostGIS."""
    half = params.spacing_m / 2
    for c in found:
        if c.kind == "corridor":
            c.section_from_m = max(0.0, min(s.along_m for s in c.stops) - half)
            c.section_to_m = min(c.corridor.length_m, max(s.along_m for s in c.stops) + half)
    corridor = [(i, c) for i, c in enumerate(found) if c.kind == "corridor"]
    geometry = selectors.corridor_sections([(i, c.corridor.pk, c.section_from_m, c.section_to_m) for i, c in corridor])
    for i, candidate in corridor:
        candidate.section = geometry[i]


def assemble(stops: list[Stop], *, totals: dict[int, float], params: SuggestionParams) -> list[Candidate]:
    """Suggestions from the stop points kept: sections of each corridor, then one per place."""
    by_corridor: dict[int, list[Stop]] = defaultdict(list)
    for stop in stops:
        if stop.corridor is not None:
            by_corridor[stop.corridor.pk].append(stop)
    found: list[Candidate] = []
    for corridor_id in sorted(by_corridor, key=lambda cid: by_corridor[cid][0].corridor.slug):
        corridor = by_corridor[corridor_id][0].corridor
        for chosen in sections(by_corridor[corridor_id], params):
            found.append(
                Candidate(
                    kind="corridor",
                    stops=chosen,
                    corridor=corridor,
                    corridor_weight=totals.get(corridor_id, 0.0),
                )
            )
    place_sections(found, params)
    found.extend(
        Candidate(kind="hotspot", stops=[stop], cluster_events=stop.events) for stop in stops if stop.corridor is None
    )
    return found
