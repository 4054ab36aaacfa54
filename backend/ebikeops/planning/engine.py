"""How deployment suggestions are made. README "Deployment suggestions" explains the method
in words; this module is that method, step by step.

1. Demand along each corridor (PostGIS, `sql.PROFILE`): every event of every signal within
   `distance_m` of the corridor, located along it in the metric SRID, weighted for recency,
   smoothed by a Gaussian kernel along the road. Signals are summed with their weights.
2. Stop points: local maxima of that density, greedily kept at least `spacing_m` apart, each
   with the share of the corridor's demand within `spacing_m / 2` of it along the road.
3. Off-corridor places: the hotspots of the newest stored hotspot run (ebikeops.hotspots)
   whose centre is further than `distance_m` from every corridor; without such a run, DBSCAN
   clusters of the window's seizures that far from every corridor (`sql.CLUSTERS`). One stop
   point at each centre.
4. One stop point per place: of stop points closer than `spacing_m` (crossing corridors
   share their junction's events; a cluster may sit just off a corridor) the heaviest stays,
   so no two suggestions send teams to the same place.
5. Cool-down: a stop point near an operation that started less than `cooldown_days` ago is
   lowered, most for the most recent.
6. Sections: per corridor, the best stretch of at most `section_length_m` holding up to `k`
   stop points (after cool-down); then the next best elsewhere on the corridor.
7. Evidence near each candidate (PostGIS, `sql.EVIDENCE`): counts by signal and by local
   weekday and hour, giving the time windows and how much of the history falls in the
   requested hours. Score = recency-weighted demand within reach x time fit x cool-down.
   Places that already had more than `max_week_share` of the last week's operations in the
   area are held back.
8. The best `limit` candidates, in order of score.

Python only orders numbers that PostGIS measured (metres along a road, counts); every
distance, location and projection is computed in the database.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.contrib.gis.geos import LineString, MultiPoint, Point

from ebikeops.areas.models import Corridor
from ebikeops.core import fields

from . import errors, selectors
from .params import Area, SuggestionParams
from .selectors import Window
from .signals import SIGNALS, Signal

ALGORITHM_VERSION = "suggestions/1"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
BAND_OFFSET_HOUR = 2  # time bands start at 02:00, so late evenings stay in one band (22-02)
MAX_PEAKS_PER_CORRIDOR = 40
MAX_CLUSTERS = 50


def code_version() -> str:
    return fields.code_version(ALGORITHM_VERSION)


@dataclass
class Stop:
    lon: float
    lat: float
    mass: float  # recency-weighted events near it (kernel mass within spacing/2 along the road)
    share: float  # of its corridor's (or place's) demand
    along_m: float | None = None
    borough: str | None = None
    last_operation_at: datetime | None = None
    week_operations: frozenset[str] = frozenset()
    factor: float = 1.0  # cool-down multiplier

    def __post_init__(self) -> None:
        # 6 decimals is about 10 cm: the same numbers in the geometry and in `stops`.
        self.lon, self.lat = round(self.lon, 6), round(self.lat, 6)

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat, srid=4326)


@dataclass
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

    @property
    def stop_points(self) -> MultiPoint:
        return MultiPoint([stop.point for stop in self.stops], srid=4326)

    @property
    def sort_key(self) -> tuple:
        slug = self.corridor.slug if self.corridor else ""
        return (-self.score, slug, self.section_from_m or 0.0, self.stops[0].lon, self.stops[0].lat)


@dataclass
class Outcome:
    window: Window
    valid_from: datetime
    valid_until: datetime
    candidates: list[Candidate]  # chosen, best first
    held_back: list[Candidate]
    message: str
    considered: int = 0
    off_corridor: dict = field(default_factory=dict)  # where the off-corridor places came from


# --- Step 1 and 2: density along corridors and its peaks --------------------------------------


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


def _peaks(density: np.ndarray, *, length_m: float, params: SuggestionParams) -> list[tuple[float, float]]:
    """(metres along, kernel mass within spacing/2) of the density's local maxima, the
    highest first, each at least `spacing_m` from every higher one kept."""
    positions = np.minimum(np.arange(len(density)) * params.step_m, length_m)
    left = np.concatenate(([-np.inf], density[:-1]))
    right = np.concatenate((density[1:], [-np.inf]))
    maxima = np.flatnonzero((density > 0) & (density >= left) & (density > right))
    order = sorted(maxima, key=lambda i: (-density[i], i))
    kept: list[tuple[float, float]] = []
    half = params.spacing_m / 2
    for i in order:
        at_m = float(positions[i])
        if any(abs(at_m - other) < params.spacing_m for other, _ in kept):
            continue
        near = np.abs(positions - at_m) <= half
        kept.append((at_m, float(density[near].sum() * params.step_m)))
        if len(kept) >= MAX_PEAKS_PER_CORRIDOR:
            break
    return kept


# --- Step 4 and 5: cool-down and sections -----------------------------------------------------


def _cooldown_factor(last: datetime | None, *, at: datetime, params: SuggestionParams) -> float:
    if last is None or params.cooldown_days <= 0:
        return 1.0
    days = (at - last).total_seconds() / 86400
    freshness = max(0.0, 1.0 - days / params.cooldown_days)
    return 1.0 - params.cooldown_strength * freshness


def _sections(stops: list[Stop], params: SuggestionParams) -> list[list[Stop]]:
    """Up to `max_sections_per_corridor` stretches of one corridor, best first: each the
    window of at most `section_length_m` whose best `k` stop points (by mass after cool-down)
    weigh most; stop points under `min_stop_ratio` of the stretch's best are left out."""
    remaining = sorted(stops, key=lambda s: s.along_m or 0.0)
    sections: list[list[Stop]] = []
    while remaining and len(sections) < params.max_sections_per_corridor:
        best: tuple[float, list[Stop]] | None = None
        for first in remaining:
            inside = [s for s in remaining if first.along_m <= s.along_m <= first.along_m + params.section_length_m]
            chosen = sorted(inside, key=lambda s: (-s.mass * s.factor, s.along_m))[: params.k]
            value = sum(s.mass * s.factor for s in chosen)
            if best is None or value > best[0]:
                best = (value, chosen)
        if best is None or best[0] <= 0:
            break
        top = max(s.mass * s.factor for s in best[1])
        chosen = sorted(
            (s for s in best[1] if s.mass * s.factor >= params.min_stop_ratio * top), key=lambda s: s.along_m
        )
        sections.append(chosen)
        low, high = chosen[0].along_m, chosen[-1].along_m
        remaining = [s for s in remaining if not low <= s.along_m <= high]
    return sections


# --- Step 6 and 7: evidence, time fit, score ----------------------------------------------------


def hours_of_week(valid_from: datetime, valid_until: datetime) -> set[tuple[int, int]]:
    """The (ISO weekday, local hour) pairs that [valid_from, valid_until) touches."""
    zone = ZoneInfo(settings.TIME_ZONE)
    hours: set[tuple[int, int]] = set()
    moment = valid_from.replace(minute=0, second=0, microsecond=0)
    while moment < valid_until and len(hours) < 168:
        local = moment.astimezone(zone)
        hours.add((local.isoweekday(), local.hour))
        moment += timedelta(hours=1)
    return hours


def _band(isodow: int, hour: int, band_hours: int) -> tuple[int, int]:
    """(ISO weekday, band start hour): a band belongs to the day it starts on."""
    shifted = hour - BAND_OFFSET_HOUR
    if shifted < 0:
        shifted += 24
        isodow = 7 if isodow == 1 else isodow - 1
    return isodow, (BAND_OFFSET_HOUR + shifted // band_hours * band_hours) % 24


def time_windows(histogram: Counter, *, band_hours: int, top: int = 3) -> list[dict]:
    """The weekday and hour bands with most events, most first, with counts and shares."""
    total = sum(histogram.values())
    if not total:
        return []
    bands: Counter = Counter()
    for (isodow, hour), count in histogram.items():
        bands[_band(isodow, hour, band_hours)] += count
    ranked = sorted(bands.items(), key=lambda item: (-item[1], item[0]))[:top]
    windows = []
    for (isodow, start), count in ranked:
        end = (start + band_hours) % 24
        windows.append(
            {
                "weekday": WEEKDAYS[isodow - 1],
                "isoweekday": isodow,
                "start": f"{start:02d}:00",
                "end": f"{end:02d}:00",
                "label": f"{WEEKDAYS[isodow - 1]} {start:02d}:00-{end:02d}:00",
                "count": count,
                "share": round(count / total, 3),
            }
        )
    return windows


def _evidence(candidates: list[Candidate], window: Window, params: SuggestionParams, signals: list[Signal]) -> None:
    reaches = []
    for index, candidate in enumerate(candidates):
        if candidate.kind == "corridor":
            reaches.append((index, candidate.section.ewkt, params.distance_m))
        else:
            reaches.append((index, candidate.stops[0].point.ewkt, params.hotspot_reach_m))
    for signal in signals:
        weight = params.weights[signal.key]
        for candidate in candidates:
            candidate.counts.setdefault(signal.key, 0)
        for index, isodow, hour, events, weighted in selectors.candidate_evidence(
            signal, reaches=reaches, window=window, params=params
        ):
            candidate = candidates[index]
            candidate.counts[signal.key] += events
            candidate.demand += weight * weighted
            candidate.histogram[(isodow, hour)] += events


def _score(candidate: Candidate, *, wanted_hours: set[tuple[int, int]], params: SuggestionParams) -> None:
    events = sum(candidate.histogram.values())
    in_hours = sum(n for key, n in candidate.histogram.items() if key in wanted_hours)
    baseline = min(1.0, len(wanted_hours) / 168)
    prior = params.time_prior_events
    candidate.in_hours = in_hours / events if events else 0.0
    candidate.time_fit = (in_hours + prior * baseline) / (events + prior) if events + prior else baseline
    candidate.time_factor = candidate.time_fit / baseline if baseline else 1.0
    masses = [stop.mass for stop in candidate.stops]
    total = sum(masses)
    candidate.cooldown_factor = sum(stop.mass * stop.factor for stop in candidate.stops) / total if total else 1.0
    candidate.score = candidate.demand * candidate.time_factor * candidate.cooldown_factor


def _hold_back(candidates: list[Candidate], *, area_operations: int, params: SuggestionParams) -> None:
    for candidate in candidates:
        here = set().union(*(stop.week_operations for stop in candidate.stops))
        total = max(area_operations, len(here))
        if here and total + 1 >= params.week_min_operations and (len(here) + 1) / (total + 1) > params.max_week_share:
            candidate.held_back = (
                f"{len(here)} of the {total} operations {{area}} in the last 7 days were here; one more "
                f"would take this place above {params.max_week_share:.0%} of the week's operations"
            )


def _off_corridor_places(
    area: Area, window: Window, params: SuggestionParams, signals: list[Signal]
) -> tuple[list["Candidate"], dict]:
    """Candidates at places off every corridor, and where they came from.

    With `params.use_hotspot_runs`, the newest completed hotspot run whose window overlaps
    ours gives the places (its hotspots' centres and stable keys); their seizure counts are
    scaled to our window so they compare with corridor stop points. Otherwise, or without
    such a run, DBSCAN clusters of the window's events (signals that cluster) give them.
    """
    if params.use_hotspot_runs:
        run = selectors.hotspot_run_for(window, params)
        if run is not None:
            run_days = max((run.until - run.since).total_seconds() / 86400, 1.0)
            scale = min(1.0, params.window_days / run_days)
            places = []
            for key, seizures, lon, lat, borough in selectors.hotspots_off_corridors(
                run, area=area, params=params, limit=MAX_CLUSTERS
            ):
                stop = Stop(lon=lon, lat=lat, mass=seizures * scale, share=1.0, borough=borough)
                places.append(Candidate(kind="hotspot", stops=[stop], cluster_events=seizures, hotspot_key=key))
            source = {
                "source": "hotspot_run",
                "run": str(run.pk),
                "since": run.since.isoformat(),
                "until": run.until.isoformat(),
                "method": run.method,
            }
            return places, source
    places = []
    for signal in signals:
        if not signal.clusters:
            continue
        for _, events, lon, lat, borough in selectors.event_clusters(
            signal, area=area, window=window, params=params, off_corridor=True, limit=MAX_CLUSTERS
        ):
            stop = Stop(lon=lon, lat=lat, mass=float(events), share=1.0, borough=borough)
            places.append(Candidate(kind="hotspot", stops=[stop], cluster_events=events))
    return places, {"source": "dbscan", "eps_m": params.hotspot_eps_m, "min_points": params.hotspot_min_points}


def _spread(
    stops_by_corridor: dict[int, list[Stop]],
    hotspots: list[Candidate],
    corridors: dict[int, Corridor],
    params: SuggestionParams,
) -> set[int]:
    """ids of the stop points kept when, heaviest first, every stop point within `spacing_m`
    (measured by PostGIS) of a heavier kept one is dropped."""
    everything: list[tuple[tuple, Stop]] = [
        ((-stop.mass, corridors[cid].slug, stop.along_m), stop)
        for cid, stops in stops_by_corridor.items()
        for stop in stops
    ] + [((-h.stops[0].mass, "~", h.stops[0].lon, h.stops[0].lat), h.stops[0]) for h in hotspots]
    everything.sort(key=lambda item: item[0])
    ordered = [stop for _, stop in everything]
    near: dict[int, set[int]] = defaultdict(set)
    for a, b in selectors.close_pairs([(i, stop.point.ewkt) for i, stop in enumerate(ordered)], min_m=params.spacing_m):
        near[a].add(b)
        near[b].add(a)
    kept: list[int] = []
    for i in range(len(ordered)):
        if not near[i] & set(kept):
            kept.append(i)
    return {id(ordered[i]) for i in kept}


# --- The whole thing ----------------------------------------------------------------------------


def make_suggestions(
    *,
    area: Area,
    valid_from: datetime,
    valid_until: datetime,
    params: SuggestionParams,
    now: datetime,
    limit: int,
) -> Outcome:
    """Suggestions for `area` and the hours [valid_from, valid_until): at most `limit`,
    best first, no two within `params.spacing_m`. History is the `window_days` before
    min(valid_from, now). Reads only; `services` stores the outcome."""
    params.check()
    until = min(valid_from, now)
    window = Window(since=until - timedelta(days=params.window_days), until=until, at=valid_from)
    signals = [SIGNALS[key] for key, weight in params.weights.items() if weight > 0]

    # 1-2. Density along the corridors and its peaks.
    corridors = selectors.corridors_for_area(area)
    densities, totals = _profiles(corridors, window, params, signals)
    peaks: list[tuple[int, float, float]] = []
    for corridor_id in sorted(densities):
        corridor = corridors[corridor_id]
        for along_m, mass in _peaks(densities[corridor_id], length_m=corridor.length_m, params=params):
            peaks.append((corridor_id, along_m, mass))
    placed = selectors.stops_on_corridors(
        [(i, corridor_id, along_m) for i, (corridor_id, along_m, _) in enumerate(peaks)], area=area
    )
    stops_by_corridor: dict[int, list[Stop]] = defaultdict(list)
    for i, (corridor_id, along_m, mass) in enumerate(peaks):
        lon, lat, borough, in_area = placed[i]
        if in_area:
            share = mass / totals[corridor_id] if totals.get(corridor_id) else 0.0
            stops_by_corridor[corridor_id].append(
                Stop(lon=lon, lat=lat, mass=mass, share=share, along_m=along_m, borough=borough)
            )

    # 3. Off-corridor places: a stored hotspot run's where there is one, else our own clusters.
    hotspots, off_corridor = _off_corridor_places(area, window, params, signals)

    # 4. One stop point per place: across corridors (crossing roads share their junction's
    # events) and off-corridor places, the heavier of two within spacing_m is kept.
    kept = _spread(stops_by_corridor, hotspots, corridors, params)
    stops_by_corridor = {cid: [s for s in stops if id(s) in kept] for cid, stops in stops_by_corridor.items()}
    hotspots = [h for h in hotspots if id(h.stops[0]) in kept]

    # 5. Cool-down, for every stop point at once.
    all_stops = [s for stops in stops_by_corridor.values() for s in stops] + [h.stops[0] for h in hotspots]
    lookback = lookback_days(params)
    recent = selectors.recent_operations(
        [(i, s.lon, s.lat) for i, s in enumerate(all_stops)],
        at=valid_from,
        since=valid_from - timedelta(days=lookback),
        week_since=valid_from - timedelta(days=7),
        radius_m=params.cooldown_radius_m,
    )
    for i, stop in enumerate(all_stops):
        if i in recent:
            stop.last_operation_at, week = recent[i]
            stop.week_operations = frozenset(week)
            stop.factor = _cooldown_factor(stop.last_operation_at, at=valid_from, params=params)

    # 6. Sections along each corridor.
    candidates: list[Candidate] = []
    for corridor_id in sorted(stops_by_corridor, key=lambda cid: corridors[cid].slug):
        corridor = corridors[corridor_id]
        half = params.spacing_m / 2
        for stops in _sections(stops_by_corridor[corridor_id], params):
            candidates.append(
                Candidate(
                    kind="corridor",
                    stops=stops,
                    corridor=corridor,
                    corridor_weight=totals[corridor_id],
                    section_from_m=max(0.0, stops[0].along_m - half),
                    section_to_m=min(corridor.length_m, stops[-1].along_m + half),
                )
            )
    sections = selectors.corridor_sections(
        [(i, c.corridor.pk, c.section_from_m, c.section_to_m) for i, c in enumerate(candidates)]
    )
    for i, candidate in enumerate(candidates):
        candidate.section = sections[i]
    candidates.extend(hotspots)

    if not candidates:
        message = errors.NO_CORRIDORS_OR_DATA.format(
            area=area.describe(),
            distance_m=params.distance_m,
            min_points=params.hotspot_min_points,
            window=describe_window(params.window_days),
            until=local_time(window.until),
        )
        return Outcome(window, valid_from, valid_until, [], [], message, off_corridor=off_corridor)

    # 7. Evidence, time fit, cool-down, score; the weekly share.
    _evidence(candidates, window, params, signals)
    wanted_hours = hours_of_week(valid_from, valid_until)
    for candidate in candidates:
        _score(candidate, wanted_hours=wanted_hours, params=params)
    if any(stop.week_operations for c in candidates for stop in c.stops):
        area_operations = selectors.operations_in_area(area, at=valid_from, week_since=valid_from - timedelta(days=7))
        _hold_back(candidates, area_operations=area_operations, params=params)
    candidates = [c for c in candidates if c.demand > 0]
    held = sorted((c for c in candidates if c.held_back), key=lambda c: c.sort_key)
    for c in held:
        c.held_back = c.held_back.format(area=area.describe())
    ranked = sorted((c for c in candidates if not c.held_back), key=lambda c: c.sort_key)

    # 8. The best (stop points are already spacing_m apart, across suggestions too).
    result = ranked[:limit]

    if result:
        message = errors.SOME_SUGGESTIONS.format(
            count=len(result),
            s="" if len(result) == 1 else "s",
            area=area.describe(),
            window=describe_window(params.window_days),
            until=local_time(window.until),
        )
    elif held:
        message = errors.ALL_HELD_BACK.format(area=area.describe(), share=params.max_week_share)
    else:
        message = errors.NO_CORRIDORS_OR_DATA.format(
            area=area.describe(),
            distance_m=params.distance_m,
            min_points=params.hotspot_min_points,
            window=describe_window(params.window_days),
            until=local_time(window.until),
        )
    return Outcome(
        window, valid_from, valid_until, result, held, message, considered=len(candidates), off_corridor=off_corridor
    )


# --- Words --------------------------------------------------------------------------------------


def lookback_days(params: SuggestionParams) -> int:
    """How far back operations are looked for (cool-down, weekly share, "last operation here")."""
    return math.ceil(max(params.window_days, params.cooldown_days, 7))


def describe_window(days: int) -> str:
    """ "8 weeks", "1 week", "10 days"."""
    if days % 7 == 0:
        weeks = days // 7
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return f"{days} days"


def local_time(moment: datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(settings.TIME_ZONE)):%a %d %b %Y %H:%M}"


def _count_words(counts: dict[str, int]) -> str:
    parts = [SIGNALS[key].describe(n) for key, n in counts.items() if n]
    if not parts:
        return "no events"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def title(candidate: Candidate) -> str:
    boroughs = list(dict.fromkeys(s.borough for s in candidate.stops if s.borough))
    where = ", ".join(boroughs) or "London"
    if candidate.kind == "corridor":
        return f"{candidate.corridor.name}, {where}"
    return f"Off-corridor hotspot, {where}"


def rationale(candidate: Candidate, *, params: SuggestionParams, at: datetime, windows: list[dict]) -> str:
    """A sentence a sergeant can read aloud: the evidence, when it happens, and the
    cool-down, e.g. "31 seizures within 75 m in the last 8 weeks, 60% on Saturdays 14-18h;
    last operation here 19 days ago."""
    reach = params.distance_m if candidate.kind == "corridor" else params.hotspot_reach_m
    where = "" if candidate.kind == "corridor" else " of this spot (off the mapped corridors)"
    parts = [
        f"{_count_words(candidate.counts)} within {reach:g} m{where} in the last {describe_window(params.window_days)}"
    ]
    if windows:
        best = windows[0]
        parts[0] += f", {best['share']:.0%} on {best['weekday']}s {int(best['start'][:2])}-{int(best['end'][:2])}h"
    sentences = [parts[0]]
    hours = ""
    if candidate.time_factor != 1.0:
        if not candidate.in_hours:
            share = "none"
        elif candidate.in_hours < 0.005:  # decayed weights: a few old seizures round to "0%"
            share = "under 1%"
        else:
            share = f"{candidate.in_hours:.0%}"
        hours = f"{share} of them in the hours asked about"
    last = max((s.last_operation_at for s in candidate.stops if s.last_operation_at), default=None)
    if last is None:
        visit = f"no operation here in the last {describe_window(lookback_days(params))}"
    else:
        days = max(0, int((at - last).total_seconds() // 86400))
        when = "today" if days == 0 else ("1 day ago" if days == 1 else f"{days} days ago")
        visit = f"last operation here {when}"
        if candidate.cooldown_factor < 0.995:
            visit += f", so lowered by {1 - candidate.cooldown_factor:.0%} (cool-down {params.cooldown_days:g} days)"
    tail = "; ".join(part for part in (hours, visit) if part)
    return f"{sentences[0]}; {tail}."


def rotation(candidate: Candidate, *, params: SuggestionParams) -> tuple[list[int], list[int], dict]:
    """Stop numbers (along the road), dwell minutes per stop, and the rotation: start at the
    busiest stop, then the nearest not yet visited (Koper: 10-15 minutes at a hot spot, then
    move on, varying the start so the pattern cannot be read)."""
    stops = candidate.stops
    top = max(s.share for s in stops) or 1.0
    span = params.dwell_max_minutes - params.dwell_min_minutes
    dwell = [round(params.dwell_min_minutes + span * s.share / top) for s in stops]
    numbers = list(range(1, len(stops) + 1))
    start = max(numbers, key=lambda n: (stops[n - 1].share, -n))
    order = [start]
    while len(order) < len(stops):
        here = stops[order[-1] - 1].along_m or 0.0
        order.append(
            min((n for n in numbers if n not in order), key=lambda n: (abs((stops[n - 1].along_m or 0.0) - here), n))
        )
    plan = {
        "order": order,
        "cycle_minutes": sum(dwell),
        "dwell_minutes": {"min": params.dwell_min_minutes, "max": params.dwell_max_minutes},
        "note": (
            f"Stay {params.dwell_min_minutes}-{params.dwell_max_minutes} minutes at each stop point, "
            "then move to the next in this order; start each cycle at a different stop point so "
            "the pattern cannot be read (Koper 1995)."
        ),
    }
    return numbers, dwell, plan
