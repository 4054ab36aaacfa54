"""How much a stop point or a suggestion is worth for the hours asked about.

A stop point's score is the recency- and signal-weighted events within `stop_reach_m` of it,
times its time fit (how much of its history falls in the requested hours, smoothed) and its
cool-down. Spacing, sections and ranking all use that one score; a suggestion's score is the
sum of its stop points'. The evidence along a whole section (counts, weekday and hour) is
measured too, for the words and the time windows.
"""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from . import selectors
from .candidates import Candidate, Stop
from .params import SuggestionParams
from .selectors import Window
from .signals import Signal


def steady(score: float) -> float:
    """`score` to 12 significant digits. The weighted sums come from SQL aggregates whose last
    bits depend on the order rows arrive in; police data holds many exact ties (events snapped
    to one map point), and ties are broken by name and position only if they stay ties."""
    return float(f"{score:.12g}")


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


def time_fit(histogram: Counter, wanted_hours: set[tuple[int, int]], params: SuggestionParams) -> tuple[float, ...]:
    """(smoothed share in the wanted hours, raw share, factor against an even spread)."""
    events = sum(histogram.values())
    in_hours = sum(n for key, n in histogram.items() if key in wanted_hours)
    baseline = min(1.0, len(wanted_hours) / 168)
    prior = params.time_prior_events
    raw = in_hours / events if events else 0.0
    smoothed = (in_hours + prior * baseline) / (events + prior) if events + prior else baseline
    return smoothed, raw, smoothed / baseline if baseline else 1.0


def _evidence(
    footprints: list[tuple[int, str, float]], window: Window, params: SuggestionParams, signals: list[Signal]
) -> dict[int, tuple[dict[str, int], float, Counter]]:
    """idx -> (events per signal, signal- and recency-weighted events, weekday-hour counts)."""
    found: dict[int, tuple[dict[str, int], float, Counter]] = {}
    for signal in signals:
        weight = params.weights[signal.key]
        for idx, isodow, hour, events, weighted in selectors.candidate_evidence(
            signal, reaches=footprints, window=window, params=params
        ):
            counts, total, histogram = found.get(idx, ({}, 0.0, Counter()))
            counts[signal.key] = counts.get(signal.key, 0) + events
            if signal.timed:
                histogram[(isodow, hour)] += events
            found[idx] = (counts, total + weight * weighted, histogram)
    return found


def score_stops(
    stops: list[Stop],
    *,
    window: Window,
    params: SuggestionParams,
    signals: list[Signal],
    wanted_hours: set[tuple[int, int]],
) -> None:
    """Set each stop point's weight, events, histogram, time factor and score."""
    footprints = [(i, stop.point.ewkt, params.stop_reach_m) for i, stop in enumerate(stops)]
    evidence = _evidence(footprints, window, params, signals)
    for i, stop in enumerate(stops):
        counts, weight, histogram = evidence.get(i, ({}, 0.0, Counter()))
        stop.weight, stop.events, stop.histogram = weight, sum(counts.values()), histogram
        stop.time_factor = time_fit(histogram, wanted_hours, params)[2]
        stop.score = steady(stop.weight * stop.time_factor * stop.factor)


def _footprint(i: int, candidate: Candidate, params: SuggestionParams) -> tuple[int, str, float]:
    if candidate.kind == "corridor":
        return (i, candidate.section.ewkt, params.distance_m)
    return (i, candidate.stops[0].point.ewkt, params.hotspot_reach_m)


def score_candidates(
    candidates: list[Candidate],
    *,
    window: Window,
    params: SuggestionParams,
    signals: list[Signal],
    wanted_hours: set[tuple[int, int]],
) -> None:
    """Each suggestion's evidence (along its section, or around its place) for the words,
    and its score: the sum of its stop points' scores."""
    footprints = [
        (i, c.section.ewkt, params.distance_m)
        if c.kind == "corridor"
        else (i, c.stops[0].point.ewkt, params.hotspot_reach_m)
        for i, c in enumerate(candidates)
    ]
    evidence = _evidence(footprints, window, params, signals)
    for i, candidate in enumerate(candidates):
        counts, demand, histogram = evidence.get(i, ({}, 0.0, Counter()))
        candidate.counts = {signal.key: counts.get(signal.key, 0) for signal in signals}
        candidate.demand, candidate.histogram = demand, histogram
        candidate.time_fit, candidate.in_hours, candidate.time_factor = time_fit(histogram, wanted_hours, params)
        weights = sum(s.weight * s.time_factor for s in candidate.stops)
        candidate.cooldown_factor = sum(s.score for s in candidate.stops) / weights if weights else 1.0
        candidate.score = steady(sum(s.score for s in candidate.stops))
